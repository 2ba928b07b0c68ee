#pragma once
// Stratified k-fold cross-validation of a training recipe on labelled embeddings: every class
// spread over the folds as evenly as it can be, each fold held out once, repeated with fresh splits.
// Recipes scored with the same options and seed see the same folds, so they compare fold by fold.
#include "Expected.h"
#include "training/Trainer.h"

#include <atomic>
#include <functional>
#include <random>
#include <vector>

namespace pc {

// The fold (0…folds−1) of each row, for rows with these class labels. Within a class, rows are
// dealt round-robin after a shuffle by `rng`: the same rng state gives the same folds.
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::mt19937& rng);

enum class TrainingRecipe {
    NoValidation, // every training image trains; the training loss stops it
    EarlyStopped, // the learning loop's: a stratified 20 % picks the epoch, 80 % trains
    Refit,        // EarlyStopped, then trained again on all of it for the epochs it chose
    HeldOutFixed, // the 80 % of EarlyStopped trains for every epoch; the 20 % stays out unused
};
QString toString(TrainingRecipe recipe); // "no-validation", "early-stopped", "refit", "held-out-fixed"

struct CrossValidationOptions {
    int folds = 5;
    int repeats = 3;
    quint32 seed = 7;
    TrainerOptions trainer;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress; // folds finished
};

struct FoldScore {
    double top1 = 0, meanPerClass = 0; // on the held-out fold's centre views
    int epochs = 0;                    // the last training's
};

struct CrossValidationResult {
    std::vector<FoldScore> folds; // repeat by repeat, fold by fold
    int repeats = 0;
    double seconds = 0;
    double top1() const;
    double meanPerClass() const;
    double meanPerClassSd() const; // sd of the repeats' means: how much a fresh split moves it
    double meanEpochs() const;
};

Expected<CrossValidationResult> crossValidate(const LabelledEmbeddings& data, const QStringList& classes, TrainingRecipe recipe,
                                              const CrossValidationOptions& options);

} // namespace pc
