#include "workspace/RunStore.h"

#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QSqlQuery>

namespace pc {

using sql::jsonArray;
using sql::jsonObject;
using sql::jsonText;
using sql::reader;
using sql::readRows;

Expected<qint64> RunStore::start(const QJsonObject& params)
{
    QSqlQuery q(m_db.connection());
    if (!sql::exec(q, QStringLiteral("INSERT INTO training_runs (params, started) VALUES (?, ?)"), {jsonText(params), sql::nowText()}))
        return sql::error(QStringLiteral("cannot record the training run"), q);
    return q.lastInsertId().toLongLong();
}

Status<> RunStore::appendEpoch(qint64 runId, const QJsonObject& epoch)
{
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db); // read-modify-write: no epoch may get lost between two writers
    if (auto s = tx.begin(); !s)
        return s;
    QJsonArray epochs;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT epochs FROM training_runs WHERE id = ?"), {runId}))
            return sql::error(QStringLiteral("cannot record the epoch"), q);
        if (!q.next())
            return Error{QStringLiteral("unknown training run %1").arg(runId)};
        epochs = jsonArray(q.value(0).toString());
    }
    epochs.append(epoch);
    {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE training_runs SET epochs = ? WHERE id = ?"), {jsonText(epochs), runId}))
            return sql::error(QStringLiteral("cannot record the epoch"), q);
    }
    return tx.commit();
}

Status<> RunStore::finish(qint64 runId, const QString& outcome, const QString& modelVersion)
{
    if (outcome.trimmed().isEmpty())
        return Error{QStringLiteral("cannot finish training run %1 without an outcome").arg(runId)};
    QSqlQuery q(m_db.connection());
    if (!sql::exec(q, QStringLiteral("UPDATE training_runs SET outcome = ?, model_version = ?, finished = ? WHERE id = ?"),
                   {outcome, modelVersion, sql::nowText(), runId}))
        return sql::error(QStringLiteral("cannot finish training run %1").arg(runId), q);
    if (q.numRowsAffected() != 1)
        return Error{QStringLiteral("unknown training run %1").arg(runId)};
    return done();
}

Expected<QVector<TrainingRunRecord>> RunStore::all() const
{
    QVector<TrainingRunRecord> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the training runs"),
                      QStringLiteral("SELECT id, params, epochs, outcome, model_version, started, finished FROM training_runs ORDER BY id"),
                      {}, [&](const QSqlQuery& q) {
                          TrainingRunRecord r;
                          r.id = q.value(0).toLongLong();
                          r.params = jsonObject(q.value(1).toString());
                          r.epochs = jsonArray(q.value(2).toString());
                          r.outcome = q.value(3).toString();
                          r.modelVersion = q.value(4).toString();
                          r.started = sql::timeFromText(q.value(5).toString());
                          r.finished = sql::timeFromText(q.value(6).toString());
                          out.append(r);
                      });
    if (!s)
        return s.error();
    return out;
}

} // namespace pc
