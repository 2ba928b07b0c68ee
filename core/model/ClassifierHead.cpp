#include "model/ClassifierHead.h"

#include <opencv2/core.hpp>

namespace pc {

ClassifierHead::ClassifierHead(QStringList classes, std::vector<DenseLayer> layers, std::vector<bool> learned)
    : m_classes(std::move(classes)), m_layers(std::move(layers)), m_learned(std::move(learned))
{
    if (m_learned.empty())
        m_learned.assign(size_t(m_classes.size()), true);
}

int ClassifierHead::learnedCount() const
{
    return int(std::count(m_learned.begin(), m_learned.end(), true));
}

cv::Mat ClassifierHead::logits(const cv::Mat& embeddings) const
{
    cv::Mat x = embeddings;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        cv::Mat y = x * m_layers[i].weight.t();
        y += cv::repeat(m_layers[i].bias, y.rows, 1);
        if (i + 1 < m_layers.size())
            y = cv::max(y, 0.0f);
        x = y;
    }
    return x;
}

cv::Mat ClassifierHead::probabilities(const cv::Mat& embeddings) const
{
    cv::Mat z = logits(embeddings);
    cv::Mat p(z.size(), CV_32F, cv::Scalar(0));
    for (int r = 0; r < z.rows; ++r) {
        const float* zr = z.ptr<float>(r);
        float* pr = p.ptr<float>(r);
        float m = -std::numeric_limits<float>::infinity();
        for (int c = 0; c < z.cols; ++c)
            if (m_learned[size_t(c)])
                m = std::max(m, zr[c]);
        double sum = 0;
        for (int c = 0; c < z.cols; ++c)
            if (m_learned[size_t(c)])
                sum += pr[c] = std::exp(zr[c] - m);
        for (int c = 0; c < z.cols; ++c)
            pr[c] = sum > 0 ? float(pr[c] / sum) : 0.0f;
    }
    return p;
}

} // namespace pc
