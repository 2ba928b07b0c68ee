#include "server/ServerDatabase.h"

#include "server/ServerSchema.h"
#include "workspace/SqlSupport.h"

#include <QAtomicInt>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSqlQuery>
#include <QThread>
#include <QThreadStorage>
#include <memory>
#include <unordered_map>

namespace pc::server {

namespace {

QAtomicInt g_serial;

// The connections this thread opened, by database. They go when the thread ends, so pool threads
// that come and go don't pile up connections, and a new thread that reuses a dead one's id never
// finds the dead one's connection. QThreadStorage, not thread_local: Qt destroys it inside the
// thread's finish, before QThread::wait() returns; a thread_local destructor would run after,
// racing the process's exit (closing a PostgreSQL connection takes long enough to lose).
struct ThreadConnections {
    int serial = ++g_serial;
    QHash<QString, QString> byDatabase; // connection prefix → connection name
    // connection name → statement → its prepared query; goes before its connection
    std::unordered_map<QString, std::unordered_map<QString, std::unique_ptr<QSqlQuery>>> statements;
    ~ThreadConnections()
    {
        statements.clear();
        for (const QString& name : std::as_const(byDatabase))
            QSqlDatabase::removeDatabase(name);
    }
};

QThreadStorage<ThreadConnections*>& connectionStorage()
{
    static QThreadStorage<ThreadConnections*> storage;
    return storage;
}

ThreadConnections& threadConnections()
{
    QThreadStorage<ThreadConnections*>& storage = connectionStorage();
    if (!storage.hasLocalData())
        storage.setLocalData(new ThreadConnections);
    return *storage.localData();
}

// Any 64-bit constant: the PostgreSQL advisory lock that orders label writes across processes.
constexpr qint64 kWriteLockKey = 0x5043535256; // "PCSRV"

} // namespace

ServerDatabase::ServerDatabase(DatabaseLocation location)
    : m_location(std::move(location))
    , m_connectionPrefix(QStringLiteral("pc-server-%1-").arg(++g_serial))
{
}

ServerDatabase::~ServerDatabase()
{
    QStringList names;
    {
        QMutexLocker lock(&m_connectionsMutex);
        names.swap(m_connections);
    }
    // Only called once every worker is done (the owner joins its pool first). This thread's
    // entry goes too, so nothing is left for the end of the process.
    ThreadConnections& mine = threadConnections();
    mine.statements.erase(mine.byDatabase.value(m_connectionPrefix));
    mine.byDatabase.remove(m_connectionPrefix);
    for (const QString& name : std::as_const(names))
        QSqlDatabase::removeDatabase(name);
}

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
    ThreadConnections& mine = threadConnections();
    QString name = mine.byDatabase.value(m_connectionPrefix);
    if (name.isEmpty() || !QSqlDatabase::contains(name)) {
        name = m_connectionPrefix + QStringLiteral("%1-%2").arg(mine.serial).arg(quintptr(QThread::currentThreadId()), 0, 16);
        {
            const bool sqlite = m_location.engine == Engine::Sqlite;
            QSqlDatabase db = QSqlDatabase::addDatabase(sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), name);
            if (sqlite) {
                db.setDatabaseName(m_location.sqlitePath);
                db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
            } else {
                db.setHostName(m_location.host);
                db.setPort(m_location.port);
                db.setUserName(m_location.user);
                db.setPassword(m_location.password);
                db.setDatabaseName(m_location.database);
                db.setConnectOptions(QStringLiteral("connect_timeout=10;application_name=petcurator-server"));
            }
        }
        mine.byDatabase.insert(m_connectionPrefix, name);
        QMutexLocker lock(&m_connectionsMutex);
        m_connections.removeIf([](const QString& n) { return !QSqlDatabase::contains(n); });
        m_connections << name;
    }
    QSqlDatabase db = QSqlDatabase::database(name, false);
    if (!db.isOpen()) // statements prepared on the lost connection are gone with it
        mine.statements.erase(name);
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
    auto& mine = threadConnections().statements[db.connectionName()];
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
