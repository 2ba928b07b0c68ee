#include "TrainingSummary.h"

#include "Percent.h"

namespace pc {

TrainingSummary TrainingSummary::fromOutcome(const TrainOutcome& o, const QDateTime& at)
{
    TrainingSummary s;
    s.at = at;
    if (o.cancelled) {
        s.kind = Kind::Cancelled;
        return s;
    }
    if (!o.policy.isEmpty())
        s.trainingSet = TrainingLabelSelection::describeSpec(o.policy);
    if (o.version.isEmpty()) {
        s.kind = Kind::NothingTrained;
        s.reason = o.verdict;
        s.details = o.verdict;
        return s;
    }
    s.kind = o.activated ? Kind::Activated : Kind::Candidate;
    s.version = o.version;
    s.accuracy = o.result.validation.top1;
    s.previousVersion = o.previousVersion;
    s.previousAccuracy = o.previousAccuracy;
    s.details = tr("%1 trained in %2 s on %3 images, %4 kept aside for validation. Gate: %5")
                    .arg(o.version)
                    .arg(o.seconds, 0, 'f', 1)
                    .arg(o.trainImages)
                    .arg(o.validationImages)
                    .arg(o.verdict);
    if (!o.retention.pruned.isEmpty())
        s.details += QLatin1Char('\n') + tr("Retention: %1").arg(o.retention.summary());
    return s;
}

TrainingSummary TrainingSummary::fromFailure(const QString& message, const QDateTime& at)
{
    TrainingSummary s;
    s.kind = Kind::Failed;
    s.at = at;
    s.failure = message;
    s.details = message;
    return s;
}

TrainingSummary TrainingSummary::fromRecord(const TrainingRunRecord& run, const std::optional<ModelRecord>& model)
{
    TrainingSummary s;
    s.at = run.finished.isValid() ? run.finished : run.started;
    s.version = run.modelVersion;
    // The model's own record of its policy first (the run's when it has none).
    QString policy = run.params.value(QLatin1String("policy")).toString();
    if (model && model->metrics.contains(QLatin1String("policy")))
        policy = model->metrics.value(QLatin1String("policy")).toString();
    if (!policy.isEmpty())
        s.trainingSet = TrainingLabelSelection::describeSpec(policy);
    if (model) {
        const QJsonValue acc = model->metrics.value(QLatin1String("val_accuracy"));
        if (acc.isDouble())
            s.accuracy = acc.toDouble();
        s.details = tr("%1, gate: %2").arg(model->version, model->gateVerdict);
    }
    const QString outcome = run.outcome;
    if (outcome == QLatin1String("activated")) {
        s.kind = Kind::Activated;
    } else if (outcome == QLatin1String("candidate")) {
        s.kind = Kind::Candidate;
    } else if (outcome == QLatin1String("cancelled")) {
        s.kind = Kind::Cancelled;
    } else if (outcome.startsWith(QLatin1String("skipped:"))) {
        s.kind = Kind::NothingTrained;
        s.reason = outcome.mid(outcome.indexOf(QLatin1Char(':')) + 1).trimmed();
        s.details = s.reason;
    } else if (outcome.startsWith(QLatin1String("failed"))) {
        s.kind = Kind::Failed;
        s.failure = outcome.mid(outcome.indexOf(QLatin1Char(':')) + 1).trimmed();
        s.details = s.failure;
    } else {
        s.kind = Kind::Interrupted; // still "running": the app closed during the run
    }
    return s;
}

QString TrainingSummary::trainedOn() const
{
    return trainingSet.isEmpty() ? QString() : QLatin1Char(' ') + tr("Trained on %1.").arg(trainingSet);
}

QString TrainingSummary::headline(const QString& live, bool withFailureMessage) const
{
    const bool compared = std::isfinite(accuracy) && std::isfinite(previousAccuracy) && !previousVersion.isEmpty();
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Cancelled:
        return tr("Cancelled; the live model stayed as it was.");
    case Kind::NothingTrained:
        return reason.isEmpty() ? tr("Nothing was trained.") : tr("Nothing was trained: %1.").arg(reason);
    case Kind::Interrupted:
        return tr("Interrupted: the app closed during the run.");
    case Kind::Failed:
        return withFailureMessage && !failure.isEmpty() ? tr("Failed: %1").arg(failure) : tr("Failed (details in the tooltip).");
    case Kind::Activated: {
        QString what;
        if (compared && accuracy > previousAccuracy)
            what = tr("New model %1 is better (%2 vs %3)").arg(version, percentText(accuracy), percentText(previousAccuracy));
        else if (compared)
            what = tr("New model %1 is as good (%2 vs %3)").arg(version, percentText(accuracy), percentText(previousAccuracy));
        else if (std::isfinite(accuracy))
            what = tr("New model %1 (%2 right on the validation images)").arg(version, percentText(accuracy));
        else
            what = tr("New model %1").arg(version);
        // History, not state: say so when another model is live by now.
        return (live == version ? tr("%1: now live.").arg(what) : tr("%1: went live, since replaced by %2.").arg(what, live)) + trainedOn();
    }
    case Kind::Candidate:
        if (compared)
            return tr("New model %1 is not better (%2 vs %3): kept as a candidate.")
                       .arg(version, percentText(accuracy), percentText(previousAccuracy))
                   + trainedOn();
        return (std::isfinite(accuracy)
                    ? tr("New model %1 (%2) kept as a candidate: it could not be compared with the live model.").arg(version, percentText(accuracy))
                    : tr("New model %1 kept as a candidate.").arg(version))
               + trainedOn();
    }
    return {};
}

} // namespace pc
