#include "training/Trainer.h"

#include "training/ClassWeights.h"
#include "training/HeadNetwork.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <algorithm>
#include <numeric>
#include <omp.h>
#include <random>

namespace F = torch::nn::functional;

namespace pc {

QJsonObject EpochMetrics::toJson() const
{
    return {{QStringLiteral("epoch"), epoch},
            {QStringLiteral("loss"), loss},
            {QStringLiteral("train_accuracy"), trainAccuracy},
            {QStringLiteral("val_accuracy"), valAccuracy},
            {QStringLiteral("val_mean_per_class"), valMeanPerClass},
            {QStringLiteral("val_loss"), valLoss},
            {QStringLiteral("learning_rate"), learningRate}};
}

QJsonObject TrainerOptions::toJson() const
{
    return {{QStringLiteral("head"), head == HeadKind::Mlp ? QStringLiteral("mlp") : QStringLiteral("linear")},
            {QStringLiteral("hidden_units"), hiddenUnits},
            {QStringLiteral("dropout"), dropout},
            {QStringLiteral("learning_rate"), learningRate},
            {QStringLiteral("decay_rate"), decayRate},
            {QStringLiteral("decay_steps"), decaySteps},
            {QStringLiteral("batch_size"), batchSize},
            {QStringLiteral("weight_decay"), weightDecay},
            {QStringLiteral("max_epochs"), maxEpochs},
            {QStringLiteral("patience"), patience},
            {QStringLiteral("class_balanced"), classBalanced},
            {QStringLiteral("augmented_views"), useAugmentedViews},
            {QStringLiteral("seed"), QString::number(seed)},
            {QStringLiteral("warm_start"), warmStart != nullptr}};
}

namespace {

// Head training is thousands of tiny ops. With more threads, OpenMP syncs at every op, and on two
// busy cores that made an epoch 10-30x slower (0.4 s vs 5-12 s measured). So: one thread, for the
// calling thread only (the OpenMP count is per thread), restored on exit. The bits then don't
// depend on the process's thread setting either.
class OneThreadHere {
public:
    OneThreadHere() : m_saved((at::get_num_threads(), omp_get_max_threads())) { omp_set_num_threads(1); }
    ~OneThreadHere() { omp_set_num_threads(m_saved); }
    OneThreadHere(const OneThreadHere&) = delete;
    OneThreadHere& operator=(const OneThreadHere&) = delete;

private:
    int m_saved;
};

// Validation rows in one contiguous tensor, scored in one pass.
struct Dataset {
    torch::Tensor x;      // rows × D
    torch::Tensor y;      // rows, int64
};

Dataset stack(const LabelledEmbeddings& data, bool allViews, int64_t dim)
{
    int64_t rows = 0;
    for (const cv::Mat& v : data.views)
        rows += allViews ? v.rows : 1;
    Dataset d{torch::empty({rows, dim}), torch::empty({rows}, torch::kLong)};
    float* x = d.x.data_ptr<float>();
    int64_t* y = d.y.data_ptr<int64_t>();
    for (size_t i = 0; i < data.size(); ++i) {
        const cv::Mat& v = data.views[i];
        const int n = allViews ? v.rows : 1;
        for (int r = 0; r < n; ++r) {
            std::memcpy(x, v.ptr<float>(r), size_t(dim) * sizeof(float));
            x += dim;
            *y++ = data.labels[i];
        }
    }
    return d;
}

// Training rows by reference: each points into its image's view matrix, which the caller keeps
// (the learning loop holds them between runs). Copying every row into one tensor first cost more
// than the training itself at 7,000 images: 0.44 s of page faults and copies per run (perf,
// bench-learn), and a second copy of the embeddings at the peak.
struct RowTable {
    std::vector<const float*> rows;
    std::vector<int64_t> labels;
};

RowTable rowTable(const LabelledEmbeddings& data, bool allViews)
{
    RowTable t;
    for (size_t i = 0; i < data.size(); ++i) {
        const cv::Mat& v = data.views[i];
        const int n = allViews ? v.rows : 1;
        for (int r = 0; r < n; ++r) {
            t.rows.push_back(v.ptr<float>(r));
            t.labels.push_back(data.labels[i]);
        }
    }
    return t;
}

// A mini-batch: the rows order[0..n), as index_select() on the stacked rows would give them.
std::pair<torch::Tensor, torch::Tensor> batch(const RowTable& t, const int64_t* order, int64_t n, int64_t dim)
{
    torch::Tensor x = torch::empty({n, dim});
    torch::Tensor y = torch::empty({n}, torch::kLong);
    float* xp = x.data_ptr<float>();
    int64_t* yp = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
        std::memcpy(xp + i * dim, t.rows[size_t(order[i])], size_t(dim) * sizeof(float));
        yp[i] = t.labels[size_t(order[i])];
    }
    return {x, y};
}

QString checkData(const LabelledEmbeddings& data, const char* what, int classes, int dim)
{
    if (data.views.size() != data.labels.size())
        return QStringLiteral("%1 set has %2 view matrices for %3 labels").arg(QLatin1String(what)).arg(data.views.size()).arg(data.labels.size());
    for (size_t i = 0; i < data.size(); ++i) {
        const cv::Mat& v = data.views[i];
        if (v.empty() || v.type() != CV_32F || v.dims != 2 || v.cols != dim)
            return QStringLiteral("%1 image %2 has embeddings of the wrong shape or type").arg(QLatin1String(what)).arg(i);
        if (data.labels[i] < 0 || data.labels[i] >= classes)
            return QStringLiteral("%1 image %2 has label %3, outside the %4 classes").arg(QLatin1String(what)).arg(i).arg(data.labels[i]).arg(classes);
    }
    return {};
}

struct ValScore {
    double loss = 0, accuracy = 0, meanPerClass = 0;
};

// Eval-mode metrics on the centre views; unlearned classes can't be predicted, as in ClassifierHead.
ValScore score(HeadNetwork& net, const Dataset& val, const torch::Tensor& weights, const torch::Tensor& unlearnedMask,
               int classes)
{
    torch::NoGradGuard noGrad;
    net->eval();
    const torch::Tensor logits = net->forward(val.x);
    net->train();
    ValScore s;
    s.loss = F::cross_entropy(logits, val.y, F::CrossEntropyFuncOptions().weight(weights)).item<double>();
    const torch::Tensor pred = logits.masked_fill(unlearnedMask, -std::numeric_limits<float>::infinity()).argmax(1);
    // Counts in double, so these equal what evaluate() reports for the same head.
    const torch::Tensor hit = pred.eq(val.y).to(torch::kFloat64);
    s.accuracy = hit.mean().item<double>();
    const torch::Tensor perClassHits = torch::zeros({classes}, torch::kFloat64).index_add_(0, val.y, hit);
    const torch::Tensor perClassCount = torch::bincount(val.y, {}, classes).to(torch::kFloat64);
    const torch::Tensor present = perClassCount.gt(0);
    s.meanPerClass = (perClassHits.masked_select(present) / perClassCount.masked_select(present)).mean().item<double>();
    return s;
}

std::vector<torch::Tensor> snapshot(const HeadNetwork& net)
{
    std::vector<torch::Tensor> state;
    for (const auto& p : net->parameters())
        state.push_back(p.detach().clone());
    return state;
}

void restore(HeadNetwork& net, const std::vector<torch::Tensor>& state)
{
    torch::NoGradGuard noGrad;
    auto params = net->parameters();
    for (size_t i = 0; i < params.size(); ++i)
        params[i].copy_(state[i]);
}

} // namespace

Expected<TrainingResult> trainHead(const LabelledEmbeddings& train, const LabelledEmbeddings& val,
                                   const QStringList& classes, const TrainerOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    const OneThreadHere oneThread;
    const int C = int(classes.size());
    if (C < 1)
        return Error{QStringLiteral("cannot train: the class list is empty")};
    if (train.size() == 0 || train.views.empty())
        return Error{QStringLiteral("cannot train: no training images")};
    const int D = train.views.front().cols;
    if (D < 1)
        return Error{QStringLiteral("cannot train: training embeddings are empty")};
    if (const QString bad = checkData(train, "training", C, D); !bad.isEmpty())
        return Error{QStringLiteral("cannot train: ") + bad};
    if (const QString bad = checkData(val, "validation", C, D); !bad.isEmpty())
        return Error{QStringLiteral("cannot train: ") + bad};
    if (options.batchSize < 1 || options.maxEpochs < 1 || options.learningRate <= 0 || options.decaySteps < 1
        || (options.head == TrainerOptions::HeadKind::Mlp && options.hiddenUnits < 1)
        || options.dropout < 0 || options.dropout >= 1)
        return Error{QStringLiteral("cannot train: invalid trainer options %1")
                         .arg(QString::fromUtf8(QJsonDocument(options.toJson()).toJson(QJsonDocument::Compact)))};

    // A private generator and our own shuffle: the same seed gives the same head bit for bit,
    // whatever else runs in the process.
    at::Generator generator = at::detail::createCPUGenerator(options.seed);
    std::seed_seq seeds{quint32(options.seed), quint32(options.seed >> 32)};
    std::mt19937 rng(seeds);
    const int64_t hidden = options.head == TrainerOptions::HeadKind::Mlp ? options.hiddenUnits : 0;
    HeadNetwork net(D, C, hidden, options.dropout, generator);
    if (options.warmStart) {
        if (options.warmStart->classes() != classes)
            return Error{QStringLiteral("cannot warm-start: the head was trained for another class list")};
        if (const QString mismatch = net->shapeMismatch(*options.warmStart); !mismatch.isEmpty())
            return Error{QStringLiteral("cannot warm-start: the head has %1").arg(mismatch)};
        net->load(*options.warmStart);
    }

    const std::vector<int> counts = classCounts(train.labels, C);
    std::vector<bool> learned(static_cast<size_t>(C));
    auto unlearnedMask = torch::zeros({C}, torch::kBool);
    for (int c = 0; c < C; ++c) {
        learned[size_t(c)] = counts[size_t(c)] > 0;
        unlearnedMask[c] = !learned[size_t(c)];
    }
    const RowTable data = rowTable(train, options.useAugmentedViews);
    const Dataset valData = stack(val, false, D);
    torch::Tensor weights; // undefined: plain mean
    if (options.classBalanced) {
        const std::vector<int> sampleCounts = classCounts(std::vector<int>(data.labels.begin(), data.labels.end()), C);
        weights = torch::tensor(inverseFrequencyWeights(sampleCounts));
    }

    // L2 on the weights only; biases stay free.
    std::vector<torch::Tensor> decayed, free;
    for (const auto& item : net->named_parameters())
        (item.key().find("weight") != std::string::npos ? decayed : free).push_back(item.value());
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decayed, std::make_unique<torch::optim::AdamOptions>(
                                     torch::optim::AdamOptions(options.learningRate).weight_decay(options.weightDecay)));
    groups.emplace_back(free, std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(options.learningRate)));
    torch::optim::Adam optimizer(groups, torch::optim::AdamOptions(options.learningRate));

    TrainingResult result;
    std::vector<torch::Tensor> best = snapshot(net);
    double bestMeanPerClass = -1, bestLoss = std::numeric_limits<double>::infinity();
    int sinceBest = 0;
    int64_t step = 0;
    double lr = options.learningRate;
    const int64_t rows = int64_t(data.rows.size());
    std::vector<int64_t> order(static_cast<size_t>(rows));
    std::iota(order.begin(), order.end(), 0);
    auto cancelled = [&] { return options.cancel && options.cancel->load(); };

    net->train();
    for (int epoch = 1; epoch <= options.maxEpochs && !result.cancelled; ++epoch) {
        std::shuffle(order.begin(), order.end(), rng);
        double lossSum = 0;
        int64_t correct = 0;
        for (int64_t begin = 0; begin < rows; begin += options.batchSize) {
            if (cancelled()) {
                result.cancelled = true;
                break;
            }
            // Staircase exponential decay, as in the seed: lr · rate^⌊step / decaySteps⌋.
            lr = options.learningRate * std::pow(options.decayRate, double(step / options.decaySteps));
            for (auto& group : optimizer.param_groups())
                static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
            const int64_t n = std::min(rows, begin + options.batchSize) - begin;
            const auto [x, y] = batch(data, order.data() + begin, n, D);
            optimizer.zero_grad();
            const torch::Tensor logits = net->forward(x);
            const torch::Tensor loss = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().weight(weights));
            loss.backward();
            optimizer.step();
            ++step;
            lossSum += loss.item<double>() * double(n);
            correct += logits.argmax(1).eq(y).sum().item<int64_t>();
        }
        if (result.cancelled)
            break;

        EpochMetrics m;
        m.epoch = epoch;
        m.loss = lossSum / double(rows);
        m.trainAccuracy = double(correct) / double(rows);
        m.learningRate = lr;
        double monitorLoss = m.loss; // without a validation set, the training loss decides
        if (valData.x.size(0) > 0) {
            const ValScore s = score(net, valData, weights, unlearnedMask, C);
            m.valAccuracy = s.accuracy;
            m.valMeanPerClass = s.meanPerClass;
            m.valLoss = s.loss;
            monitorLoss = s.loss;
        }
        result.epochs.push_back(m);

        // Best = highest validation mean per-class accuracy (rare breeds count as much as common
        // ones); on a tie, lower validation loss by at least 0.1 %.
        const bool better = m.valMeanPerClass > bestMeanPerClass + 1e-9
            || (m.valMeanPerClass >= bestMeanPerClass - 1e-9 && monitorLoss < bestLoss * (1 - 1e-3));
        if (better) {
            bestMeanPerClass = std::max(bestMeanPerClass, m.valMeanPerClass);
            bestLoss = monitorLoss;
            result.bestEpoch = epoch;
            best = snapshot(net);
            sinceBest = 0;
        } else {
            ++sinceBest;
        }
        if (options.onEpoch)
            options.onEpoch(m);
        if (cancelled())
            result.cancelled = true;
        else if (options.patience > 0 && sinceBest >= options.patience)
            break;
    }

    restore(net, best);
    result.head = net->toClassifierHead(classes, learned);
    result.validation = evaluate(result.head, val);
    result.seconds = double(timer.nsecsElapsed()) / 1e9;
    return result;
}

} // namespace pc
