#include "training/Trainer.h"

#include "imaging/Preprocess.h"
#include "model/Backbone.h"
#include "model/EfficientNetB0.h"
#include "training/ClassWeights.h"
#include "training/HeadNetwork.h"

#include <ATen/autocast_mode.h>
#include <numeric>
#include <optional>
#include <random>

namespace F = torch::nn::functional;

namespace pc {

namespace {

// A private copy of the whole network: the shared one keeps serving predictions untouched, and the
// copy can move to the GPU. ~5 M parameters, a few milliseconds.
EfficientNetB0 copyOf(EfficientNetB0Impl& source)
{
    EfficientNetB0 copy;
    torch::NoGradGuard noGrad;
    auto dst = copy->named_parameters();
    for (const auto& item : source.named_parameters())
        dst[item.key()].copy_(item.value());
    auto dstBuffers = copy->named_buffers();
    for (const auto& item : source.named_buffers())
        dstBuffers[item.key()].copy_(item.value());
    return copy;
}

// CPU autocast to bf16 for the calling thread while it lives (the setting is thread-local).
class CpuBf16Autocast {
public:
    CpuBf16Autocast() : m_wasEnabled(at::autocast::is_cpu_enabled()), m_wasType(at::autocast::get_autocast_cpu_dtype())
    {
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
    }
    ~CpuBf16Autocast()
    {
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_wasType);
        at::autocast::clear_cache();
    }

private:
    bool m_wasEnabled;
    at::ScalarType m_wasType;
};

// The frozen front: input normalisation, stem and the first blocks, without autograd. With a bf16
// backbone on the CPU it runs as the backbone serves (convolutions in bf16, channels-last), and
// hands fp32 to the trained tail, whose forward and backward stay fp32.
torch::Tensor frozenFront(EfficientNetB0& net, torch::Tensor x, size_t firstTuned, bool bf16)
{
    torch::NoGradGuard noGrad;
    x = (x * net->inputScale - net->inputMean) / net->inputStd;
    std::optional<CpuBf16Autocast> autocast;
    if (bf16 && x.is_cpu()) {
        autocast.emplace();
        x = x.contiguous(at::MemoryFormat::ChannelsLast);
    }
    x = F::silu(net->stem(x));
    for (size_t i = 0; i < firstTuned; ++i)
        x = net->blocks[i]->as<MBConvImpl>()->forward(x);
    return x.to(torch::kFloat32).contiguous();
}

// The trained tail: the last blocks, the top conv and pooling → embedding.
torch::Tensor tunedTail(EfficientNetB0& net, torch::Tensor x, size_t firstTuned)
{
    for (size_t i = firstTuned; i < net->blocks->size(); ++i)
        x = net->blocks[i]->as<MBConvImpl>()->forward(x);
    return F::silu(net->top(x)).mean({2, 3});
}

// N images → N×3×224×224 on the device.
torch::Tensor batchOf(const std::vector<cv::Mat>& views, torch::Device device)
{
    torch::Tensor t = torch::empty({int64_t(views.size()), kInputSize, kInputSize, 3});
    for (size_t i = 0; i < views.size(); ++i) {
        const cv::Mat v = views[i].isContinuous() ? views[i] : views[i].clone();
        std::memcpy(t[int64_t(i)].data_ptr<float>(), v.data, size_t(kInputSize) * kInputSize * 3 * sizeof(float));
    }
    return t.permute({0, 3, 1, 2}).contiguous().to(device);
}

QString checkImages(const LabelledImages& data, const char* what, int classes)
{
    if (data.rgb.size() != data.labels.size())
        return QStringLiteral("%1 set has %2 images for %3 labels").arg(QLatin1String(what)).arg(data.rgb.size()).arg(data.labels.size());
    for (size_t i = 0; i < data.rgb.size(); ++i) {
        if (data.rgb[i].empty() || data.rgb[i].type() != CV_8UC3)
            return QStringLiteral("%1 image %2 is not 8-bit RGB").arg(QLatin1String(what)).arg(i);
        if (data.labels[i] < 0 || data.labels[i] >= classes)
            return QStringLiteral("%1 image %2 has label %3, outside the %4 classes").arg(QLatin1String(what)).arg(i).arg(data.labels[i]).arg(classes);
    }
    return {};
}

} // namespace

Expected<FineTuneResult> fineTuneBackbone(const Backbone& backbone, const ClassifierHead& head,
                                          const LabelledImages& train, const LabelledImages& val,
                                          const FineTuneOptions& options)
{
    const int C = int(head.classes().size());
    if (!head.isValid() || head.inputSize() != EfficientNetB0Impl::kEmbeddingSize)
        return Error{QStringLiteral("cannot fine-tune: the head does not take %1-d embeddings").arg(EfficientNetB0Impl::kEmbeddingSize)};
    if (train.rgb.empty())
        return Error{QStringLiteral("cannot fine-tune: no training images")};
    if (const QString bad = checkImages(train, "training", C); !bad.isEmpty())
        return Error{QStringLiteral("cannot fine-tune: ") + bad};
    if (const QString bad = checkImages(val, "validation", C); !bad.isEmpty())
        return Error{QStringLiteral("cannot fine-tune: ") + bad};
    const int totalBlocks = int(backbone.network().blocks->size());
    if (options.blocks < 1 || options.blocks > totalBlocks || options.epochs < 1 || options.batchSize < 1
        || options.learningRate <= 0)
        return Error{QStringLiteral("cannot fine-tune: blocks must be 1..%1, epochs, batch size and learning rate positive")
                         .arg(totalBlocks)};

    const torch::Device device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
    FineTuneResult result;
    result.device = device.is_cuda() ? QStringLiteral("cuda") : QStringLiteral("cpu");

    torch::manual_seed(options.seed); // no random init here; only GPU kernels might draw from it
    std::seed_seq seeds{quint32(options.seed), quint32(options.seed >> 32)};
    std::mt19937 rng(seeds);
    EfficientNetB0 net = copyOf(backbone.network());
    net->to(device);
    const size_t firstTuned = size_t(totalBlocks - options.blocks);
    const bool bf16Front = backbone.precision() == Precision::Bf16;
    auto isTuned = [&](const std::string& name) {
        if (name.rfind("top.", 0) == 0)
            return true;
        for (size_t i = firstTuned; i < size_t(totalBlocks); ++i)
            if (name.rfind("blocks." + std::to_string(i) + ".", 0) == 0)
                return true;
        return false;
    };
    std::vector<torch::Tensor> params;
    for (auto& item : net->named_parameters()) {
        item.value().set_requires_grad(isTuned(item.key()));
        if (isTuned(item.key()))
            params.push_back(item.value());
    }
    HeadNetwork headNet(head);
    headNet->to(device);
    for (const auto& p : headNet->parameters())
        params.push_back(p);
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(options.learningRate));

    const std::vector<int> counts = classCounts(train.labels, C);
    std::vector<bool> learned(static_cast<size_t>(C));
    auto unlearned = torch::zeros({C}, torch::kBool);
    for (int c = 0; c < C; ++c) {
        learned[size_t(c)] = counts[size_t(c)] > 0;
        unlearned[c] = !learned[size_t(c)];
    }
    unlearned = unlearned.to(device);
    const torch::Tensor weights = torch::tensor(inverseFrequencyWeights(counts)).to(device);

    const int n = int(train.rgb.size());
    const int total = n * options.epochs;
    int done = 0;
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    auto cancelled = [&] { return options.cancel && options.cancel->load(); };

    for (int epoch = 1; epoch <= options.epochs && !result.cancelled; ++epoch) {
        std::shuffle(order.begin(), order.end(), rng);
        double lossSum = 0;
        int correct = 0;
        for (int begin = 0; begin < n; begin += options.batchSize) {
            if (cancelled()) {
                result.cancelled = true;
                break;
            }
            const int end = std::min(n, begin + options.batchSize);
            std::vector<cv::Mat> views;
            std::vector<int64_t> labels;
            for (int k = begin; k < end; ++k) {
                views.push_back(preprocessAugmented(train.rgb[size_t(order[size_t(k)])], rng));
                labels.push_back(train.labels[size_t(order[size_t(k)])]);
            }
            const torch::Tensor y = torch::tensor(labels).to(device);
            const torch::Tensor front = frozenFront(net, batchOf(views, device), firstTuned, bf16Front);
            optimizer.zero_grad();
            const torch::Tensor logits = headNet->forward(tunedTail(net, front, firstTuned));
            const torch::Tensor loss = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().weight(weights));
            loss.backward();
            optimizer.step();
            lossSum += loss.item<double>() * (end - begin);
            correct += int(logits.argmax(1).eq(y).sum().item<int64_t>());
            done += end - begin;
            if (options.progress)
                options.progress(done, total);
        }
        if (result.cancelled)
            break;

        EpochMetrics m;
        m.epoch = epoch;
        m.loss = lossSum / n;
        m.trainAccuracy = double(correct) / n;
        m.learningRate = options.learningRate;
        if (!val.rgb.empty()) {
            torch::NoGradGuard noGrad;
            std::vector<int> hits(size_t(C), 0), seen(size_t(C), 0);
            int right = 0;
            for (size_t begin = 0; begin < val.rgb.size(); begin += size_t(options.batchSize)) {
                const size_t end = std::min(val.rgb.size(), begin + size_t(options.batchSize));
                std::vector<cv::Mat> views;
                for (size_t k = begin; k < end; ++k)
                    views.push_back(preprocessCenter(val.rgb[k]));
                const torch::Tensor logits = headNet->forward(tunedTail(net, frozenFront(net, batchOf(views, device), firstTuned, bf16Front), firstTuned));
                const torch::Tensor pred = logits.masked_fill(unlearned, -std::numeric_limits<float>::infinity()).argmax(1).cpu();
                for (size_t k = begin; k < end; ++k) {
                    const int truth = val.labels[k];
                    const bool hit = pred[int64_t(k - begin)].item<int64_t>() == truth;
                    right += hit;
                    hits[size_t(truth)] += hit;
                    ++seen[size_t(truth)];
                }
            }
            m.valAccuracy = double(right) / double(val.rgb.size());
            double sum = 0;
            int present = 0;
            for (int c = 0; c < C; ++c)
                if (seen[size_t(c)] > 0) {
                    sum += double(hits[size_t(c)]) / seen[size_t(c)];
                    ++present;
                }
            m.valMeanPerClass = present ? sum / present : 0;
        }
        result.epochs.push_back(m);
        if (options.onEpoch)
            options.onEpoch(m);
        if (cancelled())
            result.cancelled = true;
    }

    // Only what was trained goes out, under the names EfficientNetB0 gives it.
    for (const auto& item : net->named_parameters())
        if (isTuned(item.key()))
            result.tunedTensors.emplace(item.key(), toMat(item.value()));
    result.head = headNet->toClassifierHead(head.classes(), learned);
    return result;
}

} // namespace pc
