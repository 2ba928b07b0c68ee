#include "workspace/LabelStore.h"

#include "model/BreedCatalog.h"
#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QSqlQuery>
#include <QUuid>

namespace pc {

using sql::readOne;
using sql::readRows;
using sql::readValue;

QString toString(LabelOrigin o)
{
    switch (o) {
    case LabelOrigin::Dataset: return QStringLiteral("dataset");
    case LabelOrigin::Curator: return QStringLiteral("curator");
    case LabelOrigin::Server: return QStringLiteral("server");
    }
    return {};
}

QString toString(ReviewStatus s)
{
    switch (s) {
    case ReviewStatus::Pending: return QStringLiteral("pending");
    case ReviewStatus::Approved: return QStringLiteral("approved");
    case ReviewStatus::Rejected: return QStringLiteral("rejected");
    }
    return {};
}

std::optional<LabelOrigin> labelOriginFromString(const QString& s)
{
    for (LabelOrigin o : {LabelOrigin::Dataset, LabelOrigin::Curator, LabelOrigin::Server})
        if (s == toString(o))
            return o;
    return std::nullopt;
}

std::optional<ReviewStatus> reviewStatusFromString(const QString& s)
{
    for (ReviewStatus r : {ReviewStatus::Pending, ReviewStatus::Approved, ReviewStatus::Rejected})
        if (s == toString(r))
            return r;
    return std::nullopt;
}

namespace {

const QString kLabelColumns = QStringLiteral("id, image_id, breed, origin, author, at, status, uuid, role, server_status");

LabelEvent labelFrom(const QSqlQuery& q)
{
    LabelEvent e;
    e.id = q.value(0).toLongLong();
    e.imageId = q.value(1).toLongLong();
    e.breed = q.value(2).toString();
    e.origin = labelOriginFromString(q.value(3).toString()).value_or(LabelOrigin::Curator);
    e.author = q.value(4).toString();
    e.at = sql::timeFromText(q.value(5).toString());
    e.status = reviewStatusFromString(q.value(6).toString()).value_or(ReviewStatus::Pending);
    e.uuid = q.value(7).toString();
    e.role = q.value(8).toString();
    e.serverStatus = q.value(9).toString();
    return e;
}

} // namespace

Expected<qint64> LabelStore::add(qint64 imageId, const QString& breed, LabelOrigin origin, const QString& author,
                                     ReviewStatus status)
{
    auto ids = insert({imageId}, breed, origin, author, status, sql::nowText(), Queue::AsCurators);
    if (!ids)
        return ids.error();
    return ids->front();
}

Expected<QVector<qint64>> LabelStore::addMany(const QVector<qint64>& imageIds, const QString& breed, LabelOrigin origin,
                                              const QString& author, ReviewStatus status)
{
    return insert(imageIds, breed, origin, author, status, sql::nowText(), Queue::AsCurators);
}

Expected<qint64> LabelStore::addRecorded(qint64 imageId, const LabelEvent& event)
{
    auto ids = insert({imageId}, event.breed, event.origin, event.author, event.status,
                      event.at.isValid() ? sql::timeText(event.at) : sql::nowText(), Queue::Never);
    if (!ids)
        return ids.error();
    return ids->front();
}

Expected<QVector<qint64>> LabelStore::insert(const QVector<qint64>& imageIds, const QString& breed, LabelOrigin origin,
                                             const QString& author, ReviewStatus status, const QString& at, Queue queue)
{
    const BreedCatalog& catalog = BreedCatalog::oxford();
    const int index = catalog.indexOf(breed);
    if (index < 0)
        return Error{QStringLiteral("unknown breed \"%1\": expected one of the %2 Oxford-IIIT Pet breeds").arg(breed).arg(catalog.size())};
    if (imageIds.isEmpty())
        return Error{QStringLiteral("no image to label")};
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s.error();
    QVector<qint64> events;
    events.reserve(imageIds.size());
    for (qint64 imageId : imageIds) {
        auto exists = imageExists(db, imageId);
        if (!exists)
            return exists.error();
        if (!*exists)
            return Error{QStringLiteral("unknown image id %1").arg(imageId)};
        QSqlQuery q(db);
        if (!sql::exec(q,
                       QStringLiteral("INSERT INTO label_events (image_id, breed, origin, author, at, status, uuid) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                       {imageId, catalog.at(index).id, toString(origin), author, at, toString(status),
                        QUuid::createUuid().toString(QUuid::WithoutBraces)}))
            return sql::error(QStringLiteral("cannot add the label"), q);
        const qint64 id = q.lastInsertId().toLongLong();
        events.append(id);
        // The schema's trigger queues every curator event; a recorded one leaves the queue in the
        // same transaction, so no sync ever sees it there.
        if (queue == Queue::Never && origin == LabelOrigin::Curator) {
            QSqlQuery d(db);
            if (!sql::exec(d, QStringLiteral("DELETE FROM outbox WHERE event_id = ?"), {id}))
                return sql::error(QStringLiteral("cannot add the label"), d);
        }
    }
    if (auto s = tx.commit(); !s)
        return s.error();
    return events;
}

Status<> LabelStore::setReviewStatus(qint64 eventId, ReviewStatus status)
{
    QSqlQuery q(m_db.connection());
    if (!sql::exec(q, QStringLiteral("UPDATE label_events SET status = ? WHERE id = ?"), {toString(status), eventId}))
        return sql::error(QStringLiteral("cannot change the review status of label event %1").arg(eventId), q);
    if (q.numRowsAffected() != 1)
        return Error{QStringLiteral("unknown label event id %1").arg(eventId)};
    return done();
}

Expected<std::optional<LabelEvent>> LabelStore::current(qint64 imageId) const
{
    return readOne<LabelEvent>(
        m_db.connection(), QStringLiteral("cannot read the label of image %1").arg(imageId),
        QStringLiteral("SELECT %1 FROM label_events WHERE image_id = ? AND status <> 'rejected' ORDER BY id DESC LIMIT 1").arg(kLabelColumns),
        {imageId}, labelFrom);
}

Expected<QVector<LabelEvent>> LabelStore::history(qint64 imageId) const
{
    QVector<LabelEvent> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the label history of image %1").arg(imageId),
                      QStringLiteral("SELECT %1 FROM label_events WHERE image_id = ? ORDER BY id").arg(kLabelColumns), {imageId},
                      [&](const QSqlQuery& q) { out.append(labelFrom(q)); });
    if (!s)
        return s.error();
    return out;
}

Expected<QHash<qint64, LabelEvent>> LabelStore::currentByImage() const
{
    QHash<qint64, LabelEvent> out;
    const QString statement = QStringLiteral(
        "SELECT %1 FROM label_events WHERE id IN "
        "(SELECT max(id) FROM label_events WHERE status <> 'rejected' "
        "AND image_id IN (SELECT id FROM images WHERE removed = '') GROUP BY image_id)").arg(kLabelColumns);
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the labels"), statement, {}, [&](const QSqlQuery& q) {
        LabelEvent e = labelFrom(q);
        out.insert(e.imageId, e);
    });
    if (!s)
        return s.error();
    return out;
}

Expected<int> LabelStore::eventCount() const
{
    return readValue<int>(m_db.connection(), QStringLiteral("cannot count the label events"), QStringLiteral("SELECT count(*) FROM label_events"));
}

Expected<int> LabelStore::eventsSince(qint64 afterId) const
{
    // Rejected events taught nothing, so they don't count towards "new labels".
    return readValue<int>(m_db.connection(), QStringLiteral("cannot count the new labels"),
                          QStringLiteral("SELECT count(*) FROM label_events WHERE id > ? AND origin IN ('curator', 'server') "
                                         "AND status <> 'rejected'"),
                          {afterId});
}

Expected<qint64> LabelStore::lastEventId() const
{
    return readValue<qint64>(m_db.connection(), QStringLiteral("cannot read the label events"),
                             QStringLiteral("SELECT coalesce(max(id), 0) FROM label_events"));
}

} // namespace pc
