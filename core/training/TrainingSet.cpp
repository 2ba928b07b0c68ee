#include "training/TrainingSet.h"

#include "workspace/Workspace.h"

#include <QCryptographicHash>
#include <algorithm>

namespace pc {

namespace {

QString fingerprintOf(const QHash<qint64, int>& labels, const QString& weightsHash)
{
    QList<qint64> ids = labels.keys();
    std::sort(ids.begin(), ids.end());
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(weightsHash.toUtf8());
    for (qint64 id : std::as_const(ids))
        h.addData(QByteArray::number(id) + ':' + QByteArray::number(labels.value(id)) + ';');
    return QString::fromLatin1(h.result().toHex());
}

} // namespace

Expected<TrainingSet> selectTrainingSet(const Workspace& workspace, const std::optional<TrainingLabelSelection>& policy,
                                        const QString& weightsHash)
{
    TrainingSet set;
    if (policy) {
        set.policy = *policy;
    } else {
        auto stored = TrainingLabelSelection::load(workspace);
        if (!stored)
            return stored.error();
        set.policy = *stored;
    }
    auto labels = selectTrainingLabels(workspace, set.policy);
    if (!labels)
        return labels.error();
    set.labels = std::move(*labels);
    set.fingerprint = fingerprintOf(set.labels, weightsHash);
    return set;
}

Expected<QString> nothingNewSince(const Workspace& workspace, const TrainingSet& set, bool fullRun)
{
    const auto models = workspace.models().all();
    if (!models)
        return models.error();
    for (auto it = models->crbegin(); it != models->crend(); ++it) {
        const QString trainedOn = it->metrics.value(QLatin1String("training_set")).toString();
        if (trainedOn.isEmpty())
            continue; // not trained here (a server model), or trained before fingerprints
        if (fullRun && it->metrics.value(QLatin1String("kind")).toString() != QLatin1String("full"))
            continue;
        if (trainedOn != set.fingerprint)
            return QString();
        // Learned from these labels' centre views only (a first model in seconds): the same labels
        // with every view are news.
        if (it->metrics.value(QLatin1String("centre_views_only")).toBool())
            return QString();
        return fullRun ? QStringLiteral("no new labels since %1, the last full training: nothing to train").arg(it->version)
                       : QStringLiteral("no new labels since %1: nothing to train").arg(it->version);
    }
    return QString();
}

} // namespace pc
