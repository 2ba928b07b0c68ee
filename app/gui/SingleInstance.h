#pragma once
// One desktop app per workspace. The first instance holds the workspace's lock file and listens on
// a local socket named after the workspace; a second launch on the same workspace hands it its
// files ("Open with PetCurator", `petcurator FILE…`), the first raises its window, and the second
// exits. Two instances never open one workspace.
#include <QLockFile>
#include <QObject>
#include <QStringList>
#include <memory>

class QLocalServer;

namespace pc {

class SingleInstance : public QObject {
    Q_OBJECT
public:
    enum class Role { Primary, HandedOver, Refused };

    explicit SingleInstance(const QString& workspaceDir, QObject* parent = nullptr);
    ~SingleInstance() override;

    // Primary: this process owns the workspace and now listens. HandedOver: a running instance took
    // `files` (possibly none: it just comes to the front). Refused: the workspace is locked by a
    // process that doesn't answer; error() says which.
    Role claim(const QStringList& files);
    QString error() const { return m_error; }

Q_SIGNALS:
    // In the primary, when a later launch hands over: its files (absolute paths), maybe empty.
    void filesHandedOver(const QStringList& files);

private:
    bool handOver(const QStringList& files);
    void listen();

    QString m_workspaceDir;
    QString m_socketName;
    QLockFile m_lock;
    QLocalServer* m_server = nullptr;
    QString m_error;
};

} // namespace pc
