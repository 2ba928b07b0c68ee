#include "training/HeadNetwork.h"

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/core.hpp>

namespace pc {

HeadNetworkImpl::HeadNetworkImpl(int64_t in, int64_t classes, int64_t hidden, double dropout, at::Generator generator)
    : dropout(dropout), generator(std::move(generator))
{
    std::vector<int64_t> sizes{in};
    if (hidden > 0)
        sizes.push_back(hidden);
    sizes.push_back(classes);
    for (size_t i = 0; i + 1 < sizes.size(); ++i)
        layers.push_back(register_module("layer" + std::to_string(i), torch::nn::Linear(sizes[i], sizes[i + 1])));
    // torch's own Linear init, U(±1/√in) for weight and bias, drawn from our generator.
    torch::NoGradGuard noGrad;
    for (auto& layer : layers) {
        const double bound = 1.0 / std::sqrt(double(layer->weight.size(1)));
        layer->weight.uniform_(-bound, bound, this->generator);
        layer->bias.uniform_(-bound, bound, this->generator);
    }
}

HeadNetworkImpl::HeadNetworkImpl(const ClassifierHead& head)
    : generator(at::detail::createCPUGenerator(0))
{
    for (size_t i = 0; i < head.layers().size(); ++i) {
        const cv::Mat& w = head.layers()[i].weight;
        layers.push_back(register_module("layer" + std::to_string(i), torch::nn::Linear(w.cols, w.rows)));
    }
    load(head);
}

torch::Tensor HeadNetworkImpl::forward(torch::Tensor x)
{
    for (size_t i = 0; i < layers.size(); ++i) {
        x = layers[i](x);
        if (i + 1 < layers.size()) {
            x = torch::relu(x);
            if (is_training() && dropout > 0) {
                // Inverted dropout with our own generator (torch::dropout would use the global one).
                const torch::Tensor keep = torch::empty_like(x).bernoulli_(1.0 - dropout, generator);
                x = x * keep / (1.0 - dropout);
            }
        }
    }
    return x;
}

QString HeadNetworkImpl::shapeMismatch(const ClassifierHead& head) const
{
    auto describe = [](const std::vector<std::pair<int64_t, int64_t>>& shapes) {
        QStringList s;
        for (auto [out, in] : shapes)
            s << QStringLiteral("%1×%2").arg(out).arg(in);
        return s.join(QStringLiteral(", "));
    };
    std::vector<std::pair<int64_t, int64_t>> mine, theirs;
    for (const auto& layer : layers)
        mine.emplace_back(layer->weight.size(0), layer->weight.size(1));
    bool ok = head.layers().size() == layers.size();
    for (size_t i = 0; i < head.layers().size(); ++i) {
        const DenseLayer& l = head.layers()[i];
        theirs.emplace_back(l.weight.rows, l.weight.cols);
        ok = ok && l.weight.type() == CV_32F && l.bias.type() == CV_32F && int64_t(l.bias.total()) == l.weight.rows
             && mine[i] == theirs[i];
    }
    return ok ? QString() : QStringLiteral("layers %1, not %2").arg(describe(theirs), describe(mine));
}

void HeadNetworkImpl::load(const ClassifierHead& head)
{
    const QString mismatch = shapeMismatch(head);
    TORCH_CHECK(mismatch.isEmpty(), "head shapes differ: ", mismatch.toStdString());
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < layers.size(); ++i) {
        layers[i]->weight.copy_(toTensor(head.layers()[i].weight));
        layers[i]->bias.copy_(toTensor(head.layers()[i].bias).reshape({-1}));
    }
}

ClassifierHead HeadNetworkImpl::toClassifierHead(const QStringList& classes, std::vector<bool> learned) const
{
    std::vector<DenseLayer> out;
    for (const auto& layer : layers)
        out.push_back({toMat(layer->weight.detach()), toMat(layer->bias.detach().reshape({1, -1}))});
    return ClassifierHead(classes, std::move(out), std::move(learned));
}

cv::Mat toMat(const torch::Tensor& t)
{
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    std::vector<int> sizes(c.sizes().begin(), c.sizes().end());
    if (sizes.empty())
        sizes.push_back(1);
    cv::Mat m(int(sizes.size()), sizes.data(), CV_32F);
    std::memcpy(m.data, c.data_ptr<float>(), size_t(c.numel()) * sizeof(float));
    return m;
}

torch::Tensor toTensor(const cv::Mat& m)
{
    CV_Assert(m.depth() == CV_32F && m.channels() == 1);
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    std::vector<int64_t> sizes(c.size.p, c.size.p + c.dims);
    return torch::from_blob(const_cast<uchar*>(c.data), sizes, torch::kFloat32).clone();
}

} // namespace pc
