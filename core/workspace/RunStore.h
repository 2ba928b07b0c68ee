#pragma once
// The training runs of a workspace: parameters, one record per epoch, and how each run ended.
#include "Expected.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

namespace pc {

class WorkspaceDatabase;

struct TrainingRunRecord {
    qint64 id = 0;
    QJsonObject params;
    QJsonArray epochs;      // one object per epoch: loss, train_accuracy, val_accuracy
    QString outcome;        // "running", "activated", "candidate", "cancelled", "failed: …"
    QString modelVersion;
    QDateTime started, finished;
};

class RunStore {
public:
    explicit RunStore(const WorkspaceDatabase& db) : m_db(db) {}

    Expected<qint64> start(const QJsonObject& params);
    Status<> appendEpoch(qint64 runId, const QJsonObject& epoch);
    Status<> finish(qint64 runId, const QString& outcome, const QString& modelVersion = {});
    Expected<QVector<TrainingRunRecord>> all() const;

private:
    const WorkspaceDatabase& m_db;
};

} // namespace pc
