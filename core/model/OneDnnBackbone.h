#pragma once
// The inference path of EfficientNet-B0, built straight from oneDNN primitives (the library
// libtorch itself runs convolutions on), in fp32 or bf16. Each convolution is created once per batch
// size with its weights reordered once into the layout its kernel wants, and swish, sigmoid and
// the residual sum run fused into it as post-ops. libtorch 1.13 does some of that only for fp32
// TorchScript graphs (optimize_for_inference), whose activations it also allocates afresh on
// every pass; this runs 1.5–2× faster in fp32 and makes bf16 pay (README, Precision).
// Torch stays out of this header.
#include "model/Precision.h"

#include <memory>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

struct EfficientNetB0Impl;

class OneDnnBackbone {
public:
    // Copies the weights it needs out of net; net may change or go afterwards.
    OneDnnBackbone(EfficientNetB0Impl& net, Precision precision);
    ~OneDnnBackbone();

    // views: CV_32FC3 224×224 RGB in [0,1]. Returns N × 1280 CV_32F embeddings, pooled in fp32.
    // Safe from several threads at once: each thread computes in its own reused buffer.
    cv::Mat embed(const std::vector<cv::Mat>& views) const;

    // The oneDNN implementation that runs each primitive for a batch of n (e.g.
    // "brgconv_1x1:avx512_core_bf16"), in order: what the CPU really runs, for tests and bench.
    std::vector<std::string> implementations(int n) const;

    static constexpr int kInputSize = 224;

private:
    struct Plan;
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace pc
