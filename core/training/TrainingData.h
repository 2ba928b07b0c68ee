#pragma once
// What the trainer learns from: per image, the cached embeddings of its views (row 0 = centre view,
// then the augmented ones) and its class index.
#include <QStringList>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

struct LabelledEmbeddings {
    std::vector<cv::Mat> views;   // per image: V × 1280, CV_32F (V ≥ 1)
    std::vector<int> labels;      // class index per image, into the class list
    std::vector<qint64> imageIds; // for reporting (confusion-matrix drill-down)

    size_t size() const { return labels.size(); }
    void add(const cv::Mat& v, int label, qint64 imageId)
    {
        views.push_back(v);
        labels.push_back(label);
        imageIds.push_back(imageId);
    }
};

// Accuracy of a head on images (centre views only).
struct Evaluation {
    int count = 0;
    double top1 = 0;                  // fraction correct
    double meanPerClass = 0;          // mean over classes present in the data
    std::vector<double> perClass;     // per class; NaN where the class has no images
    std::vector<int> perClassCount;
    cv::Mat confusion;                // classes × classes, CV_32S: row = true, column = predicted
    std::vector<std::vector<qint64>> cellImages; // row-major classes×classes: image ids per cell
};

} // namespace pc
