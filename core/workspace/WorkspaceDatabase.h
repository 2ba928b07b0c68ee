#pragma once
// The one database handle behind a workspace and its stores: the SQLite file, reached through this
// thread's connection (created, configured and removed on the thread that uses it).
#include "Expected.h"
#include "workspace/ConnectionPerThread.h"

#include <QSqlDatabase>
#include <QString>

namespace pc {

class WorkspaceDatabase {
public:
    explicit WorkspaceDatabase(QString file);
    WorkspaceDatabase(const WorkspaceDatabase&) = delete;
    WorkspaceDatabase& operator=(const WorkspaceDatabase&) = delete;

    QString file() const { return m_file; }
    // This thread's connection, opened on first use. A failed open shows in isOpen() and as the
    // error of the first statement run on it.
    QSqlDatabase connection() const;

private:
    QString m_file;
    sql::ConnectionPerThread m_connections;
};

// Whether an image row exists; an error when the question can't be answered.
Expected<bool> imageExists(const QSqlDatabase& db, qint64 id);

} // namespace pc
