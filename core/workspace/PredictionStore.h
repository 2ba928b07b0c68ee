#pragma once
// The predictions a workspace keeps: every prediction made, the latest per image shown.
#include "Expected.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QString>
#include <optional>

namespace pc {

class WorkspaceDatabase;

struct StoredPrediction {
    qint64 imageId = 0;
    QString modelVersion;
    QJsonArray top;     // [{"label":…, "p":…}, …]
    double ms = 0;
    QDateTime at;
};

class PredictionStore {
public:
    explicit PredictionStore(const WorkspaceDatabase& db) : m_db(db) {}

    Status<> save(const StoredPrediction& prediction);
    Expected<std::optional<StoredPrediction>> latest(qint64 imageId) const;
    Expected<QHash<qint64, StoredPrediction>> latestByImage() const;

private:
    const WorkspaceDatabase& m_db;
};

} // namespace pc
