#pragma once
// Small helpers around Qt SQL for the workspace: bound-value execution, reads that report every
// failure, one-line errors, write transactions that take SQLite's write lock up front, and the one
// timestamp and JSON formats we store.
#include "Expected.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>
#include <initializer_list>
#include <optional>

namespace pc::sql {

// Prepares `statement`, binds `values` in order (positional '?') and executes it.
bool exec(QSqlQuery& query, const QString& statement, std::initializer_list<QVariant> values = {});

// "what: why" on one line, `why` being SQLite's own text when there is one.
Error error(const QString& what, const QSqlQuery& query);
Error error(const QString& what, const QSqlDatabase& db);

// A query for reading: forward only (no row cache: results are read once, in order).
QSqlQuery reader(const QSqlDatabase& db);

// Runs `statement` and hands each row to `row`; the error names `what` (a failed step counts too:
// SQLite reports a busy or damaged database there as well).
template <class Row>
Status<> readRows(const QSqlDatabase& db, const QString& what, const QString& statement,
                  std::initializer_list<QVariant> values, Row row)
{
    QSqlQuery q = reader(db);
    if (!exec(q, statement, values))
        return error(what, q);
    while (q.next())
        row(q);
    if (q.lastError().isValid())
        return error(what, q);
    return done();
}

// The first row of `statement` through `from`, or none.
template <class T, class From>
Expected<std::optional<T>> readOne(const QSqlDatabase& db, const QString& what, const QString& statement,
                                   std::initializer_list<QVariant> values, From from)
{
    std::optional<T> out;
    auto s = readRows(db, what, statement, values, [&](const QSqlQuery& q) {
        if (!out)
            out = from(q);
    });
    if (!s)
        return s.error();
    return out;
}

// A single value (count(*), max(id), …).
template <class T>
Expected<T> readValue(const QSqlDatabase& db, const QString& what, const QString& statement,
                      std::initializer_list<QVariant> values = {})
{
    auto v = readOne<T>(db, what, statement, values, [](const QSqlQuery& q) { return q.value(0).value<T>(); });
    if (!v)
        return v.error();
    if (!*v)
        return Error{what + QStringLiteral(": no answer")};
    return **v;
}

// BEGIN IMMEDIATE: a deferred BEGIN that later upgrades to a write can fail at once with
// SQLITE_BUSY (no busy wait is possible then); taking the lock first makes writers queue on the
// busy timeout instead. Rolls back on destruction unless committed.
class WriteTransaction {
public:
    explicit WriteTransaction(const QSqlDatabase& db) : m_db(db) {}
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    Status<> begin();
    Status<> commit();

private:
    QSqlDatabase m_db;
    bool m_open = false;
};

// Timestamps are ISO-8601 UTC text with milliseconds ("2026-11-25T17:27:32.123Z"): readable in
// the sqlite3 shell and sortable as text.
QString timeText(const QDateTime& at);
QString nowText();
QDateTime timeFromText(const QString& text);

// JSON columns hold compact text.
QString jsonText(const QJsonObject& o);
QString jsonText(const QJsonArray& a);
QJsonObject jsonObject(const QString& text);
QJsonArray jsonArray(const QString& text);

} // namespace pc::sql
