#include "model/FrozenBackbone.h"

#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <sstream>

namespace pc {

namespace {

// Writes TorchScript for the module, one statement per layer, with parameters named p0, p1, ….
class ScriptWriter {
public:
    ScriptWriter(int64_t size, torch::ScalarType dtype) : m_size(size), m_dtype(dtype) {}

    bool bf16() const { return m_dtype == torch::kBFloat16; }

    // A parameter of the network, held in the compute type. bf16 convolution weights are stored
    // channels-last, like the activations, so oneDNN's bf16 kernels read both without reorders.
    std::string param(const torch::Tensor& t)
    {
        torch::Tensor p = t.detach().to(m_dtype);
        if (bf16() && p.dim() == 4)
            p = p.contiguous(at::MemoryFormat::ChannelsLast);
        return keep(p);
    }
    // A parameter that stays fp32 whatever the compute type (input normalisation, classifier).
    std::string fp32Param(const torch::Tensor& t) { return keep(t.detach().to(torch::kFloat32)); }

    // conv2d with TF "SAME" padding resolved for the current spatial size.
    void conv(const std::string& in, const std::string& out, const torch::nn::Conv2d& c, bool swish)
    {
        const int64_t k = c->options.kernel_size()->at(0), s = c->options.stride()->at(0);
        const int64_t outSize = (m_size + s - 1) / s;
        const int64_t total = std::max<int64_t>((outSize - 1) * s + k - m_size, 0);
        std::string src = in;
        int64_t symmetric = 0;
        torch::Tensor weight = c->weight.detach();
        if (total % 2 == 0) {
            symmetric = total / 2; // the conv pads symmetric cases itself, which oneDNN does faster
        } else if (bf16()) {
            // Padding a before and a + 1 after equals padding a + 1 on both sides with a kernel one
            // larger whose first row and column are zero: the same sums, with no padded copy of
            // the activations (constant_pad_nd costs bf16 more than the conv it feeds).
            weight = torch::constant_pad_nd(weight, {1, 0, 1, 0}, 0.0);
            symmetric = total / 2 + 1;
        } else {
            m_code << "    " << out << " = torch.constant_pad_nd(" << in << ", [" << total / 2 << ", " << total - total / 2
                   << ", " << total / 2 << ", " << total - total / 2 << "], 0.0)\n";
            src = out;
        }
        m_code << "    " << out << " = torch.conv2d(" << src << ", " << param(weight) << ", " << param(c->bias)
               << ", [" << s << ", " << s << "], [" << symmetric << ", " << symmetric << "], [1, 1], " << c->options.groups() << ")\n";
        // fp32: the MKLDNN pass of optimize_for_inference runs x·sigmoid(x) in oneDNN. bf16 stays
        // in ATen, where one in-place silu is a third of the work of sigmoid, then multiply.
        if (swish)
            m_code << "    " << out << " = " << (bf16() ? "torch.silu_(" + out + ")" : out + " * torch.sigmoid(" + out + ")") << "\n";
        m_size = outSize;
    }
    void line(const std::string& l) { m_code << "    " << l << "\n"; }
    int64_t size() const { return m_size; }
    std::string code() const { return "def forward(self, x):\n" + m_code.str(); }
    const std::vector<torch::Tensor>& params() const { return m_params; }

private:
    std::string keep(const torch::Tensor& t)
    {
        const std::string name = "p" + std::to_string(m_params.size());
        m_params.push_back(t.clone());
        return "self." + name;
    }

    int64_t m_size;
    torch::ScalarType m_dtype;
    std::ostringstream m_code;
    std::vector<torch::Tensor> m_params;
};

ScriptWriter writeScript(EfficientNetB0Impl& net, int64_t inputSize, torch::ScalarType dtype)
{
    ScriptWriter w(inputSize, dtype);
    // Normalised in fp32 (x·255 − mean needs more than bf16's 8 bits), then cast once.
    w.line("x = (x * " + w.fp32Param(net.inputScale) + " - " + w.fp32Param(net.inputMean) + ") / " + w.fp32Param(net.inputStd));
    if (w.bf16())
        w.line("x = x.to(" + std::to_string(int(dtype)) + ").contiguous(memory_format=" + std::to_string(int(at::MemoryFormat::ChannelsLast)) + ")");
    w.conv("x", "x", net.stem->conv, true);
    for (size_t i = 0; i < net.blocks->size(); ++i) {
        auto b = net.blocks[i]->as<MBConvImpl>();
        if (b->expand)
            w.conv("x", "h", b->expand->conv, true);
        else
            w.line("h = x");
        w.conv("h", "h", b->depthwise->conv, true);
        w.line("s = torch.mean(h, [2, 3], True)");
        w.conv("s", "s", b->seReduce, true);
        w.conv("s", "s", b->seExpand, false);
        w.line("h = h * torch.sigmoid(s)");
        w.conv("h", "h", b->project, false);
        w.line(b->residual ? "x = h + x" : "x = h");
    }
    w.conv("x", "x", net.top, true);
    // Pooled in fp32, so the embedding is not rounded to bf16 once more; the ImageNet classifier
    // runs on it in fp32, like every head.
    w.line("e = torch.mean(x.float(), [2, 3])");
    w.line("return e, torch.linear(e, " + w.fp32Param(net.classifier->weight) + ", " + w.fp32Param(net.classifier->bias) + ")");
    return w;
}

} // namespace

std::string FrozenBackbone::scriptSource(EfficientNetB0Impl& net, int64_t inputSize, torch::ScalarType dtype)
{
    return writeScript(net, inputSize, dtype).code();
}

FrozenBackbone::FrozenBackbone(EfficientNetB0Impl& net, torch::ScalarType dtype, int64_t inputSize)
    : m_inputSize(inputSize), m_dtype(dtype)
{
    TORCH_CHECK(dtype == torch::kFloat32 || dtype == torch::kBFloat16, "FrozenBackbone computes in fp32 or bf16");
    const ScriptWriter w = writeScript(net, inputSize, dtype);
    torch::jit::Module m("EfficientNetB0Frozen");
    for (size_t i = 0; i < w.params().size(); ++i)
        m.register_parameter("p" + std::to_string(i), w.params()[i], /*is_buffer=*/false);
    m.define(w.code());
    m.eval();
    m_module = torch::jit::freeze(m);
    torch::jit::optimize_for_inference(m_module);
}

BackboneOutput FrozenBackbone::forward(const torch::Tensor& x)
{
    TORCH_CHECK(x.dim() == 4 && x.size(2) == m_inputSize && x.size(3) == m_inputSize,
                "FrozenBackbone expects N×3×", m_inputSize, "×", m_inputSize);
    torch::NoGradGuard noGrad;
    const auto out = m_module.forward({x}).toTuple();
    return {out->elements()[0].toTensor(), out->elements()[1].toTensor()};
}

} // namespace pc
