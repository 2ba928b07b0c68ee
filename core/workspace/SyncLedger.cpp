#include "workspace/SyncLedger.h"

#include "model/BreedCatalog.h"
#include "workspace/SqlSupport.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

namespace pc {

namespace {

const QString kCursorKey = QStringLiteral("sync.cursor");
const QString kServerModelKey = QStringLiteral("sync.server_model");

QSqlQuery reader(const QSqlDatabase& db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    return q;
}

bool isServerStatus(const QString& s)
{
    return s == QLatin1String("pending") || s == QLatin1String("approved") || s == QLatin1String("rejected");
}

} // namespace

Expected<QVector<OutgoingEvent>> SyncLedger::outgoing(int limit) const
{
    QSqlQuery q = reader(m_ws->db());
    if (!sql::exec(q,
                   QStringLiteral("SELECT e.id, e.uuid, i.sha256, e.breed, e.at, o.attempts FROM outbox o "
                                  "JOIN label_events e ON e.id = o.event_id JOIN images i ON i.id = e.image_id "
                                  "WHERE o.refused = '' ORDER BY o.event_id LIMIT ?"),
                   {limit}))
        return sql::error(QStringLiteral("cannot read the outbox"), q);
    QVector<OutgoingEvent> out;
    while (q.next())
        out.push_back({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString(),
                       sql::timeFromText(q.value(4).toString()), q.value(5).toInt()});
    return out;
}

Status<> SyncLedger::confirm(const QVector<qint64>& eventIds)
{
    const QSqlDatabase db = m_ws->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    QSqlQuery q(db);
    for (qint64 id : eventIds)
        if (!sql::exec(q, QStringLiteral("DELETE FROM outbox WHERE event_id = ?"), {id}))
            return sql::error(QStringLiteral("cannot update the outbox"), q);
    return tx.commit();
}

Status<> SyncLedger::noteFailure(const QVector<qint64>& eventIds, const QString& error)
{
    const QSqlDatabase db = m_ws->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    QSqlQuery q(db);
    for (qint64 id : eventIds)
        if (!sql::exec(q, QStringLiteral("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE event_id = ?"), {error, id}))
            return sql::error(QStringLiteral("cannot update the outbox"), q);
    return tx.commit();
}

Status<> SyncLedger::refuse(qint64 eventId, const QString& reason)
{
    QSqlQuery q(m_ws->db());
    if (!sql::exec(q, QStringLiteral("UPDATE outbox SET attempts = attempts + 1, refused = ?, last_error = ? WHERE event_id = ?"),
                   {reason.isEmpty() ? QStringLiteral("refused") : reason, reason, eventId}))
        return sql::error(QStringLiteral("cannot update the outbox"), q);
    return done();
}

Expected<OutboxState> SyncLedger::outboxState() const
{
    QSqlQuery q = reader(m_ws->db());
    if (!q.exec(QStringLiteral("SELECT coalesce(sum(refused = ''), 0), coalesce(sum(refused <> ''), 0), "
                               "(SELECT last_error FROM outbox WHERE last_error <> '' ORDER BY event_id DESC LIMIT 1) FROM outbox"))
        || !q.next())
        return sql::error(QStringLiteral("cannot read the outbox"), q);
    return OutboxState{q.value(0).toInt(), q.value(1).toInt(), q.value(2).toString()};
}

Expected<qint64> SyncLedger::numberSetting(const QString& key) const
{
    auto text = m_ws->setting(key);
    if (!text)
        return text.error();
    return text->toLongLong(); // unset: 0
}

Status<> SyncLedger::setSetting(const QString& key, const QString& value) { return m_ws->setSetting(key, value); }

Expected<qint64> SyncLedger::cursor() const { return numberSetting(kCursorKey); }

Expected<qint64> SyncLedger::lastServerModel() const { return numberSetting(kServerModelKey); }

Status<> SyncLedger::setLastServerModel(qint64 version) { return setSetting(kServerModelKey, QString::number(version)); }

Expected<QStringList> SyncLedger::missingImages(const QStringList& sha256s) const
{
    QStringList missing;
    QSqlQuery q = reader(m_ws->db());
    for (const QString& sha : sha256s) {
        if (missing.contains(sha))
            continue;
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM images WHERE sha256 = ?"), {sha}))
            return sql::error(QStringLiteral("cannot look up image %1").arg(sha), q);
        const bool found = q.next();
        if (!found && q.lastError().isValid())
            return sql::error(QStringLiteral("cannot look up image %1").arg(sha), q);
        if (!found)
            missing << sha;
        q.finish();
    }
    return missing;
}

Expected<PullApplied> SyncLedger::applyPage(const QVector<PulledEvent>& events, qint64 next)
{
    const BreedCatalog& breeds = BreedCatalog::oxford();
    const QSqlDatabase db = m_ws->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s.error();
    PullApplied applied;
    QSqlQuery q(db);
    QHash<QString, qint64> imageIds;
    for (const PulledEvent& e : events) {
        if (!isServerStatus(e.status))
            return Error{QStringLiteral("server event %1 has an unknown status '%2'").arg(e.seq).arg(e.status.left(20))};
        if (e.kind == QLatin1String("label")) {
            if (!sql::exec(q, QStringLiteral("SELECT id FROM label_events WHERE uuid = ?"), {e.uuid}))
                return sql::error(QStringLiteral("cannot read label events"), q);
            if (q.next()) {
                // Ours (or pulled before): the server's view of it is all that is new.
                const qint64 id = q.value(0).toLongLong();
                q.finish();
                if (!sql::exec(q, QStringLiteral("UPDATE label_events SET role = ?, server_status = ? WHERE id = ?"), {e.role, e.status, id}))
                    return sql::error(QStringLiteral("cannot update label event %1").arg(id), q);
                if (!sql::exec(q, QStringLiteral("DELETE FROM outbox WHERE event_id = ?"), {id}))
                    return sql::error(QStringLiteral("cannot update the outbox"), q);
                applied.confirmed += q.numRowsAffected() > 0 ? 1 : 0;
                continue;
            }
            q.finish();
            const int breed = breeds.indexOf(e.breed);
            if (breed < 0)
                return Error{QStringLiteral("server event %1 names an unknown breed '%2'").arg(e.seq).arg(e.breed.left(64))};
            qint64 imageId = imageIds.value(e.image, 0);
            if (imageId == 0) {
                if (!sql::exec(q, QStringLiteral("SELECT id FROM images WHERE sha256 = ?"), {e.image}))
                    return sql::error(QStringLiteral("cannot read images"), q);
                if (!q.next())
                    return Error{QStringLiteral("image %1 of server event %2 is not in the workspace").arg(e.image, QString::number(e.seq))};
                imageId = q.value(0).toLongLong();
                q.finish();
                imageIds.insert(e.image, imageId);
            }
            const QDateTime at = e.at.isValid() ? e.at : QDateTime::currentDateTimeUtc();
            if (!sql::exec(q,
                           QStringLiteral("INSERT INTO label_events (image_id, breed, origin, author, at, status, uuid, role, server_status) "
                                          "VALUES (?, ?, 'server', ?, ?, ?, ?, ?, ?)"),
                           {imageId, breeds.at(breed).id, e.author, sql::timeText(at), e.status, e.uuid, e.role, e.status}))
                return sql::error(QStringLiteral("cannot store server event %1").arg(e.seq), q);
            ++applied.labels;
        } else if (e.kind == QLatin1String("review")) {
            if (e.status == QLatin1String("pending"))
                return Error{QStringLiteral("server verdict %1 sets no decision").arg(e.seq)};
            if (!sql::exec(q, QStringLiteral("SELECT id FROM label_events WHERE uuid = ?"), {e.target}))
                return sql::error(QStringLiteral("cannot read label events"), q);
            if (!q.next()) {
                ++applied.skipped;
                continue;
            }
            const qint64 id = q.value(0).toLongLong();
            q.finish();
            const QDateTime at = e.at.isValid() ? e.at : QDateTime::currentDateTimeUtc();
            if (!sql::exec(q,
                           QStringLiteral("INSERT OR IGNORE INTO review_verdicts (uuid, event_id, status, reviewer, reason, at) "
                                          "VALUES (?, ?, ?, ?, ?, ?)"),
                           {e.uuid, id, e.status, e.author, e.reason, sql::timeText(at)}))
                return sql::error(QStringLiteral("cannot store server verdict %1").arg(e.seq), q);
            if (q.numRowsAffected() <= 0)
                continue; // seen before: a repeated page changes nothing
            // The verdict is the team's decision: it sets the local review status too.
            if (!sql::exec(q, QStringLiteral("UPDATE label_events SET status = ?, server_status = ? WHERE id = ?"), {e.status, e.status, id}))
                return sql::error(QStringLiteral("cannot apply server verdict %1").arg(e.seq), q);
            ++applied.verdicts;
        } else {
            return Error{QStringLiteral("server event %1 is of unknown kind '%2'").arg(e.seq).arg(e.kind.left(20))};
        }
    }
    q.finish();
    if (!sql::exec(q, QStringLiteral("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"), {kCursorKey, QString::number(next)}))
        return sql::error(QStringLiteral("cannot store the pull cursor"), q);
    q.finish();
    if (auto s = tx.commit(); !s)
        return s.error();
    return applied;
}

Expected<QSet<qint64>> SyncLedger::disputedImages(const Workspace& workspace)
{
    // Each author's latest label per image (curator and server labels: the team's).
    QSqlQuery q = reader(workspace.db());
    QSet<qint64> out;
    if (!q.exec(QStringLiteral(
            "SELECT e.image_id, e.breed, e.status, e.server_status FROM label_events e JOIN "
            "(SELECT image_id, author, max(id) AS id FROM label_events WHERE origin IN ('curator', 'server') GROUP BY image_id, author) l "
            "ON l.id = e.id JOIN images i ON i.id = e.image_id WHERE i.removed = '' ORDER BY e.image_id")))
        return sql::error(QStringLiteral("cannot read the disputed images"), q);
    qint64 image = -1;
    QSet<QString> breeds;
    bool pending = false;
    auto flush = [&] {
        if (image >= 0 && breeds.size() >= 2 && pending)
            out.insert(image);
    };
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id != image) {
            flush();
            image = id;
            breeds.clear();
            pending = false;
        }
        if (q.value(2).toString() == QLatin1String("rejected"))
            continue;
        breeds.insert(q.value(1).toString());
        pending = pending || q.value(2).toString() == QLatin1String("pending") || q.value(3).toString() == QLatin1String("pending");
    }
    if (q.lastError().isValid())
        return sql::error(QStringLiteral("cannot read the disputed images"), q);
    flush();
    return out;
}

} // namespace pc
