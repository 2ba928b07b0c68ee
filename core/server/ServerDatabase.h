#pragma once
// The server's database handle: one Qt SQL connection per thread (Qt requires it), the same
// schema on SQLite and PostgreSQL, and write transactions that keep the event sequence in commit
// order (a reader paging by sequence must never skip a row that commits late).
#include "Expected.h"
#include "server/DatabaseLocation.h"
#include "workspace/ConnectionPerThread.h"

#include <QMutex>
#include <QSqlDatabase>
#include <QStringList>
#include <QVariant>
#include <initializer_list>

class QSqlQuery;
#include <memory>

namespace pc::server {

class ServerDatabase {
public:
    // Connects, creates or migrates the schema. Every later call may come from any thread.
    static Expected<std::shared_ptr<ServerDatabase>> open(const DatabaseLocation& location);
    ~ServerDatabase();
    ServerDatabase(const ServerDatabase&) = delete;
    ServerDatabase& operator=(const ServerDatabase&) = delete;

    Engine engine() const { return m_location.engine; }
    const DatabaseLocation& location() const { return m_location; }

    // This thread's connection, opened on first use. Check isOpen(): a lost server shows here.
    QSqlDatabase connection() const;

    // This thread's query for `statement` on this thread's connection, prepared once and reused
    // (prepared again after the connection reopens); null when the statement does not prepare.
    // Bind with bindValue(i, …), exec(), read, then finish(): a query left active holds its
    // snapshot. Valid until the thread's connection reopens; never share it with another thread.
    QSqlQuery* prepared(const QString& statement) const;

    // One write at a time per process, and (PostgreSQL) per database: begin() takes the in-process
    // lock, then BEGIN IMMEDIATE (SQLite) or BEGIN + a transaction advisory lock (PostgreSQL), so
    // sequence numbers are handed out in commit order. Rolls back unless committed.
    class Write {
    public:
        explicit Write(const ServerDatabase& db);
        ~Write();
        Write(const Write&) = delete;
        Write& operator=(const Write&) = delete;
        Status<> begin();
        Status<> commit();
        QSqlDatabase connection() const { return m_connection; }

    private:
        const ServerDatabase& m_db;
        QSqlDatabase m_connection;
        bool m_locked = false;
        bool m_open = false;
    };

private:
    explicit ServerDatabase(DatabaseLocation location);
    Status<> configure(QSqlDatabase& db) const;

    DatabaseLocation m_location;
    mutable QMutex m_writeMutex; // serialises writers in this process
    sql::ConnectionPerThread m_connections;
};

// Binds `values` by position to a prepared query (a null QString binds as '', like sql::exec)
// and runs it.
bool execPrepared(QSqlQuery& query, std::initializer_list<QVariant> values);

} // namespace pc::server
