#pragma once
// Small helpers around Qt SQL for the workspace: bound-value execution, one-line errors, write
// transactions that take SQLite's write lock up front, and the one timestamp format we store.
#include "Expected.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>
#include <initializer_list>

namespace pc::sql {

// Prepares `statement`, binds `values` in order (positional '?') and executes it.
bool exec(QSqlQuery& query, const QString& statement, std::initializer_list<QVariant> values = {});

// "what: why" on one line, `why` being SQLite's own text when there is one.
Error error(const QString& what, const QSqlQuery& query);
Error error(const QString& what, const QSqlDatabase& db);

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

} // namespace pc::sql
