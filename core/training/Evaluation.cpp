#include "training/Trainer.h"

#include <cmath>
#include <limits>
#include <opencv2/core.hpp>

namespace pc {

// Plain OpenCV through ClassifierHead::logits(): what the product serves is what gets measured.
Evaluation evaluate(const ClassifierHead& head, const LabelledEmbeddings& data)
{
    Evaluation e;
    const int classes = int(head.classes().size());
    e.perClass.assign(size_t(classes), std::numeric_limits<double>::quiet_NaN());
    e.perClassCount.assign(size_t(classes), 0);
    e.confusion = cv::Mat::zeros(classes, classes, CV_32S);
    e.cellImages.assign(size_t(classes) * size_t(classes), {});
    if (!head.isValid() || data.size() == 0)
        return e;

    // Centre views only; labels outside the class list are not counted.
    cv::Mat x(0, head.inputSize(), CV_32F);
    std::vector<size_t> rows;
    for (size_t i = 0; i < data.size(); ++i) {
        const cv::Mat& v = data.views[i];
        if (data.labels[i] < 0 || data.labels[i] >= classes || v.empty() || v.type() != CV_32F || v.cols != head.inputSize())
            continue;
        x.push_back(v.row(0));
        rows.push_back(i);
    }
    if (rows.empty())
        return e;
    const cv::Mat logits = head.logits(x);
    const std::vector<bool>& learned = head.learned();
    for (size_t r = 0; r < rows.size(); ++r) {
        const float* z = logits.ptr<float>(int(r));
        int best = -1;
        for (int c = 0; c < classes; ++c)
            if (learned[size_t(c)] && (best < 0 || z[c] > z[best]))
                best = c;
        if (best < 0)
            best = 0; // nothing learned at all: every answer is wrong but still lands in a cell
        const size_t i = rows[r];
        const int truth = data.labels[i];
        ++e.confusion.at<int>(truth, best);
        const qint64 id = i < data.imageIds.size() ? data.imageIds[i] : qint64(i);
        e.cellImages[size_t(truth) * size_t(classes) + size_t(best)].push_back(id);
    }
    e.count = int(rows.size());
    int correct = 0, present = 0;
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
        const int n = int(cv::sum(e.confusion.row(c))[0]);
        const int hit = e.confusion.at<int>(c, c);
        correct += hit;
        e.perClassCount[size_t(c)] = n;
        if (n > 0) {
            e.perClass[size_t(c)] = double(hit) / n;
            sum += e.perClass[size_t(c)];
            ++present;
        }
    }
    e.top1 = double(correct) / e.count;
    e.meanPerClass = present ? sum / present : 0;
    return e;
}

} // namespace pc
