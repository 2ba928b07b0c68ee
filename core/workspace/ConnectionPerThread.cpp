#include "workspace/ConnectionPerThread.h"

#include <QThread>
#include <QThreadStorage>
#include <atomic>
#include <map>

namespace pc::sql {

namespace {

std::atomic<quint64> g_ownerSerial{0};
std::atomic<quint64> g_threadSerial{0};

// The connections one thread opened, by owner prefix. QThreadStorage, not thread_local: Qt
// destroys it inside the thread's finish, before QThread::wait() returns (and the main thread's
// when the QCoreApplication goes, while Qt SQL still exists); a thread_local destructor runs later,
// racing the process's exit.
struct ThreadConnections {
    struct Entry {
        QString name;
        std::weak_ptr<const bool> owner;
        std::unique_ptr<ConnectionState> state;
    };
    // The serial keeps names unique when a new thread reuses an ended thread's id.
    const quint64 serial = ++g_threadSerial;
    std::map<QString, Entry> byOwner;

    static void remove(Entry& e)
    {
        e.state.reset(); // its queries go before their connection
        QSqlDatabase::removeDatabase(e.name);
    }
    // Connections of owners that have gone, removed here, on their own thread.
    void sweep()
    {
        for (auto it = byOwner.begin(); it != byOwner.end();) {
            if (it->second.owner.expired()) {
                remove(it->second);
                it = byOwner.erase(it);
            } else {
                ++it;
            }
        }
    }
    ~ThreadConnections()
    {
        for (auto& [prefix, e] : byOwner)
            remove(e);
    }
};

QThreadStorage<ThreadConnections*>& storage()
{
    static QThreadStorage<ThreadConnections*> s;
    return s;
}

ThreadConnections& mine()
{
    QThreadStorage<ThreadConnections*>& s = storage();
    if (!s.hasLocalData())
        s.setLocalData(new ThreadConnections);
    return *s.localData();
}

ThreadConnections::Entry& entryFor(const QString& prefix, const std::shared_ptr<const bool>& alive,
                                   const ConnectionPerThread::AddConnection& add)
{
    ThreadConnections& connections = mine();
    connections.sweep(); // a few entries: cheap enough for every call
    auto it = connections.byOwner.find(prefix);
    if (it != connections.byOwner.end() && QSqlDatabase::contains(it->second.name))
        return it->second;
    const QString name = prefix + QStringLiteral("%1-%2").arg(connections.serial).arg(quintptr(QThread::currentThreadId()), 0, 16);
    add(name);
    ThreadConnections::Entry& e = connections.byOwner[prefix];
    e.name = name;
    e.owner = alive;
    e.state.reset();
    return e;
}

} // namespace

ConnectionPerThread::ConnectionPerThread(QString prefix, AddConnection add)
    : m_prefix(std::move(prefix))
    , m_add(std::move(add))
    , m_alive(std::make_shared<const bool>(true))
{
}

ConnectionPerThread::~ConnectionPerThread()
{
    m_alive.reset();
    QThreadStorage<ThreadConnections*>& s = storage();
    if (!s.hasLocalData())
        return;
    ThreadConnections& connections = *s.localData();
    auto it = connections.byOwner.find(m_prefix);
    if (it != connections.byOwner.end()) {
        ThreadConnections::remove(it->second);
        connections.byOwner.erase(it);
    }
}

QSqlDatabase ConnectionPerThread::database() const
{
    return QSqlDatabase::database(entryFor(m_prefix, m_alive, m_add).name, false);
}

std::unique_ptr<ConnectionState>& ConnectionPerThread::state() const { return entryFor(m_prefix, m_alive, m_add).state; }

QString ConnectionPerThread::uniquePrefix(const QString& kind)
{
    return QStringLiteral("%1-%2-").arg(kind).arg(++g_ownerSerial);
}

} // namespace pc::sql
