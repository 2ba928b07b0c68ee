#include "model/EfficientNetB0.h"

namespace F = torch::nn::functional;

namespace pc {

const std::vector<MBConvStage>& efficientNetB0Stages()
{
    static const std::vector<MBConvStage> stages = {
        {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},  {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
    };
    return stages;
}

SameConv2dImpl::SameConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups)
    : kernel(kernel), stride(stride)
{
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                         .stride(stride).groups(groups).bias(true)));
}

std::pair<int64_t, int64_t> samePadding(int64_t n, int64_t kernel, int64_t stride)
{
    const int64_t out = (n + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - n, 0);
    return {total / 2, total - total / 2};
}

torch::Tensor SameConv2dImpl::forward(torch::Tensor x)
{
    const auto [top, bottom] = samePadding(x.size(2), kernel, stride);
    const auto [left, right] = samePadding(x.size(3), kernel, stride);
    if (top || bottom || left || right)
        x = F::pad(x, F::PadFuncOptions({left, right, top, bottom}));
    return conv(x);
}

MBConvImpl::MBConvImpl(int64_t in, int64_t out, int64_t expandRatio, int64_t kernel, int64_t stride)
    : residual(stride == 1 && in == out)
{
    const int64_t mid = in * expandRatio;
    const int64_t squeezed = std::max<int64_t>(1, in / 4);
    if (expandRatio != 1)
        expand = register_module("expand", SameConv2d(in, mid, 1, 1));
    depthwise = register_module("depthwise", SameConv2d(mid, mid, kernel, stride, mid));
    seReduce = register_module("se_reduce", torch::nn::Conv2d(torch::nn::Conv2dOptions(mid, squeezed, 1)));
    seExpand = register_module("se_expand", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezed, mid, 1)));
    project = register_module("project", torch::nn::Conv2d(torch::nn::Conv2dOptions(mid, out, 1)));
}

torch::Tensor MBConvImpl::forward(torch::Tensor x)
{
    torch::Tensor h = expand ? F::silu(expand(x)) : x;
    h = F::silu(depthwise(h));
    torch::Tensor s = h.mean({2, 3}, /*keepdim=*/true);
    s = torch::sigmoid(seExpand(F::silu(seReduce(s))));
    h = project(h * s);
    return residual ? h + x : h;
}

EfficientNetB0Impl::EfficientNetB0Impl()
{
    inputScale = register_buffer("input_scale", torch::full({1}, 255.0f));
    inputMean = register_buffer("input_mean", torch::zeros({1, 3, 1, 1}));
    inputStd = register_buffer("input_std", torch::ones({1, 3, 1, 1}));
    stem = register_module("stem", SameConv2d(3, 32, 3, 2));
    blocks = register_module("blocks", torch::nn::Sequential());
    for (const MBConvStage& s : efficientNetB0Stages())
        for (int64_t i = 0; i < s.repeats; ++i)
            blocks->push_back(MBConv(i == 0 ? s.in : s.out, s.out, s.expand, s.kernel, i == 0 ? s.stride : 1));
    top = register_module("top", torch::nn::Conv2d(torch::nn::Conv2dOptions(320, kEmbeddingSize, 1)));
    classifier = register_module("classifier", torch::nn::Linear(kEmbeddingSize, kImageNetClasses));
}

torch::Tensor EfficientNetB0Impl::embed(torch::Tensor x)
{
    x = (x * inputScale - inputMean) / inputStd;
    x = F::silu(stem(x));
    x = blocks->forward(x);
    x = F::silu(top(x));
    return x.mean({2, 3});
}

BackboneOutput EfficientNetB0Impl::forward(torch::Tensor x)
{
    torch::Tensor e = embed(x);
    return {e, classifier(e)};
}

} // namespace pc
