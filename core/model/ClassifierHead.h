#pragma once
// A classifier on backbone embeddings: an immutable value that any number of threads can use.
// Linear (one layer) or a small MLP (ReLU between layers). Inference is plain OpenCV maths, so
// this header stays free of torch; training (core/training) produces these.
#include <QStringList>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

struct DenseLayer {
    cv::Mat weight; // out × in, CV_32F
    cv::Mat bias;   // 1 × out, CV_32F
};

class ClassifierHead {
public:
    ClassifierHead() = default;
    ClassifierHead(QStringList classes, std::vector<DenseLayer> layers, std::vector<bool> learned = {});

    const QStringList& classes() const { return m_classes; }
    const std::vector<DenseLayer>& layers() const { return m_layers; }
    // Whether a class can be predicted at all. A zero-shot head leaves breeds ImageNet doesn't
    // know unlearned: they always get probability 0.
    const std::vector<bool>& learned() const { return m_learned; }
    int learnedCount() const;
    int inputSize() const { return m_layers.empty() ? 0 : m_layers.front().weight.cols; }
    bool isValid() const { return !m_layers.empty(); }

    cv::Mat logits(const cv::Mat& embeddings) const;        // N × in → N × classes
    cv::Mat probabilities(const cv::Mat& embeddings) const; // softmax over learned classes

private:
    QStringList m_classes;
    std::vector<DenseLayer> m_layers;
    std::vector<bool> m_learned;
};

} // namespace pc
