#include "workspace/ModelStore.h"

#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QRegularExpression>
#include <QSqlQuery>

namespace pc {

using sql::jsonObject;
using sql::jsonText;
using sql::reader;
using sql::readOne;
using sql::readRows;

QString toString(ModelState s)
{
    switch (s) {
    case ModelState::Candidate: return QStringLiteral("candidate");
    case ModelState::Active: return QStringLiteral("active");
    case ModelState::Retired: return QStringLiteral("retired");
    }
    return {};
}

std::optional<ModelState> modelStateFromString(const QString& s)
{
    for (ModelState m : {ModelState::Candidate, ModelState::Active, ModelState::Retired})
        if (s == toString(m))
            return m;
    return std::nullopt;
}

namespace {

const QString kModelColumns =
    QStringLiteral("version, parent, created, backbone_id, weights_hash, metrics, file, checksum, state, gate_verdict, pruned");

ModelRecord modelFrom(const QSqlQuery& q)
{
    ModelRecord m;
    m.version = q.value(0).toString();
    m.parent = q.value(1).toString();
    m.created = sql::timeFromText(q.value(2).toString());
    m.backboneId = q.value(3).toString();
    m.weightsHash = q.value(4).toString();
    m.metrics = jsonObject(q.value(5).toString());
    m.file = q.value(6).toString();
    m.checksum = q.value(7).toString();
    m.state = modelStateFromString(q.value(8).toString()).value_or(ModelState::Retired);
    m.gateVerdict = q.value(9).toString();
    if (const QString pruned = q.value(10).toString(); !pruned.isEmpty())
        m.pruned = sql::timeFromText(pruned);
    return m;
}

Expected<std::optional<QString>> activeVersion(const QSqlDatabase& db)
{
    QSqlQuery q = reader(db);
    if (!q.exec(QStringLiteral("SELECT version FROM models WHERE state = 'active'")))
        return sql::error(QStringLiteral("cannot read the active model"), q);
    if (q.next())
        return std::optional<QString>(q.value(0).toString());
    return std::optional<QString>();
}

} // namespace

Status<> ModelStore::add(const ModelRecord& model)
{
    if (model.version.trimmed().isEmpty())
        return Error{QStringLiteral("cannot add a model without a version")};
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM models WHERE version = ?"), {model.version}))
            return sql::error(QStringLiteral("cannot add model %1").arg(model.version), q);
        if (q.next())
            return Error{QStringLiteral("model %1 already exists").arg(model.version)};
    }
    if (model.state == ModelState::Active) {
        auto active = activeVersion(db);
        if (!active)
            return active.error();
        if (*active)
            return Error{QStringLiteral("cannot add model %1 as active: %2 is active (use setActiveModel)").arg(model.version, **active)};
    }
    {
        QSqlQuery q(db);
        const QDateTime created = model.created.isValid() ? model.created : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q,
                       QStringLiteral("INSERT INTO models (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").arg(kModelColumns),
                       {model.version, model.parent, sql::timeText(created), model.backboneId, model.weightsHash,
                        jsonText(model.metrics), model.file, model.checksum, toString(model.state), model.gateVerdict,
                        model.isPruned() ? sql::timeText(model.pruned) : QString()}))
            return sql::error(QStringLiteral("cannot add model %1").arg(model.version), q);
    }
    return tx.commit();
}

Status<> ModelStore::update(const ModelRecord& model)
{
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    if (model.state == ModelState::Active) {
        auto active = activeVersion(db);
        if (!active)
            return active.error();
        if (*active && **active != model.version)
            return Error{QStringLiteral("cannot make model %1 active here: %2 is active (use setActiveModel)").arg(model.version, **active)};
    }
    {
        QSqlQuery q(db);
        const QDateTime created = model.created.isValid() ? model.created : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q,
                       QStringLiteral("UPDATE models SET parent = ?, created = ?, backbone_id = ?, weights_hash = ?, metrics = ?, "
                                      "file = ?, checksum = ?, state = ?, gate_verdict = ?, pruned = ? WHERE version = ?"),
                       {model.parent, sql::timeText(created), model.backboneId, model.weightsHash, jsonText(model.metrics),
                        model.file, model.checksum, toString(model.state), model.gateVerdict,
                        model.isPruned() ? sql::timeText(model.pruned) : QString(), model.version}))
            return sql::error(QStringLiteral("cannot update model %1").arg(model.version), q);
        if (q.numRowsAffected() != 1)
            return Error{QStringLiteral("unknown model %1").arg(model.version)};
    }
    return tx.commit();
}

Expected<std::optional<ModelRecord>> ModelStore::find(const QString& version) const
{
    return readOne<ModelRecord>(m_db.connection(), QStringLiteral("cannot read model %1").arg(version),
                                QStringLiteral("SELECT %1 FROM models WHERE version = ?").arg(kModelColumns), {version}, modelFrom);
}

Expected<QVector<ModelRecord>> ModelStore::all() const
{
    QVector<ModelRecord> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot list the models"), QStringLiteral("SELECT %1 FROM models ORDER BY id").arg(kModelColumns),
                      {}, [&](const QSqlQuery& q) { out.append(modelFrom(q)); });
    if (!s)
        return s.error();
    return out;
}

Expected<std::optional<ModelRecord>> ModelStore::active() const
{
    return readOne<ModelRecord>(m_db.connection(), QStringLiteral("cannot read the active model"),
                                QStringLiteral("SELECT %1 FROM models WHERE state = 'active'").arg(kModelColumns), {}, modelFrom);
}

Status<> ModelStore::setActive(const QString& version, const QString& verdict, const QString& reason)
{
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT pruned FROM models WHERE version = ?"), {version}))
            return sql::error(QStringLiteral("cannot activate model %1").arg(version), q);
        if (!q.next())
            return Error{QStringLiteral("cannot activate model %1: no such model").arg(version)};
        if (!q.value(0).toString().isEmpty())
            return Error{prunedModelMessage(version)};
    }
    {
        // Retire first: the partial unique index allows one active row at any moment.
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE models SET state = 'retired' WHERE state = 'active' AND version <> ?"), {version}))
            return sql::error(QStringLiteral("cannot retire the active model"), q);
    }
    {
        // An empty verdict keeps the one stored with the model (the gate may have written it).
        QSqlQuery q(db);
        if (!sql::exec(q,
                       QStringLiteral("UPDATE models SET state = 'active', gate_verdict = CASE WHEN ? = '' THEN gate_verdict ELSE ? END "
                                      "WHERE version = ?"),
                       {verdict, verdict, version}))
            return sql::error(QStringLiteral("cannot activate model %1").arg(version), q);
    }
    {
        QSqlQuery q(db);
        const QString why = !reason.isEmpty() ? reason : !verdict.isEmpty() ? verdict : QStringLiteral("activated by hand");
        if (!sql::exec(q, QStringLiteral("INSERT INTO activations (version, at, reason) VALUES (?, ?, ?)"),
                       {version, sql::timeText(QDateTime::currentDateTimeUtc()), why}))
            return sql::error(QStringLiteral("cannot log the activation of model %1").arg(version), q);
    }
    return tx.commit();
}

Status<> ModelStore::clearActive()
{
    QSqlQuery q(m_db.connection());
    if (!sql::exec(q, QStringLiteral("UPDATE models SET state = 'retired' WHERE state = 'active'")))
        return sql::error(QStringLiteral("cannot retire the active model"), q);
    return done();
}

Expected<QVector<ModelStore::Activation>> ModelStore::activations() const
{
    QVector<Activation> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the activation log"),
                      QStringLiteral("SELECT version, at, reason FROM activations ORDER BY id"), {}, [&](const QSqlQuery& q) {
                          out.append({q.value(0).toString(), sql::timeFromText(q.value(1).toString()), q.value(2).toString()});
                      });
    if (!s)
        return s.error();
    return out;
}

QString prunedModelMessage(const QString& version)
{
    return QStringLiteral("model %1's bundle was pruned to save space: it can't be activated (its metrics stay in the history)").arg(version);
}

Status<> ModelStore::markPruned(const QString& version)
{
    QSqlQuery q(m_db.connection());
    if (!sql::exec(q, QStringLiteral("UPDATE models SET pruned = ? WHERE version = ? AND state <> 'active' AND pruned = ''"),
                   {sql::nowText(), version}))
        return sql::error(QStringLiteral("cannot mark model %1 as pruned").arg(version), q);
    if (q.numRowsAffected() == 1)
        return done();
    auto found = find(version);
    if (!found)
        return found.error();
    const std::optional<ModelRecord>& model = *found;
    if (!model)
        return Error{QStringLiteral("cannot prune model %1: no such model").arg(version)};
    if (model->state == ModelState::Active)
        return Error{QStringLiteral("cannot prune model %1: it is the active model").arg(version)};
    return done(); // pruned already
}

Expected<QString> ModelStore::nextVersion() const
{
    static const QRegularExpression pattern(QStringLiteral("^v(\\d+)$"));
    qint64 highest = 0;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot list the model versions"), QStringLiteral("SELECT version FROM models"), {},
                      [&](const QSqlQuery& q) {
                          const auto match = pattern.match(q.value(0).toString());
                          if (match.hasMatch())
                              highest = std::max(highest, match.captured(1).toLongLong());
                      });
    if (!s)
        return s.error();
    return QStringLiteral("v%1").arg(highest + 1);
}

} // namespace pc
