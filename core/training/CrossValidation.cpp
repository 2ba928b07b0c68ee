#include "training/CrossValidation.h"

#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <map>

namespace pc {

std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::mt19937& rng)
{
    std::map<int, std::vector<size_t>> rowsOf; // ordered by class: the rng is used in one order
    for (size_t i = 0; i < labels.size(); ++i)
        rowsOf[labels[i]].push_back(i);
    std::vector<int> fold(labels.size(), 0);
    for (auto& [label, rows] : rowsOf) {
        std::shuffle(rows.begin(), rows.end(), rng);
        for (size_t i = 0; i < rows.size(); ++i)
            fold[rows[i]] = int(i % size_t(std::max(1, folds)));
    }
    return fold;
}

QString toString(TrainingRecipe recipe)
{
    switch (recipe) {
    case TrainingRecipe::NoValidation:
        return QStringLiteral("no-validation");
    case TrainingRecipe::EarlyStopped:
        return QStringLiteral("early-stopped");
    case TrainingRecipe::Refit:
        return QStringLiteral("refit");
    case TrainingRecipe::HeldOutFixed:
        return QStringLiteral("held-out-fixed");
    }
    return {};
}

double CrossValidationResult::top1() const
{
    double sum = 0;
    for (const FoldScore& f : folds)
        sum += f.top1;
    return folds.empty() ? 0 : sum / double(folds.size());
}

double CrossValidationResult::meanPerClass() const
{
    double sum = 0;
    for (const FoldScore& f : folds)
        sum += f.meanPerClass;
    return folds.empty() ? 0 : sum / double(folds.size());
}

double CrossValidationResult::meanPerClassSd() const
{
    if (repeats < 1 || folds.empty())
        return 0;
    const size_t perRepeat = folds.size() / size_t(repeats);
    const double mean = meanPerClass();
    double spread = 0;
    for (int r = 0; r < repeats; ++r) {
        double m = 0;
        for (size_t f = 0; f < perRepeat; ++f)
            m += folds[size_t(r) * perRepeat + f].meanPerClass;
        m /= double(perRepeat);
        spread += (m - mean) * (m - mean);
    }
    return std::sqrt(spread / repeats);
}

double CrossValidationResult::meanEpochs() const
{
    double sum = 0;
    for (const FoldScore& f : folds)
        sum += f.epochs;
    return folds.empty() ? 0 : sum / double(folds.size());
}

namespace {

Expected<TrainingResult> trainFold(const LabelledEmbeddings& train, const QStringList& classes, TrainingRecipe recipe, const TrainerOptions& options,
                               std::mt19937& rng)
{
    if (recipe == TrainingRecipe::NoValidation)
        return trainHead(train, {}, classes, options);
    // The last of five inner folds validates: a breed with fewer than five images keeps them all
    // for training, as the learning loop's split keeps a lone image.
    const std::vector<int> inner = stratifiedFolds(train.labels, 5, rng);
    LabelledEmbeddings fit, val, all;
    for (size_t i = 0; i < train.size(); ++i) {
        if (inner[i] == 4)
            val.add(train.views[i].row(0), train.labels[i], train.imageIds[i]);
        else
            fit.add(train.views[i], train.labels[i], train.imageIds[i]);
    }
    if (recipe == TrainingRecipe::HeldOutFixed)
        return trainHead(fit, {}, classes, options);
    auto stopped = trainHead(fit, val, classes, options);
    if (!stopped || recipe == TrainingRecipe::EarlyStopped)
        return stopped;
    TrainerOptions again = options;
    again.maxEpochs = std::max(1, stopped->bestEpoch);
    again.patience = 0; // exactly the epochs chosen
    return trainHead(train, {}, classes, again);
}

} // namespace

Expected<CrossValidationResult> crossValidate(const LabelledEmbeddings& data, const QStringList& classes, TrainingRecipe recipe,
                                              const CrossValidationOptions& options)
{
    if (options.folds < 2 || options.repeats < 1)
        return Error{QStringLiteral("cannot cross-validate: folds must be at least 2 and repeats at least 1")};
    if (data.size() < size_t(options.folds) * 2)
        return Error{QStringLiteral("cannot cross-validate: %1 labelled images are too few for %2 folds").arg(data.size()).arg(options.folds)};
    QElapsedTimer timer;
    timer.start();
    CrossValidationResult result;
    result.repeats = options.repeats;
    std::mt19937 rng(options.seed);
    int done = 0;
    for (int repeat = 0; repeat < options.repeats; ++repeat) {
        const std::vector<int> fold = stratifiedFolds(data.labels, options.folds, rng);
        for (int f = 0; f < options.folds; ++f) {
            if (options.cancel && options.cancel->load())
                return Error{QStringLiteral("cancelled")};
            LabelledEmbeddings train, test;
            for (size_t i = 0; i < data.size(); ++i) {
                if (fold[i] == f)
                    test.add(data.views[i].row(0), data.labels[i], data.imageIds[i]);
                else
                    train.add(data.views[i], data.labels[i], data.imageIds[i]);
            }
            // Each fold its own inner-split generator: recipes share the outer folds whatever they draw.
            std::mt19937 inner(options.seed * 1000003u + quint32(repeat * 101 + f));
            auto trained = trainFold(train, classes, recipe, options.trainer, inner);
            if (!trained)
                return trained.error();
            const Evaluation e = evaluate(trained->head, test);
            result.folds.push_back({e.top1, e.meanPerClass, int(trained->epochs.size())});
            if (options.progress)
                options.progress(++done, options.folds * options.repeats);
        }
    }
    result.seconds = double(timer.nsecsElapsed()) / 1e9;
    return result;
}

} // namespace pc
