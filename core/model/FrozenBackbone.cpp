#include "model/FrozenBackbone.h"

#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <sstream>

namespace pc {

namespace {

// Writes TorchScript for the module, one statement per layer, with parameters named p0, p1, ….
class ScriptWriter {
public:
    explicit ScriptWriter(int64_t size) : m_size(size) {}

    std::string param(const torch::Tensor& t)
    {
        const std::string name = "p" + std::to_string(m_params.size());
        m_params.push_back(t.detach().clone());
        return "self." + name;
    }
    // conv2d with TF "SAME" padding resolved for the current spatial size.
    void conv(const std::string& in, const std::string& out, const torch::nn::Conv2d& c, bool swish)
    {
        const int64_t k = c->options.kernel_size()->at(0), s = c->options.stride()->at(0);
        const int64_t outSize = (m_size + s - 1) / s;
        const int64_t total = std::max<int64_t>((outSize - 1) * s + k - m_size, 0);
        std::string src = in;
        int64_t symmetric = 0;
        if (total % 2 == 0) {
            symmetric = total / 2; // the conv pads symmetric cases itself, which oneDNN does faster
        } else {
            m_code << "    " << out << " = torch.constant_pad_nd(" << in << ", [" << total / 2 << ", " << total - total / 2
                   << ", " << total / 2 << ", " << total - total / 2 << "], 0.0)\n";
            src = out;
        }
        m_code << "    " << out << " = torch.conv2d(" << src << ", " << param(c->weight) << ", " << param(c->bias)
               << ", [" << s << ", " << s << "], [" << symmetric << ", " << symmetric << "], [1, 1], " << c->options.groups() << ")\n";
        if (swish)
            m_code << "    " << out << " = " << out << " * torch.sigmoid(" << out << ")\n";
        m_size = outSize;
    }
    void line(const std::string& l) { m_code << "    " << l << "\n"; }
    int64_t size() const { return m_size; }
    std::string code() const { return "def forward(self, x):\n" + m_code.str(); }
    const std::vector<torch::Tensor>& params() const { return m_params; }

private:
    int64_t m_size;
    std::ostringstream m_code;
    std::vector<torch::Tensor> m_params;
};

ScriptWriter writeScript(EfficientNetB0Impl& net, int64_t inputSize)
{
    ScriptWriter w(inputSize);
    w.line("x = (x * " + w.param(net.inputScale) + " - " + w.param(net.inputMean) + ") / " + w.param(net.inputStd));
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
    w.line("e = torch.mean(x, [2, 3])");
    w.line("return e, torch.linear(e, " + w.param(net.classifier->weight) + ", " + w.param(net.classifier->bias) + ")");
    return w;
}

} // namespace

std::string FrozenBackbone::scriptSource(EfficientNetB0Impl& net, int64_t inputSize)
{
    return writeScript(net, inputSize).code();
}

FrozenBackbone::FrozenBackbone(EfficientNetB0Impl& net, int64_t inputSize) : m_inputSize(inputSize)
{
    const ScriptWriter w = writeScript(net, inputSize);
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
