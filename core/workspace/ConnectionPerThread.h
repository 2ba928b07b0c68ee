#pragma once
// One Qt SQL connection per thread for one database owner (a Workspace, a ServerDatabase).
// Qt allows a connection to be used only from the thread that created it, and removed only when no
// query holds it, so each connection is created on its thread's first use and removed on that same
// thread: when the thread ends, when the owner goes (the owner's own thread), or at the thread's
// next use of any owner once the owner has gone. No thread ever closes another thread's connection.
#include <QSqlDatabase>
#include <QString>
#include <functional>
#include <memory>

namespace pc::sql {

// Something a thread keeps next to its connection (prepared queries, say); destroyed just before
// the connection is removed, on the same thread.
struct ConnectionState {
    virtual ~ConnectionState() = default;
};

class ConnectionPerThread {
public:
    // `add` registers a new connection under `name` (QSqlDatabase::addDatabase plus its options)
    // without opening it. `prefix` names the owner's connections; it must be unique in the process.
    using AddConnection = std::function<void(const QString& name)>;
    ConnectionPerThread(QString prefix, AddConnection add);
    // Removes the calling thread's connection; other threads remove theirs themselves.
    ~ConnectionPerThread();
    ConnectionPerThread(const ConnectionPerThread&) = delete;
    ConnectionPerThread& operator=(const ConnectionPerThread&) = delete;

    // This thread's connection, added on first use (not opened: the caller opens and configures it).
    QSqlDatabase database() const;
    // This thread's state for this owner's connection (null until set).
    std::unique_ptr<ConnectionState>& state() const;

    // A process-wide unique prefix, e.g. uniquePrefix("pc-workspace") → "pc-workspace-7-".
    static QString uniquePrefix(const QString& kind);

private:
    QString m_prefix;
    AddConnection m_add;
    std::shared_ptr<const bool> m_alive; // threads hold weak references: "is my owner still there?"
};

} // namespace pc::sql
