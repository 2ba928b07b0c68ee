#include "server/LabelLog.h"

#include "server/EventJson.h"
#include "server/ServerDatabase.h"
#include "workspace/SqlSupport.h"

#include <QHash>
#include <QMap>
#include <QMutex>
#include <QSet>
#include <QSqlQuery>
#include <QUuid>
#include <QWaitCondition>
#include <deque>
#include <optional>

namespace pc::server {

namespace {

const QString kEventSelect = QStringLiteral(
    "SELECT e.seq, e.uuid, e.kind, i.sha256, e.breed, u.name, u.role, e.client_at, e.received, e.status, t.uuid, e.reason "
    "FROM events e JOIN images i ON i.id = e.image_id JOIN users u ON u.id = e.author_id "
    "LEFT JOIN events t ON t.seq = e.target_seq ");

EventView eventFrom(const QSqlQuery& q)
{
    EventView e;
    e.seq = q.value(0).toLongLong();
    e.uuid = q.value(1).toString();
    e.kind = q.value(2).toString();
    e.image = q.value(3).toString();
    e.breed = q.value(4).toString();
    e.author = q.value(5).toString();
    e.authorRole = q.value(6).toString();
    e.clientAt = q.value(7).toString();
    e.received = q.value(8).toString();
    e.status = q.value(9).toString();
    e.target = q.value(10).toString();
    e.reason = q.value(11).toString();
    return e;
}

ServerError dbError(const QString& what, const QSqlQuery& q) { return ServerError::internal(sql::error(what, q)); }

// Recomputes images.disputed for one image from its authors' current labels (see LabelLog.h).
Status<> updateDispute(const QSqlDatabase& c, qint64 imageId)
{
    QSqlQuery q(c);
    if (!sql::exec(q, QStringLiteral("SELECT breed, status FROM author_labels WHERE image_id = ?"), {imageId}))
        return sql::error(QStringLiteral("cannot read the labels of image %1").arg(imageId), q);
    QSet<QString> breeds;
    bool pending = false;
    while (q.next()) {
        const QString status = q.value(1).toString();
        if (status == QLatin1String("rejected"))
            continue;
        breeds.insert(q.value(0).toString());
        pending = pending || status == QLatin1String("pending");
    }
    const int disputed = breeds.size() >= 2 && pending ? 1 : 0;
    if (!sql::exec(q, QStringLiteral("UPDATE images SET disputed = ? WHERE id = ? AND disputed <> ?"), {disputed, imageId, disputed}))
        return sql::error(QStringLiteral("cannot update image %1").arg(imageId), q);
    return done();
}

ServerError unavailable(const Error& e) { return ServerError{ServerError::Kind::Unavailable, e.message}; }

} // namespace

struct LabelLog::Pending {
    const Principal* who = nullptr;
    const QVector<LabelInput>* events = nullptr;
    std::optional<AppendResult> result; // set under GroupCommit::mutex, once committed or failed
};

struct LabelLog::GroupCommit {
    QMutex mutex;
    QWaitCondition answered;     // a group's results are in
    std::deque<Pending*> queue;  // calls waiting for a writer, oldest first
    bool writing = false;        // a thread is writing a group now
};

struct LabelLog::PageCache {
    static constexpr int kMaxPages = 64;
    struct Page {
        qint64 newest = 0; // the newest seq when the page was read
        QByteArray json;
    };
    QMutex mutex;
    QHash<QPair<qint64, int>, Page> pages; // (cursor, limit) → page
};

LabelLog::LabelLog(std::shared_ptr<const ServerDatabase> db)
    : m_db(std::move(db))
    , m_group(std::make_unique<GroupCommit>())
    , m_pages(std::make_unique<PageCache>())
{
}

LabelLog::~LabelLog() = default;

ServerResult<QVector<AcceptedEvent>> LabelLog::append(const Principal& who, const QVector<LabelInput>& events) const
{
    if (events.isEmpty())
        return ServerError::badRequest(QStringLiteral("the batch has no events"));
    if (events.size() > kMaxBatch)
        return ServerError::badRequest(QStringLiteral("a batch holds at most %1 events, not %2").arg(kMaxBatch).arg(events.size()));

    Pending mine;
    mine.who = &who;
    mine.events = &events;
    GroupCommit& g = *m_group;
    QMutexLocker lock(&g.mutex);
    g.queue.push_back(&mine);
    while (!mine.result) {
        if (g.writing) {
            g.answered.wait(&g.mutex);
            continue;
        }
        // No writer: this thread writes every call waiting now (its own among them), up to a
        // bound on the events in one transaction.
        g.writing = true;
        QVector<Pending*> group;
        qsizetype total = 0;
        while (!g.queue.empty() && (group.isEmpty() || total + g.queue.front()->events->size() <= kMaxGroupEvents)) {
            total += g.queue.front()->events->size();
            group.push_back(g.queue.front());
            g.queue.pop_front();
        }
        lock.unlock();
        QVector<AppendResult> results = writeGroup(group);
        lock.relock();
        for (qsizetype i = 0; i < group.size(); ++i)
            group[i]->result = std::move(results[i]);
        g.writing = false;
        g.answered.wakeAll();
    }
    return std::move(*mine.result);
}

QVector<LabelLog::AppendResult> LabelLog::writeGroup(const QVector<Pending*>& group) const
{
    QVector<AppendResult> results;
    results.reserve(group.size());
    auto failAll = [&](const ServerError& e) {
        results.clear();
        for (qsizetype i = 0; i < group.size(); ++i)
            results.push_back(e);
        return results;
    };
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return failAll(unavailable(s.error()));
    const QSqlDatabase c = tx.connection();
    const QString now = sql::nowText();
    const bool savepoints = group.size() > 1;
    bool anyStored = false;
    for (Pending* p : group) {
        QSqlQuery sp(c);
        if (savepoints && !sp.exec(QStringLiteral("SAVEPOINT pc_append")))
            return failAll(dbError(QStringLiteral("cannot start a savepoint"), sp));
        AppendResult r = appendInTransaction(c, *p->who, *p->events, now);
        if (savepoints) {
            // A failed call takes back only its own writes; the others stay in the transaction.
            if ((!r && !sp.exec(QStringLiteral("ROLLBACK TO SAVEPOINT pc_append"))) || !sp.exec(QStringLiteral("RELEASE SAVEPOINT pc_append")))
                return failAll(dbError(QStringLiteral("cannot end a savepoint"), sp));
        }
        anyStored = anyStored || bool(r);
        results.push_back(std::move(r));
    }
    if (!anyStored)
        return results; // nothing to keep: the transaction rolls back
    if (auto s = tx.commit(); !s) {
        const ServerError lost = unavailable(s.error());
        for (AppendResult& r : results)
            if (r)
                r = lost;
    }
    return results;
}

LabelLog::AppendResult LabelLog::appendInTransaction(const QSqlDatabase& c, const Principal& who, const QVector<LabelInput>& events,
                                                     const QString& now) const
{
    QSqlQuery q(c);

    QHash<QString, qint64> imageIds;
    for (const LabelInput& e : events) {
        if (imageIds.contains(e.image))
            continue;
        if (!sql::exec(q, QStringLiteral("SELECT id FROM images WHERE sha256 = ?"), {e.image}))
            return dbError(QStringLiteral("cannot read images"), q);
        if (!q.next())
            return ServerError::unprocessable(QStringLiteral("image %1 has not been uploaded: PUT /api/v1/images/%1 first").arg(e.image));
        imageIds.insert(e.image, q.value(0).toLongLong());
    }

    const QString status = who.user.role == Role::Curator ? QStringLiteral("pending") : QStringLiteral("approved");
    QVector<AcceptedEvent> accepted;
    QSet<qint64> touched;
    for (const LabelInput& e : events) {
        const qint64 imageId = imageIds.value(e.image);
        if (!sql::exec(q, QStringLiteral("SELECT seq, kind, image_id, breed, author_id FROM events WHERE uuid = ?"), {e.uuid}))
            return dbError(QStringLiteral("cannot read events"), q);
        if (q.next()) {
            const bool same = q.value(1).toString() == QLatin1String("label") && q.value(2).toLongLong() == imageId
                && q.value(3).toString() == e.breed && q.value(4).toLongLong() == who.user.id;
            if (!same)
                return ServerError::conflict(QStringLiteral("event %1 exists already with other content").arg(e.uuid));
            accepted.push_back({e.uuid, q.value(0).toLongLong(), true});
            continue;
        }
        if (!sql::exec(q, QStringLiteral("INSERT INTO events (uuid, kind, image_id, breed, author_id, client_at, received, status) "
                                         "VALUES (?, 'label', ?, ?, ?, ?, ?, ?) RETURNING seq"),
                       {e.uuid, imageId, e.breed, who.user.id, e.clientAt, now, status})
            || !q.next())
            return dbError(QStringLiteral("cannot store event %1").arg(e.uuid), q);
        const qint64 seq = q.value(0).toLongLong();
        accepted.push_back({e.uuid, seq, false});
        touched.insert(imageId);
        if (!sql::exec(q, QStringLiteral("INSERT INTO author_labels (image_id, author_id, seq, breed, status) VALUES (?, ?, ?, ?, ?) "
                                         "ON CONFLICT (image_id, author_id) DO UPDATE SET seq = excluded.seq, breed = excluded.breed, "
                                         "status = excluded.status"),
                       {imageId, who.user.id, seq, e.breed, status}))
            return dbError(QStringLiteral("cannot record the current label of event %1").arg(e.uuid), q);
    }
    q.finish();
    for (qint64 imageId : std::as_const(touched))
        if (auto s = updateDispute(c, imageId); !s)
            return ServerError::internal(s.error());
    return accepted;
}

ServerResult<EventPage> LabelLog::since(qint64 cursor, int limit) const
{
    static const QString select = kEventSelect + QStringLiteral("WHERE e.seq > ? ORDER BY e.seq LIMIT ?");
    QSqlQuery* q = m_db->prepared(select);
    if (!q)
        return ServerError{ServerError::Kind::Unavailable, sql::error(QStringLiteral("cannot read events"), m_db->connection()).message};
    q->setForwardOnly(true);
    if (!execPrepared(*q, {cursor, limit + 1})) {
        const ServerError e = dbError(QStringLiteral("cannot read events"), *q);
        q->finish();
        return e;
    }
    EventPage page;
    page.next = cursor;
    while (q->next()) {
        if (page.events.size() == limit) {
            page.more = true;
            break;
        }
        page.events.push_back(eventFrom(*q));
        page.next = page.events.back().seq;
    }
    q->finish();
    return page;
}

ServerResult<QByteArray> LabelLog::sinceJson(qint64 cursor, int limit) const
{
    // The tag is read before the page: a page may then show more than its tag says (a commit in
    // between), never less, so serving it while the tag is still the newest seq is always right.
    static const QString newestSql = QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM events");
    QSqlQuery* q = m_db->prepared(newestSql);
    if (!q)
        return ServerError{ServerError::Kind::Unavailable, sql::error(QStringLiteral("cannot read events"), m_db->connection()).message};
    if (!execPrepared(*q, {}) || !q->next()) {
        const ServerError e = dbError(QStringLiteral("cannot read events"), *q);
        q->finish();
        return e;
    }
    const qint64 newest = q->value(0).toLongLong();
    q->finish();
    const QPair<qint64, int> key(cursor, limit);
    {
        QMutexLocker lock(&m_pages->mutex);
        auto it = m_pages->pages.constFind(key);
        if (it != m_pages->pages.constEnd() && it->newest == newest)
            return it->json;
    }
    auto page = since(cursor, limit);
    if (!page)
        return page.error();
    QByteArray json = eventPageJson(*page);
    QMutexLocker lock(&m_pages->mutex);
    if (m_pages->pages.size() >= PageCache::kMaxPages && !m_pages->pages.contains(key))
        m_pages->pages.clear(); // a bound, not a policy: the hot pages come back at once
    auto& slot = m_pages->pages[key];
    if (slot.json.isNull() || slot.newest <= newest)
        slot = PageCache::Page{newest, json};
    return json;
}

ServerResult<QVector<ReviewItem>> LabelLog::reviewQueue(int limit) const
{
    const QSqlDatabase c = m_db->connection();
    QSqlQuery q(c);
    if (!sql::exec(q, QStringLiteral("SELECT i.id, i.sha256, i.disputed, MIN(e.seq) AS first FROM events e JOIN images i ON i.id = e.image_id "
                                     "WHERE e.kind = 'label' AND e.status = 'pending' GROUP BY i.id, i.sha256, i.disputed "
                                     "ORDER BY i.disputed DESC, first LIMIT ?"),
                   {limit}))
        return dbError(QStringLiteral("cannot read the review queue"), q);
    QVector<QPair<qint64, ReviewItem>> items;
    while (q.next())
        items.push_back({q.value(0).toLongLong(), ReviewItem{q.value(1).toString(), q.value(2).toInt() != 0, {}}});
    for (auto& [imageId, item] : items) {
        if (!sql::exec(q, kEventSelect + QStringLiteral("WHERE e.image_id = ? AND e.kind = 'label' ORDER BY e.seq"), {imageId}))
            return dbError(QStringLiteral("cannot read the labels of image %1").arg(item.image), q);
        while (q.next())
            item.labels.push_back(eventFrom(q));
    }
    QVector<ReviewItem> out;
    for (auto& [imageId, item] : items)
        out.push_back(std::move(item));
    return out;
}

ServerResult<QVector<EventView>> LabelLog::review(const Principal& who, const QString& eventRef, const Verdict& verdict) const
{
    bool isSeq = false;
    const qint64 seq = eventRef.toLongLong(&isSeq);
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return unavailable(s.error());
    const QSqlDatabase c = tx.connection();
    QSqlQuery q(c);
    const QString select = QStringLiteral("SELECT seq, kind, image_id, breed, author_id, status, uuid FROM events WHERE ");
    if (!(isSeq ? sql::exec(q, select + QStringLiteral("seq = ?"), {seq}) : sql::exec(q, select + QStringLiteral("uuid = ?"), {eventRef})))
        return dbError(QStringLiteral("cannot read events"), q);
    if (!q.next())
        return ServerError::notFound(QStringLiteral("no label event %1").arg(eventRef));
    const qint64 targetSeq = q.value(0).toLongLong();
    const QString kind = q.value(1).toString();
    const qint64 imageId = q.value(2).toLongLong();
    const QString breed = q.value(3).toString();
    const qint64 authorId = q.value(4).toLongLong();
    const QString current = q.value(5).toString();
    const QString targetUuid = q.value(6).toString();
    if (kind != QLatin1String("label"))
        return ServerError::badRequest(QStringLiteral("event %1 is a review verdict, not a label").arg(eventRef));
    if (authorId == who.user.id)
        return ServerError::forbidden(QStringLiteral("you cannot review your own label"));
    const QString decision = verdict.approve ? QStringLiteral("approved") : QStringLiteral("rejected");

    if (!verdict.uuid.isEmpty()) {
        if (!sql::exec(q, QStringLiteral("SELECT kind, target_seq, author_id, status FROM events WHERE uuid = ?"), {verdict.uuid}))
            return dbError(QStringLiteral("cannot read events"), q);
        if (q.next()) {
            const bool same = q.value(0).toString() == QLatin1String("review") && q.value(1).toLongLong() == targetSeq
                && q.value(2).toLongLong() == who.user.id && q.value(3).toString() == decision;
            if (!same)
                return ServerError::conflict(QStringLiteral("event %1 exists already with other content").arg(verdict.uuid));
            return QVector<EventView>(); // a retry of a verdict already recorded
        }
    }
    if (current == decision)
        return QVector<EventView>();

    const QString now = sql::nowText();
    QVector<qint64> written;
    auto writeVerdict = [&](qint64 target, const QString& targetBreed, const QString& status, const QString& reason,
                            const QString& uuid) -> Status<> {
        if (!sql::exec(q, QStringLiteral("UPDATE events SET status = ? WHERE seq = ?"), {status, target}))
            return sql::error(QStringLiteral("cannot update event %1").arg(target), q);
        if (!sql::exec(q, QStringLiteral("UPDATE author_labels SET status = ? WHERE seq = ?"), {status, target}))
            return sql::error(QStringLiteral("cannot update the current label of event %1").arg(target), q);
        if (!sql::exec(q, QStringLiteral("INSERT INTO events (uuid, kind, image_id, breed, author_id, received, status, target_seq, reason) "
                                         "VALUES (?, 'review', ?, ?, ?, ?, ?, ?, ?) RETURNING seq"),
                       {uuid, imageId, targetBreed, who.user.id, now, status, target, reason})
            || !q.next())
            return sql::error(QStringLiteral("cannot store the verdict on event %1").arg(target), q);
        written.push_back(q.value(0).toLongLong());
        return done();
    };
    const QString uuid = verdict.uuid.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : verdict.uuid;
    if (auto s = writeVerdict(targetSeq, breed, decision, verdict.reason, uuid); !s)
        return ServerError::internal(s.error());
    if (verdict.approve) {
        // Deciding a dispute: the pending labels that disagree with the approved one lose.
        if (!sql::exec(q, QStringLiteral("SELECT seq, breed FROM events WHERE image_id = ? AND kind = 'label' AND status = 'pending' "
                                         "AND breed <> ? ORDER BY seq"),
                       {imageId, breed}))
            return dbError(QStringLiteral("cannot read the labels of the image"), q);
        QVector<QPair<qint64, QString>> losers;
        while (q.next())
            losers.push_back({q.value(0).toLongLong(), q.value(1).toString()});
        for (const auto& [loser, loserBreed] : losers)
            if (auto s = writeVerdict(loser, loserBreed, QStringLiteral("rejected"), QStringLiteral("superseded: event %1 approved").arg(targetUuid),
                                      QUuid::createUuid().toString(QUuid::WithoutBraces));
                !s)
                return ServerError::internal(s.error());
    }
    q.finish();
    if (auto s = updateDispute(c, imageId); !s)
        return ServerError::internal(s.error());

    QVector<EventView> out;
    for (qint64 s : std::as_const(written)) {
        if (!sql::exec(q, kEventSelect + QStringLiteral("WHERE e.seq = ?"), {s}) || !q.next())
            return dbError(QStringLiteral("cannot read event %1").arg(s), q);
        out.push_back(eventFrom(q));
    }
    q.finish();
    if (auto s = tx.commit(); !s)
        return unavailable(s.error());
    return out;
}

ServerResult<QVector<CurrentLabel>> LabelLog::currentLabels(bool approvedOnly) const
{
    QSqlQuery q(m_db->connection());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT i.id, i.sha256, i.mime, i.disputed, e.breed, e.status FROM events e JOIN images i ON i.id = e.image_id "
                               "WHERE e.kind = 'label' AND e.status IN ('approved', 'pending') ORDER BY i.id, e.seq")))
        return dbError(QStringLiteral("cannot read labels"), q);
    QVector<CurrentLabel> out;
    CurrentLabel approved, pending;
    qint64 imageId = -1;
    bool disputed = false;
    auto flush = [&] {
        if (imageId < 0)
            return;
        if (!approved.breed.isEmpty())
            out.push_back(approved);
        else if (!approvedOnly && !disputed && !pending.breed.isEmpty())
            out.push_back(pending);
    };
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id != imageId) {
            flush();
            imageId = id;
            disputed = q.value(3).toInt() != 0;
            approved = pending = CurrentLabel{};
        }
        CurrentLabel l{id, q.value(1).toString(), q.value(2).toString().toLatin1(), q.value(4).toString(), q.value(5).toString()};
        (l.status == QLatin1String("approved") ? approved : pending) = l;
    }
    flush();
    return out;
}

ServerResult<QVector<EventView>> LabelLog::recentLabelsBy(qint64 authorId, int limit) const
{
    QSqlQuery q(m_db->connection());
    q.setForwardOnly(true);
    if (!sql::exec(q, kEventSelect + QStringLiteral("WHERE e.author_id = ? AND e.kind = 'label' ORDER BY e.seq DESC LIMIT ?"), {authorId, limit}))
        return dbError(QStringLiteral("cannot read labels"), q);
    QVector<EventView> out;
    while (q.next())
        out.push_back(eventFrom(q));
    return out;
}

ServerResult<QVector<AuthorLabel>> LabelLog::latestLabelsByAuthor() const
{
    QSqlQuery q(m_db->connection());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT a.image_id, u.name, a.breed FROM author_labels a JOIN users u ON u.id = a.author_id "
                               "ORDER BY a.image_id, u.name")))
        return dbError(QStringLiteral("cannot read labels"), q);
    QVector<AuthorLabel> out;
    while (q.next())
        out.push_back({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString()});
    return out;
}

} // namespace pc::server
