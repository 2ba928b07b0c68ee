#include "workspace/ValidationSplitStore.h"

#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QSqlQuery>
#include <QUuid>

namespace pc {

using sql::reader;
using sql::readOne;
using sql::readRows;

namespace {

const QString kSplitIdKey = QStringLiteral("validation_split_id");

} // namespace

Expected<std::optional<ValidationSplit>> ValidationSplitStore::get() const
{
    const QSqlDatabase db = m_db.connection();
    const QString what = QStringLiteral("cannot read the validation split");
    auto id = readOne<QString>(db, what, QStringLiteral("SELECT value FROM settings WHERE key = ?"), {kSplitIdKey},
                               [](const QSqlQuery& q) { return q.value(0).toString(); });
    if (!id)
        return id.error();
    if (!*id)
        return std::optional<ValidationSplit>();
    ValidationSplit split;
    split.id = **id;
    auto s = readRows(db, what, QStringLiteral("SELECT image_id FROM validation_images"), {},
                      [&](const QSqlQuery& q) { split.imageIds.insert(q.value(0).toLongLong()); });
    if (!s)
        return s.error();
    return std::optional<ValidationSplit>(std::move(split));
}

namespace {

// Inserts the ids into validation_images; an unknown id is an error (the caller rolls back).
Status<> insertValidationImages(const QSqlDatabase& db, const QSet<qint64>& ids)
{
    QSqlQuery check = reader(db);
    QSqlQuery insert(db);
    if (!check.prepare(QStringLiteral("SELECT 1 FROM images WHERE id = ?")))
        return sql::error(QStringLiteral("cannot store the validation split"), check);
    if (!insert.prepare(QStringLiteral("INSERT OR IGNORE INTO validation_images (image_id) VALUES (?)")))
        return sql::error(QStringLiteral("cannot store the validation split"), insert);
    for (qint64 id : ids) {
        check.bindValue(0, id);
        if (!check.exec())
            return sql::error(QStringLiteral("cannot store the validation split"), check);
        const bool known = check.next();
        check.finish();
        if (!known)
            return Error{QStringLiteral("cannot store the validation split: unknown image id %1").arg(id)};
        insert.bindValue(0, id);
        if (!insert.exec())
            return sql::error(QStringLiteral("cannot store the validation split"), insert);
    }
    return done();
}

} // namespace

Status<> ValidationSplitStore::set(const ValidationSplit& split)
{
    const QString id = split.id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : split.id;
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("DELETE FROM validation_images")))
            return sql::error(QStringLiteral("cannot replace the validation split"), q);
    }
    if (auto s = insertValidationImages(db, split.imageIds); !s)
        return s;
    {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"), {kSplitIdKey, id}))
            return sql::error(QStringLiteral("cannot store the validation split"), q);
    }
    return tx.commit();
}

Status<> ValidationSplitStore::add(const QSet<qint64>& imageIds)
{
    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM settings WHERE key = ?"), {kSplitIdKey}))
            return sql::error(QStringLiteral("cannot extend the validation split"), q);
        if (!q.next())
            return Error{QStringLiteral("cannot extend the validation split: there is none yet")};
    }
    if (auto s = insertValidationImages(db, imageIds); !s)
        return s;
    return tx.commit();
}

} // namespace pc
