#pragma once
// A simulated curator, to measure whether labelling the least-confident images first beats
// labelling at random. Per seed, a stratified k-fold split of a labelled set; per held-out fold, the
// other folds are the pool. Both strategies start from the same few labels per breed, then add
// labels in rounds: at random, or the images the current model is least sure of. After every round
// a head is trained from scratch and scored on the held-out fold.
#include "Expected.h"
#include "training/Trainer.h"

#include <atomic>
#include <functional>
#include <vector>

namespace pc {

struct ActiveLearningOptions {
    int seeds = 3;
    int folds = 5;
    int startPerClass = 2;
    int roundSize = 20;
    int rounds = 12;
    TrainerOptions trainer;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress; // runs (seed × fold × strategy) finished
};

struct LearningCurvePoint {
    double labels = 0;          // labelled images at this point, mean over the runs
    double top1 = 0, top1Sd = 0; // on the held-out fold; sd over the seed × fold runs
    double meanPerClass = 0, meanPerClassSd = 0;
};

struct ActiveLearningResult {
    std::vector<LearningCurvePoint> random, leastConfident; // the start, then one point per round
    int runs = 0;               // seed × fold runs per strategy
    double seconds = 0;
};

// Pool rows (their centre views) least sure of their top breed first: ascending top-1
// probability; ties keep the pool's order.
std::vector<size_t> leastConfidentFirst(const ClassifierHead& head, const cv::Mat& centreViews);

// Cancelled (options.cancel): an error that says so.
Expected<ActiveLearningResult> simulateActiveLearning(const LabelledEmbeddings& data, const QStringList& classes,
                                                      const ActiveLearningOptions& options);

} // namespace pc
