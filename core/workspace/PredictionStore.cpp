#include "workspace/PredictionStore.h"

#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QSqlQuery>

namespace pc {

using sql::jsonArray;
using sql::jsonText;
using sql::readOne;
using sql::readRows;

namespace {

const QString kPredictionColumns = QStringLiteral("image_id, model_version, top, ms, at");

StoredPrediction predictionFrom(const QSqlQuery& q)
{
    StoredPrediction p;
    p.imageId = q.value(0).toLongLong();
    p.modelVersion = q.value(1).toString();
    p.top = jsonArray(q.value(2).toString());
    p.ms = q.value(3).toDouble();
    p.at = sql::timeFromText(q.value(4).toString());
    return p;
}

} // namespace

Status<> PredictionStore::save(const StoredPrediction& prediction)
{
    if (prediction.modelVersion.isEmpty())
        return Error{QStringLiteral("cannot save a prediction without a model version")};
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    auto exists = imageExists(db, prediction.imageId);
    if (!exists)
        return exists.error();
    if (!*exists)
        return Error{QStringLiteral("unknown image id %1").arg(prediction.imageId)};
    {
        QSqlQuery q(db);
        const QDateTime at = prediction.at.isValid() ? prediction.at : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q, QStringLiteral("INSERT INTO predictions (image_id, model_version, top, ms, at) VALUES (?, ?, ?, ?, ?)"),
                       {prediction.imageId, prediction.modelVersion, jsonText(prediction.top), prediction.ms, sql::timeText(at)}))
            return sql::error(QStringLiteral("cannot save the prediction"), q);
    }
    return tx.commit();
}

Expected<std::optional<StoredPrediction>> PredictionStore::latest(qint64 imageId) const
{
    return readOne<StoredPrediction>(
        m_db.connection(), QStringLiteral("cannot read the prediction for image %1").arg(imageId),
        QStringLiteral("SELECT %1 FROM predictions WHERE image_id = ? ORDER BY id DESC LIMIT 1").arg(kPredictionColumns), {imageId},
        predictionFrom);
}

Expected<QHash<qint64, StoredPrediction>> PredictionStore::latestByImage() const
{
    QHash<qint64, StoredPrediction> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the predictions"),
                      QStringLiteral("SELECT %1 FROM predictions WHERE id IN (SELECT max(id) FROM predictions GROUP BY image_id)")
                          .arg(kPredictionColumns),
                      {}, [&](const QSqlQuery& q) {
                          StoredPrediction p = predictionFrom(q);
                          out.insert(p.imageId, p);
                      });
    if (!s)
        return s.error();
    return out;
}

} // namespace pc
