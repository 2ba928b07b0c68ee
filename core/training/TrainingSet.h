#pragma once
// What a training run learns from: the training-set policy (TrainingLabels.h) and the labels it
// selects now, known by a fingerprint (SHA-256 of the image ids and classes, and of the backbone's
// weights). The fingerprint goes into each trained model's metrics ("training_set") and into its
// run's parameters, which is how "no version without news" is told:
//   a scheduled or automatic run (TrainRequest::onlyIfNew) makes no version when its training set
//   is the one the last trained version learned from; a full run compares with the last full
//   run's version, so the nightly run still consolidates a day of quick updates.
#include "Expected.h"
#include "training/TrainingLabels.h"

#include <QHash>
#include <QString>
#include <optional>

namespace pc {

class Workspace;

struct TrainingSet {
    TrainingLabelSelection policy;
    QHash<qint64, int> labels; // image id → class index (Oxford order)
    QString fingerprint;
};

// The labels `policy` selects now (none given: the workspace's stored policy).
Expected<TrainingSet> selectTrainingSet(const Workspace& workspace, const std::optional<TrainingLabelSelection>& policy,
                                        const QString& weightsHash);

// Why a run would bring nothing new ("no new labels since v7: nothing to train"); empty when the
// set differs from the last trained version's (for a full run: the last full run's), or when no
// version was trained here yet.
Expected<QString> nothingNewSince(const Workspace& workspace, const TrainingSet& set, bool fullRun);

} // namespace pc
