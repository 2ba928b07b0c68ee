#include "workspace/WorkspaceDatabase.h"

#include "workspace/SqlSupport.h"

#include <QSqlQuery>

namespace pc {

namespace {

// Per-connection settings (PRAGMA journal_mode=WAL, by contrast, is stored in the file).
// synchronous=NORMAL with WAL: a commit is in the WAL file (the OS holds it) before COMMIT returns,
// so a killed process loses nothing; only a power cut can lose the last commits, never consistency.
// FULL would add an fsync per commit, i.e. per imported image.
void configureConnection(const QSqlDatabase& db)
{
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"}) {
        QSqlQuery q(db);
        if (!q.exec(QString::fromLatin1(pragma)))
            qWarning("workspace: %s failed: %s", pragma, qPrintable(sql::error(QString(), q).message));
    }
}

} // namespace

WorkspaceDatabase::WorkspaceDatabase(QString file)
    : m_file(std::move(file))
    , m_connections(sql::ConnectionPerThread::uniquePrefix(QStringLiteral("pc-workspace")), [path = m_file](const QString& name) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    })
{
}

QSqlDatabase WorkspaceDatabase::connection() const
{
    QSqlDatabase db = m_connections.database();
    if (!db.isOpen()) {
        if (db.open())
            configureConnection(db);
        else
            qWarning("workspace: cannot open %s: %s", qPrintable(db.databaseName()), qPrintable(sql::error(QString(), db).message));
    }
    return db;
}

Expected<bool> imageExists(const QSqlDatabase& db, qint64 id)
{
    QSqlQuery q = sql::reader(db);
    if (!sql::exec(q, QStringLiteral("SELECT 1 FROM images WHERE id = ?"), {id}))
        return sql::error(QStringLiteral("cannot look up image %1").arg(id), q);
    const bool found = q.next();
    if (!found && q.lastError().isValid())
        return sql::error(QStringLiteral("cannot look up image %1").arg(id), q);
    return found;
}

} // namespace pc
