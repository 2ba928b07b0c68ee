#include "model/BatchPredictor.h"

#include <QElapsedTimer>
#include <opencv2/core.hpp>

namespace pc {

BatchPredictor::BatchPredictor(std::shared_ptr<const ModelSnapshot> model, int k) : m_model(std::move(model)), m_k(k)
{
    Q_ASSERT(m_model);
}

bool BatchPredictor::accepts(const cv::Mat& embedding) const
{
    return !m_model->backbone && !embedding.empty() && embedding.type() == CV_32F && embedding.cols == m_model->head.inputSize();
}

BatchPredictor::Answers BatchPredictor::predict(const std::vector<cv::Mat>& embeddings) const
{
    Answers out;
    out.top.reserve(embeddings.size());
    QElapsedTimer timer;
    timer.start();
    for (size_t start = 0; start < embeddings.size(); start += kChunkRows) {
        const size_t n = std::min<size_t>(kChunkRows, embeddings.size() - start);
        cv::Mat stacked;
        cv::vconcat(std::vector<cv::Mat>(embeddings.begin() + long(start), embeddings.begin() + long(start + n)), stacked);
        const cv::Mat p = m_model->head.probabilities(stacked);
        for (int i = 0; i < int(n); ++i)
            out.top.push_back(topBreeds(m_model->head, p.ptr<float>(i), m_k));
    }
    if (!embeddings.empty())
        out.msEach = double(timer.nsecsElapsed()) / 1e6 / double(embeddings.size());
    return out;
}

std::vector<Guess> BatchPredictor::predictOne(const cv::Mat& embedding) const
{
    const cv::Mat p = m_model->head.probabilities(embedding.row(0));
    return topBreeds(m_model->head, p.ptr<float>(0), m_k);
}

} // namespace pc
