#include "model/OneDnnBackbone.h"

#include "model/EfficientNetB0.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>

namespace pc {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

namespace {

// One layer's weights as fp32, copied out of the torch module.
struct Layer {
    int64_t out = 0, in = 0, kernel = 1, stride = 1, groups = 1;
    std::vector<float> weight, bias;
    dnnl::algorithm activation = dnnl::algorithm::undef; // eltwise_swish, eltwise_logistic or none
    std::vector<memory> reordered; // the weights in each layout a plan asked for (usually one)
};

Layer copyLayer(const torch::nn::Conv2d& c, dnnl::algorithm activation)
{
    Layer l;
    const torch::Tensor w = c->weight.detach().to(torch::kFloat32).contiguous();
    const torch::Tensor b = c->bias.detach().to(torch::kFloat32).contiguous();
    l.out = w.size(0);
    l.groups = c->options.groups();
    l.in = w.size(1) * l.groups;
    l.kernel = w.size(2);
    l.stride = c->options.stride()->at(0);
    l.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    l.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    l.activation = activation;
    return l;
}

// The stem, a 3×3 stride-2 convolution over 3 channels, is the one layer oneDNN's bf16 kernels run
// badly: 3 input channels fill a sliver of a vector (1.6 ms of an 11 ms pass). So the input is
// written as the stem's patches instead, each output pixel's 3×3×3 taps as 27 channels, and the
// stem becomes a 1×1 convolution like most of the others. Taps in the TF "SAME" padding are zero,
// as the padding is.
struct StemGeometry {
    int64_t kernel = 3, stride = 2, padBefore = 0, outSize = 112, patchSize = 27;
};

// The stem's weights for its patches: O×I×H×W → O×(H·W·I)×1×1, in the patches' tap order.
Layer stemAsPatches(Layer stem, int64_t inputSize, StemGeometry& g)
{
    g.kernel = stem.kernel;
    g.stride = stem.stride;
    g.outSize = (inputSize + g.stride - 1) / g.stride;
    g.padBefore = samePadding(inputSize, g.kernel, g.stride).first;
    // 27 taps padded to 32 with zeros: bf16 kernels multiply pairs of channels, and an odd or
    // ragged count takes a slow path (2.5 ms against 0.4 ms).
    const int64_t taps = g.kernel * g.kernel * stem.in;
    g.patchSize = (taps + 15) / 16 * 16;
    std::vector<float> w(size_t(stem.out * g.patchSize), 0.f);
    for (int64_t o = 0; o < stem.out; ++o)
        for (int64_t i = 0; i < stem.in; ++i)
            for (int64_t y = 0; y < g.kernel; ++y)
                for (int64_t x = 0; x < g.kernel; ++x)
                    w[size_t(o * g.patchSize + (y * g.kernel + x) * stem.in + i)] = stem.weight[size_t(((o * stem.in + i) * g.kernel + y) * g.kernel + x)];
    stem.weight = std::move(w);
    stem.in = g.patchSize;
    stem.kernel = stem.stride = 1;
    return stem;
}

struct Block {
    int expand = -1; // index into layers, or -1 (ratio 1)
    int depthwise = 0, seReduce = 0, seExpand = 0, project = 0;
    bool residual = false;
};

// An activation in the arena: its layout and which slot of the arena holds it.
struct Activation {
    memory::desc md;
    int slot = 0;
};

using ArenaAddress = std::function<std::byte*(const Activation&)>;

// A oneDNN primitive with its arguments, or a step of our own (run).
struct Step {
    dnnl::primitive primitive;
    std::string implementation;
    std::vector<std::pair<int, Activation>> activations; // DNNL_ARG_* → arena
    std::vector<std::pair<int, memory>> constants;       // weights and biases
    std::function<void(const ArenaAddress&)> run;
};

inline float fromBf16(uint16_t b)
{
    const uint32_t u = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// Row `row` of a layer's weights (out × in) times x, plus the bias.
float affine(const Layer& l, int64_t row, const float* x)
{
    const float* w = l.weight.data() + row * l.in;
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int64_t k = 0; k < l.in; ++k)
        sum += w[k] * x[k];
    return sum + l.bias[size_t(row)];
}

// Squeeze-excite's two small products, per image: C channel means → swish(reduce) → sigmoid(expand),
// the C gates, in fp32 on the calling thread. As 32 oneDNN inner products they cost 1.5 ms of a
// 7 ms pass at batch 1, nearly all of it OpenMP start-ups for a few thousand multiply-adds each.
void exciteGates(const Layer& reduce, const Layer& expand, int64_t n, const std::byte* squeezed, bool bf16, float* gates)
{
    const int64_t channels = reduce.in;
    std::vector<float> means{std::vector<float>(size_t(channels))}, hidden{std::vector<float>(size_t(reduce.out))};
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t c = 0; c < channels; ++c)
            means[size_t(c)] = bf16 ? fromBf16(reinterpret_cast<const uint16_t*>(squeezed)[i * channels + c])
                                    : reinterpret_cast<const float*>(squeezed)[i * channels + c];
        for (int64_t j = 0; j < reduce.out; ++j) {
            const float s = affine(reduce, j, means.data());
            hidden[size_t(j)] = s / (1.f + std::exp(-s));
        }
        for (int64_t c = 0; c < channels; ++c)
            gates[i * channels + c] = 1.f / (1.f + std::exp(-affine(expand, c, hidden.data())));
    }
}

// fp32 → bf16, rounding to nearest even (the inputs are finite).
inline uint16_t toBf16(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    u += 0x7FFF + ((u >> 16) & 1);
    return uint16_t(u >> 16);
}

// A thread's working memory, grown to the largest plan it has run and reused after: activations
// above glibc's mmap threshold would otherwise be mapped and page-faulted afresh on every pass.
struct Arena {
    std::unique_ptr<std::byte, decltype(&std::free)> data{nullptr, &std::free};
    size_t size = 0;
    std::byte* reserve(size_t bytes)
    {
        if (bytes > size) {
            data.reset(static_cast<std::byte*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
            if (!data)
                throw std::bad_alloc();
            size = bytes;
        }
        return data.get();
    }
};

} // namespace

struct OneDnnBackbone::Plan {
    std::vector<Step> steps;
    std::vector<size_t> slotBytes;
    std::vector<size_t> slotOffset;
    size_t arenaBytes = 0;
    Activation input, embedding;
    int scratchpadSlot = 0;
};

struct OneDnnBackbone::Impl {
    Dt dt = Dt::f32;
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    std::vector<Layer> layers;
    int stem = 0, top = 0;
    StemGeometry stemGeometry;
    std::vector<Block> blocks;
    float scale = 255.f, mean[3] = {0, 0, 0}, invStd[3] = {1, 1, 1};

    std::mutex mutex; // guards plans and the layers' reordered weights while a plan is built
    std::map<int, std::unique_ptr<Plan>> plans;

    const Plan& planFor(int n);
    std::unique_ptr<Plan> build(int n);
};

namespace {

// Builds one batch size's steps. Slots 0–1 hold the block input and the expanded map (their roles
// swap when a block has no residual), 2 the depthwise output, 3–4 the squeeze-excite means and
// gates, 5 the input and the pooled embedding, 6 the scratchpad.
class PlanBuilder {
public:
    enum Slot { kA, kB, kDepthwise, kSqueezed, kGate, kEnds, kScratchpad, kSlots };

    PlanBuilder(std::vector<Layer>& layers, const dnnl::engine& engine, Dt dt, int64_t n, std::vector<Step>& steps,
                std::vector<size_t>& slotBytes)
        : m_layers(layers), m_engine(engine), m_dt(dt), m_n(n), m_steps(steps), m_slotBytes(slotBytes)
    {
        m_slotBytes.assign(kSlots, 0);
    }

    Activation use(const memory::desc& md, int slot)
    {
        m_slotBytes[size_t(slot)] = std::max(m_slotBytes[size_t(slot)], md.get_size());
        return {md, slot};
    }

    // TF "SAME" convolution with its activation fused; with sumInto, adds the result to that
    // activation in place (the residual), which is then also its destination.
    Activation conv(const Activation& src, int layerIndex, int dstSlot, const Activation* sumInto = nullptr, Dt dstType = Dt::undef)
    {
        Layer& l = m_layers[size_t(layerIndex)];
        const int64_t size = src.md.dims()[2];
        const int64_t outSize = (size + l.stride - 1) / l.stride;
        const auto [before, after] = samePadding(size, l.kernel, l.stride);
        // Grouped (depthwise) weights carry the group as a dimension of their own.
        const memory::dims weightDims = l.groups == 1 ? memory::dims{l.out, l.in, l.kernel, l.kernel}
                                                      : memory::dims{l.groups, l.out / l.groups, l.in / l.groups, l.kernel, l.kernel};
        const memory::desc weightsAny(weightDims, src.md.data_type(), Tag::any);
        const memory::desc dst = sumInto ? sumInto->md : memory::desc({m_n, l.out, outSize, outSize}, dstType == Dt::undef ? m_dt : dstType, Tag::nhwc);
        dnnl::post_ops ops;
        if (sumInto)
            ops.append_sum(1.f);
        if (l.activation != dnnl::algorithm::undef)
            ops.append_eltwise(1.f, l.activation, 1.f, 0.f);
        dnnl::primitive_attr attr = attributes();
        attr.set_post_ops(ops);
        const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src.md,
                                                   weightsAny, memory::desc({l.out}, Dt::f32, Tag::x), dst, {l.stride, l.stride}, {before, before},
                                                   {after, after});
        const dnnl::convolution_forward::primitive_desc pd(desc, attr, m_engine);
        const memory::desc userWeights(weightDims, Dt::f32, l.groups == 1 ? Tag::oihw : Tag::goihw);
        const Activation out = use(pd.dst_desc(), sumInto ? sumInto->slot : dstSlot);
        add(dnnl::convolution_forward(pd), pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, out}},
            {{DNNL_ARG_WEIGHTS, weights(l, userWeights, pd.weights_desc())}, {DNNL_ARG_BIAS, bias(l)}});
        return out;
    }

    // The squeeze-excite gates, N×C fp32, from the channel means (see exciteGates).
    Activation excite(const Activation& squeezed, int reduceIndex, int expandIndex, int dstSlot)
    {
        const Layer& reduce = m_layers[size_t(reduceIndex)];
        const Layer& expand = m_layers[size_t(expandIndex)];
        const Activation gates = use(memory::desc({m_n, expand.out}, Dt::f32, Tag::nc), dstSlot);
        Step step;
        step.implementation = "excite:cpp";
        step.run = [&reduce, &expand, n = m_n, squeezed, gates](const ArenaAddress& at) {
            exciteGates(reduce, expand, n, at(squeezed), squeezed.md.data_type() == Dt::bf16, reinterpret_cast<float*>(at(gates)));
        };
        m_steps.push_back(std::move(step));
        return gates;
    }

    // Mean over height and width: N×C×1×1, in the source's type (oneDNN's reduction primitive has
    // no JIT kernel for a channels-last mean over the middle dimensions; average pooling has).
    Activation mean(const Activation& src, int dstSlot)
    {
        const memory::dims dims = src.md.dims();
        const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, src.md,
                                               memory::desc({dims[0], dims[1], 1, 1}, src.md.data_type(), Tag::nhwc), {1, 1},
                                               {dims[2], dims[3]}, {0, 0}, {0, 0});
        const dnnl::pooling_forward::primitive_desc pd(desc, attributes(), m_engine);
        const Activation out = use(pd.dst_desc(), dstSlot);
        add(dnnl::pooling_forward(pd), pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, out}}, {});
        return out;
    }

    // x ← x · gate, the gate broadcast over height and width.
    void scaleChannels(const Activation& x, const Activation& gate)
    {
        const memory::dims dims = x.md.dims();
        const Activation gate4{memory::desc({dims[0], dims[1], 1, 1}, Dt::f32, Tag::nchw), gate.slot};
        const dnnl::binary::desc desc(dnnl::algorithm::binary_mul, x.md, gate4.md, x.md);
        const dnnl::binary::primitive_desc pd(desc, attributes(), m_engine);
        add(dnnl::binary(pd), pd, {{DNNL_ARG_SRC_0, x}, {DNNL_ARG_SRC_1, gate4}, {DNNL_ARG_DST, x}}, {});
    }

private:
    // Fresh each time: a primitive_attr is a shared handle, so a copy would share its post-ops.
    static dnnl::primitive_attr attributes()
    {
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        return attr;
    }

    void add(dnnl::primitive primitive, const dnnl::primitive_desc_base& pd, std::vector<std::pair<int, Activation>> activations,
             std::vector<std::pair<int, memory>> constants)
    {
        use(pd.scratchpad_desc(), kScratchpad);
        Step step{std::move(primitive), pd.impl_info_str(), std::move(activations), std::move(constants), {}};
        m_steps.push_back(std::move(step));
    }

    // The layer's weights in the layout the kernel asked for, reordered once per layout.
    memory weights(Layer& l, const memory::desc& user, const memory::desc& wanted)
    {
        for (const memory& m : l.reordered)
            if (m.get_desc() == wanted)
                return m;
        memory from(user, m_engine, l.weight.data());
        memory to(wanted, m_engine);
        dnnl::stream stream(m_engine);
        dnnl::reorder(from, to).execute(stream, from, to);
        stream.wait();
        l.reordered.push_back(to);
        return to;
    }

    memory bias(Layer& l)
    {
        return memory(memory::desc({l.out}, Dt::f32, Tag::x), m_engine, l.bias.data());
    }

    std::vector<Layer>& m_layers;
    const dnnl::engine& m_engine;
    Dt m_dt;
    int64_t m_n;
    std::vector<Step>& m_steps;
    std::vector<size_t>& m_slotBytes;
};

} // namespace

std::unique_ptr<OneDnnBackbone::Plan> OneDnnBackbone::Impl::build(int n)
{
    auto plan = std::make_unique<Plan>();
    PlanBuilder b(layers, engine, dt, n, plan->steps, plan->slotBytes);
    // The stem's patches (see Impl::stemPatches), so the stem runs as a 1×1 convolution.
    const StemGeometry& g = stemGeometry;
    plan->input = b.use(memory::desc({n, g.patchSize, g.outSize, g.outSize}, dt, Tag::nhwc), PlanBuilder::kEnds);
    Activation x = b.conv(plan->input, stem, PlanBuilder::kA);
    int spare = PlanBuilder::kB;
    for (const Block& block : blocks) {
        const Activation h = block.expand >= 0 ? b.conv(x, block.expand, spare) : x;
        const Activation dw = b.conv(h, block.depthwise, PlanBuilder::kDepthwise);
        const Activation squeezed = b.mean(dw, PlanBuilder::kSqueezed);
        const Activation gate = b.excite(squeezed, block.seReduce, block.seExpand, PlanBuilder::kGate);
        b.scaleChannels(dw, gate);
        if (block.residual) {
            x = b.conv(dw, block.project, x.slot, &x);
        } else {
            const int into = spare;
            spare = x.slot;
            x = b.conv(dw, block.project, into);
        }
    }
    // The last map in fp32, so the embedding is pooled without another rounding to bf16. The input
    // is read only by the stem, so its slot takes the embedding.
    const Activation features = b.conv(x, top, spare, nullptr, Dt::f32);
    plan->embedding = b.mean(features, PlanBuilder::kEnds);
    plan->scratchpadSlot = PlanBuilder::kScratchpad;
    plan->slotOffset.resize(plan->slotBytes.size());
    for (size_t i = 0; i < plan->slotBytes.size(); ++i) {
        plan->slotOffset[i] = plan->arenaBytes;
        plan->arenaBytes += (plan->slotBytes[i] + 63) / 64 * 64;
    }
    return plan;
}

const OneDnnBackbone::Plan& OneDnnBackbone::Impl::planFor(int n)
{
    std::lock_guard lock(mutex);
    auto& plan = plans[n];
    if (!plan)
        plan = build(n);
    return *plan;
}

OneDnnBackbone::OneDnnBackbone(EfficientNetB0Impl& net, Precision precision) : d(std::make_unique<Impl>())
{
    d->dt = precision == Precision::Bf16 ? Dt::bf16 : Dt::f32;
    const auto swish = dnnl::algorithm::eltwise_swish;
    d->scale = net.inputScale.item<float>();
    for (int c = 0; c < 3; ++c) {
        d->mean[c] = net.inputMean.flatten()[c].item<float>();
        d->invStd[c] = 1.f / net.inputStd.flatten()[c].item<float>();
    }
    const auto addLayer = [&](const torch::nn::Conv2d& c, dnnl::algorithm activation) {
        d->layers.push_back(copyLayer(c, activation));
        return int(d->layers.size() - 1);
    };
    d->layers.push_back(stemAsPatches(copyLayer(net.stem->conv, swish), kInputSize, d->stemGeometry));
    d->stem = int(d->layers.size() - 1);
    for (size_t i = 0; i < net.blocks->size(); ++i) {
        const auto m = net.blocks[i]->as<MBConvImpl>();
        Block block;
        if (m->expand)
            block.expand = addLayer(m->expand->conv, swish);
        block.depthwise = addLayer(m->depthwise->conv, swish);
        block.seReduce = addLayer(m->seReduce, swish);
        block.seExpand = addLayer(m->seExpand, dnnl::algorithm::eltwise_logistic);
        block.project = addLayer(m->project, dnnl::algorithm::undef);
        block.residual = m->residual;
        d->blocks.push_back(block);
    }
    d->top = addLayer(net.top, swish);
}

OneDnnBackbone::~OneDnnBackbone() = default;

std::vector<std::string> OneDnnBackbone::implementations(int n) const
{
    std::vector<std::string> names;
    for (const Step& s : d->planFor(n).steps)
        names.push_back(s.implementation);
    return names;
}

cv::Mat OneDnnBackbone::embed(const std::vector<cv::Mat>& views) const
{
    const int n = int(views.size());
    cv::Mat out(n, EfficientNetB0Impl::kEmbeddingSize, CV_32F);
    if (n == 0)
        return out;
    const Plan& plan = d->planFor(n);
    thread_local Arena arena;
    std::byte* base = arena.reserve(plan.arenaBytes);
    const auto at = [&](const Activation& a) { return base + plan.slotOffset[size_t(a.slot)]; };

    // Normalised in fp32 (x·255 − mean needs more than bf16's 8 bits), then stored as the stem's
    // patches in the compute type.
    const StemGeometry& g = d->stemGeometry;
    const auto writePatches = [&](auto* dst, const float* src, auto convert) {
        for (int64_t oy = 0; oy < g.outSize; ++oy)
            for (int64_t ox = 0; ox < g.outSize; ++ox) {
                for (int64_t ky = 0; ky < g.kernel; ++ky)
                    for (int64_t kx = 0; kx < g.kernel; ++kx) {
                        const int64_t iy = oy * g.stride + ky - g.padBefore, ix = ox * g.stride + kx - g.padBefore;
                        const bool inside = iy >= 0 && iy < kInputSize && ix >= 0 && ix < kInputSize;
                        const float* in = inside ? src + (iy * kInputSize + ix) * 3 : nullptr;
                        for (int c = 0; c < 3; ++c)
                            *dst++ = convert(inside ? (in[c] * d->scale - d->mean[c]) * d->invStd[c] : 0.f);
                    }
                for (int64_t pad = g.kernel * g.kernel * 3; pad < g.patchSize; ++pad)
                    *dst++ = convert(0.f);
            }
    };
    const size_t patchValues = size_t(g.outSize * g.outSize * g.patchSize);
    for (int i = 0; i < n; ++i) {
        const cv::Mat& v = views[size_t(i)];
        CV_Assert(v.type() == CV_32FC3 && v.rows == kInputSize && v.cols == kInputSize && v.isContinuous());
        if (d->dt == Dt::bf16)
            writePatches(reinterpret_cast<uint16_t*>(at(plan.input)) + size_t(i) * patchValues, v.ptr<float>(), toBf16);
        else
            writePatches(reinterpret_cast<float*>(at(plan.input)) + size_t(i) * patchValues, v.ptr<float>(), [](float f) { return f; });
    }

    dnnl::stream stream(d->engine);
    const memory scratchpad(memory::desc({std::max<int64_t>(1, int64_t(plan.slotBytes[size_t(plan.scratchpadSlot)]))}, Dt::u8, Tag::x), d->engine,
                            base + plan.slotOffset[size_t(plan.scratchpadSlot)]);
    std::unordered_map<int, memory> args;
    const ArenaAddress address = at;
    for (const Step& step : plan.steps) {
        if (step.run) {
            step.run(address);
            continue;
        }
        args.clear();
        for (const auto& [arg, a] : step.activations)
            args.emplace(arg, memory(a.md, d->engine, at(a)));
        for (const auto& [arg, m] : step.constants)
            args.emplace(arg, m);
        args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad);
        step.primitive.execute(stream, args);
    }
    stream.wait();
    std::memcpy(out.data, at(plan.embedding), size_t(n) * EfficientNetB0Impl::kEmbeddingSize * sizeof(float));
    return out;
}

} // namespace pc
