#include "training/ActiveLearning.h"

#include "training/CrossValidation.h"

#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <opencv2/core.hpp>

namespace pc {

namespace {

enum class Strategy { Random, LeastConfident };

struct RoundScore {
    int labels = 0;
    double top1 = 0, meanPerClass = 0;
};

LabelledEmbeddings subset(const LabelledEmbeddings& data, const std::vector<size_t>& rows, bool centreOnly)
{
    LabelledEmbeddings out;
    for (size_t r : rows)
        out.add(centreOnly ? data.views[r].row(0) : data.views[r], data.labels[r], data.imageIds[r]);
    return out;
}

// One curator over one fold: the labels grow round by round, a fresh head after each round.
Expected<std::vector<RoundScore>> simulateRun(const LabelledEmbeddings& data, const QStringList& classes, const ActiveLearningOptions& options,
                                              const std::vector<size_t>& start, std::vector<size_t> unlabelled, const LabelledEmbeddings& test,
                                              Strategy strategy, std::mt19937 pick)
{
    std::vector<size_t> labelled = start;
    std::vector<RoundScore> scores;
    for (int round = 0; round <= options.rounds; ++round) {
        if (options.cancel && options.cancel->load())
            return Error{QStringLiteral("cancelled")};
        auto trained = trainHead(subset(data, labelled, false), {}, classes, options.trainer);
        if (!trained)
            return trained.error();
        const Evaluation e = evaluate(trained->head, test);
        scores.push_back({int(labelled.size()), e.top1, e.meanPerClass});
        if (round == options.rounds || unlabelled.empty())
            break;
        const size_t n = std::min(unlabelled.size(), size_t(options.roundSize));
        if (strategy == Strategy::Random) {
            std::shuffle(unlabelled.begin(), unlabelled.end(), pick);
        } else {
            cv::Mat centres(int(unlabelled.size()), data.views.front().cols, CV_32F);
            for (size_t i = 0; i < unlabelled.size(); ++i)
                data.views[unlabelled[i]].row(0).copyTo(centres.row(int(i)));
            const std::vector<size_t> order = leastConfidentFirst(trained->head, centres);
            std::vector<size_t> reordered;
            reordered.reserve(order.size());
            for (size_t i : order)
                reordered.push_back(unlabelled[i]);
            unlabelled = std::move(reordered);
        }
        labelled.insert(labelled.end(), unlabelled.begin(), unlabelled.begin() + qsizetype(n));
        unlabelled.erase(unlabelled.begin(), unlabelled.begin() + qsizetype(n));
    }
    return scores;
}

// Mean and sd over the runs, round by round (a run that ran out of pool repeats its last score).
std::vector<LearningCurvePoint> curve(const std::vector<std::vector<RoundScore>>& runs)
{
    size_t rounds = 0;
    for (const auto& r : runs)
        rounds = std::max(rounds, r.size());
    std::vector<LearningCurvePoint> points(rounds);
    for (size_t i = 0; i < rounds; ++i) {
        double labels = 0, top1 = 0, mean = 0, top1Sq = 0, meanSq = 0;
        for (const auto& r : runs) {
            const RoundScore& s = r[std::min(i, r.size() - 1)];
            labels += s.labels;
            top1 += s.top1;
            mean += s.meanPerClass;
            top1Sq += s.top1 * s.top1;
            meanSq += s.meanPerClass * s.meanPerClass;
        }
        const double n = double(runs.size());
        LearningCurvePoint& p = points[i];
        p.labels = labels / n;
        p.top1 = top1 / n;
        p.meanPerClass = mean / n;
        p.top1Sd = std::sqrt(std::max(0.0, top1Sq / n - p.top1 * p.top1));
        p.meanPerClassSd = std::sqrt(std::max(0.0, meanSq / n - p.meanPerClass * p.meanPerClass));
    }
    return points;
}

} // namespace

std::vector<size_t> leastConfidentFirst(const ClassifierHead& head, const cv::Mat& centreViews)
{
    std::vector<size_t> order(size_t(centreViews.rows));
    std::iota(order.begin(), order.end(), size_t(0));
    if (centreViews.rows == 0)
        return order;
    const cv::Mat probabilities = head.probabilities(centreViews);
    std::vector<double> top(order.size());
    for (int i = 0; i < probabilities.rows; ++i)
        cv::minMaxLoc(probabilities.row(i), nullptr, &top[size_t(i)]);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return top[a] < top[b]; });
    return order;
}

Expected<ActiveLearningResult> simulateActiveLearning(const LabelledEmbeddings& data, const QStringList& classes,
                                                      const ActiveLearningOptions& options)
{
    if (options.seeds < 1 || options.folds < 2 || options.startPerClass < 1 || options.roundSize < 1 || options.rounds < 0)
        return Error{QStringLiteral("cannot simulate: seeds, start labels per breed and round size must be at least 1, folds at least 2, rounds at least 0")};
    if (data.size() < size_t(options.folds) * 2)
        return Error{QStringLiteral("cannot simulate: %1 labelled images are too few for %2 folds").arg(data.size()).arg(options.folds)};
    QElapsedTimer timer;
    timer.start();
    std::vector<std::vector<RoundScore>> runs[2];
    const int total = options.seeds * options.folds * 2;
    int done = 0;
    for (int seed = 0; seed < options.seeds; ++seed) {
        std::mt19937 rng(quint32(options.trainer.seed) * 7919u + quint32(seed));
        const std::vector<int> fold = stratifiedFolds(data.labels, options.folds, rng);
        for (int f = 0; f < options.folds; ++f) {
            std::vector<size_t> testRows;
            std::map<int, std::vector<size_t>> poolByClass;
            for (size_t i = 0; i < data.size(); ++i) {
                if (fold[i] == f)
                    testRows.push_back(i);
                else
                    poolByClass[data.labels[i]].push_back(i);
            }
            // The same start for both strategies: a few random images of every breed in the pool.
            std::vector<size_t> start, unlabelled;
            for (auto& [label, rows] : poolByClass) {
                std::shuffle(rows.begin(), rows.end(), rng);
                const size_t n = std::min(rows.size(), size_t(options.startPerClass));
                start.insert(start.end(), rows.begin(), rows.begin() + qsizetype(n));
                unlabelled.insert(unlabelled.end(), rows.begin() + qsizetype(n), rows.end());
            }
            std::sort(unlabelled.begin(), unlabelled.end());
            const LabelledEmbeddings test = subset(data, testRows, true);
            const std::mt19937 pick(rng());
            for (Strategy s : {Strategy::Random, Strategy::LeastConfident}) {
                auto scores = simulateRun(data, classes, options, start, unlabelled, test, s, pick);
                if (!scores)
                    return scores.error();
                runs[int(s)].push_back(std::move(*scores));
                if (options.progress)
                    options.progress(++done, total);
            }
        }
    }
    ActiveLearningResult result;
    result.random = curve(runs[int(Strategy::Random)]);
    result.leastConfident = curve(runs[int(Strategy::LeastConfident)]);
    result.runs = options.seeds * options.folds;
    result.seconds = double(timer.nsecsElapsed()) / 1e9;
    return result;
}

} // namespace pc
