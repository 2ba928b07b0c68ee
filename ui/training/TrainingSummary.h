#pragma once
// A finished training run in plain words ("New model v2 is better (94.1% vs 38.5%): now live.
// Trained on all labels."),
// with the gate's technical line kept for a tooltip. Made from the loop's outcome, from its
// failure, or from the run stored in the workspace after a restart.
#include "training/LearningLoop.h"
#include "training/TrainingLabels.h"
#include "workspace/Workspace.h"

#include <QCoreApplication>
#include <QDateTime>
#include <cmath>
#include <optional>

namespace pc {

struct TrainingSummary {
    Q_DECLARE_TR_FUNCTIONS(TrainingSummary)
public:
    enum class Kind { None, Activated, Candidate, Cancelled, NothingTrained, Failed, Interrupted };
    Kind kind = Kind::None;
    QDateTime at;                 // when the run ended
    QString version;              // the new model, if any
    double accuracy = std::nan("");
    QString previousVersion;      // what was live when the gate judged it
    double previousAccuracy = std::nan("");
    QString failure;              // the loop's one-line error
    QString details;              // the technical line: time, images, the gate's verdict
    QString trainingSet;          // the policy it trained on, described ("all labels", …); empty: not recorded
    QString reason;               // why nothing was trained ("no new labels since v7: nothing to train")

    static TrainingSummary fromOutcome(const TrainOutcome& outcome, const QDateTime& at);
    static TrainingSummary fromFailure(const QString& message, const QDateTime& at);
    static TrainingSummary fromRecord(const TrainingRunRecord& run, const std::optional<ModelRecord>& model);

    bool isValid() const { return kind != Kind::None; }
    // `live` is the version live now: a model that went live and was replaced since says so.
    // A failure's message is left out when it no longer holds (the caller knows).
    QString headline(const QString& live, bool withFailureMessage = true) const;

private:
    QString trainedOn() const; // " Trained on all labels.", or nothing when not recorded
};

} // namespace pc
