#pragma once
// The trainable twin of ClassifierHead: one Linear layer, or Linear → ReLU → Dropout → Linear.
// Layer i here is layer i of the exported ClassifierHead, so the head's logits() equal this
// module's eval-mode forward(). Private to core/training: includes torch.
#include "model/ClassifierHead.h"

#include <torch/torch.h>

namespace pc {

struct HeadNetworkImpl : torch::nn::Module {
    // hidden = 0: linear softmax. The generator drives the initial weights and the dropout masks,
    // so a seed fixes both without touching torch's global generator (other threads use that).
    HeadNetworkImpl(int64_t in, int64_t classes, int64_t hidden, double dropout, at::Generator generator);
    explicit HeadNetworkImpl(const ClassifierHead& head); // same shapes and weights, no dropout

    torch::Tensor forward(torch::Tensor x);

    // Copies a ClassifierHead's weights in; the shapes must match (see shapeMismatch()).
    void load(const ClassifierHead& head);
    QString shapeMismatch(const ClassifierHead& head) const; // empty when load() can take it
    ClassifierHead toClassifierHead(const QStringList& classes, std::vector<bool> learned) const;

    std::vector<torch::nn::Linear> layers;
    double dropout = 0;
    at::Generator generator;
};
TORCH_MODULE(HeadNetwork);

// torch ↔ OpenCV, both deep copies. A 1-d tensor becomes an N×1 Mat (OpenCV has no 1-d Mat).
cv::Mat toMat(const torch::Tensor& t);
torch::Tensor toTensor(const cv::Mat& m);

} // namespace pc
