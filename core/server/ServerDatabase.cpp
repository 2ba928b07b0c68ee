#include "server/ServerDatabase.h"

#include "server/ServerSchema.h"
#include "workspace/SqlSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlQuery>
#include <memory>
#include <unordered_map>

namespace pc::server {

namespace {

// The prepared queries of one thread's connection, by statement; they go before it.
struct PreparedQueries : sql::ConnectionState {
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> byStatement;
};

// Any 64-bit constant: the PostgreSQL advisory lock that orders label writes across processes.
constexpr qint64 kWriteLockKey = 0x5043535256; // "PCSRV"

} // namespace

ServerDatabase::ServerDatabase(DatabaseLocation location)
    : m_location(std::move(location))
    , m_connections(sql::ConnectionPerThread::uniquePrefix(QStringLiteral("pc-server")), [location = m_location](const QString& name) {
        const bool sqlite = location.engine == Engine::Sqlite;
        QSqlDatabase db = QSqlDatabase::addDatabase(sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), name);
        if (sqlite) {
            db.setDatabaseName(location.sqlitePath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        } else {
            db.setHostName(location.host);
            db.setPort(location.port);
            db.setUserName(location.user);
            db.setPassword(location.password);
            db.setDatabaseName(location.database);
            db.setConnectOptions(QStringLiteral("connect_timeout=10;application_name=petcurator-server"));
        }
    })
{
}

// m_connections removes this thread's connection; every other thread removes its own.
ServerDatabase::~ServerDatabase() = default;

Expected<std::shared_ptr<ServerDatabase>> ServerDatabase::open(const DatabaseLocation& location)
{
    if (location.engine == Engine::Sqlite) {
        const QString dir = QFileInfo(location.sqlitePath).absolutePath();
        if (!QDir().mkpath(dir))
            return Error{QStringLiteral("cannot create the database folder %1").arg(dir)};
    }
    std::shared_ptr<ServerDatabase> db(new ServerDatabase(location));
    QSqlDatabase c = db->connection();
    if (!c.isOpen())
        return Error{QStringLiteral("cannot open the database %1: %2").arg(location.describe(), sql::error(QString(), c).message)};
    if (location.engine == Engine::Sqlite) {
        QSqlQuery q(c);
        if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !q.next())
            return sql::error(QStringLiteral("cannot switch %1 to WAL mode").arg(location.sqlitePath), q);
    }
    if (auto s = schema::migrate(*db); !s)
        return s.error();
    return db;
}

Status<> ServerDatabase::configure(QSqlDatabase& db) const
{
    QStringList statements;
    if (m_location.engine == Engine::Sqlite)
        // NORMAL in WAL mode: a commit survives a killed process (the fault run); only a power
        // cut can lose the last commits, never corrupt the file.
        statements = {QStringLiteral("PRAGMA foreign_keys = ON"), QStringLiteral("PRAGMA synchronous = NORMAL")};
    else
        statements = {QStringLiteral("SET client_min_messages = warning"), QStringLiteral("SET TIME ZONE 'UTC'")};
    for (const QString& s : statements) {
        QSqlQuery q(db);
        if (!q.exec(s))
            return sql::error(QStringLiteral("cannot configure the database connection (%1)").arg(s), q);
    }
    return done();
}

QSqlDatabase ServerDatabase::connection() const
{
    QSqlDatabase db = m_connections.database();
    if (!db.isOpen()) // statements prepared on the lost connection are gone with it
        m_connections.state().reset();
    if (!db.isOpen() && db.open()) {
        if (auto s = configure(db); !s) {
            qWarning("petcurator-server: %s", qPrintable(s.error().message));
            db.close();
        }
    }
    return db;
}

QSqlQuery* ServerDatabase::prepared(const QString& statement) const
{
    const QSqlDatabase db = connection();
    if (!db.isOpen())
        return nullptr;
    std::unique_ptr<sql::ConnectionState>& state = m_connections.state();
    if (!state)
        state = std::make_unique<PreparedQueries>();
    auto& mine = static_cast<PreparedQueries&>(*state).byStatement;
    auto it = mine.find(statement);
    if (it == mine.end()) {
        auto q = std::make_unique<QSqlQuery>(db);
        if (!q->prepare(statement))
            return nullptr;
        it = mine.emplace(statement, std::move(q)).first;
    }
    return it->second.get();
}

bool execPrepared(QSqlQuery& query, std::initializer_list<QVariant> values)
{
    int i = 0;
    for (const QVariant& v : values) {
        if (v.typeId() == QMetaType::QString && v.toString().isNull())
            query.bindValue(i++, QStringLiteral(""));
        else
            query.bindValue(i++, v);
    }
    return query.exec();
}

ServerDatabase::Write::Write(const ServerDatabase& db)
    : m_db(db)
    , m_connection(db.connection())
{
}

ServerDatabase::Write::~Write()
{
    if (m_open) {
        QSqlQuery q(m_connection);
        q.exec(QStringLiteral("ROLLBACK"));
    }
    if (m_locked)
        m_db.m_writeMutex.unlock();
}

Status<> ServerDatabase::Write::begin()
{
    if (!m_connection.isOpen())
        return sql::error(QStringLiteral("the database is not reachable"), m_connection);
    m_db.m_writeMutex.lock();
    m_locked = true;
    QSqlQuery q(m_connection);
    if (m_db.engine() == Engine::Sqlite) {
        if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
            return sql::error(QStringLiteral("cannot start a database write"), q);
        m_open = true;
        return done();
    }
    if (!q.exec(QStringLiteral("BEGIN")))
        return sql::error(QStringLiteral("cannot start a database write"), q);
    m_open = true;
    if (!sql::exec(q, QStringLiteral("SELECT pg_advisory_xact_lock(?)"), {kWriteLockKey}))
        return sql::error(QStringLiteral("cannot take the database write lock"), q);
    return done();
}

Status<> ServerDatabase::Write::commit()
{
    QSqlQuery q(m_connection);
    if (!q.exec(QStringLiteral("COMMIT")))
        return sql::error(QStringLiteral("cannot commit to the database"), q);
    m_open = false;
    m_db.m_writeMutex.unlock();
    m_locked = false;
    return done();
}

} // namespace pc::server
