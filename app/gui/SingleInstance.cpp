#include "SingleInstance.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QThread>
#include <unistd.h>

namespace pc {

namespace {
constexpr int kTimeoutMs = 3000;

// Per user and per workspace: the same folder reached by two paths is one name. The folder is made
// first, so that a new workspace's name is already its canonical path.
QString socketNameFor(const QString& workspaceDir)
{
    QDir().mkpath(workspaceDir);
    QString canonical = QFileInfo(workspaceDir).canonicalFilePath();
    if (canonical.isEmpty()) // could not be made: claim() reports that through the lock file
        canonical = QDir::cleanPath(QDir(workspaceDir).absolutePath());
    const QByteArray hash = QCryptographicHash::hash(canonical.toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
    return QStringLiteral("petcurator-%1-%2").arg(getuid()).arg(QString::fromLatin1(hash));
}
} // namespace

SingleInstance::SingleInstance(const QString& workspaceDir, QObject* parent)
    : QObject(parent),
      m_workspaceDir(workspaceDir),
      m_socketName(socketNameFor(workspaceDir)),
      m_lock(QDir(workspaceDir).filePath(QStringLiteral("petcurator-app.lock")))
{
    m_lock.setStaleLockTime(0); // a lock is stale only when its process is gone, never by age
}

SingleInstance::~SingleInstance()
{
    if (m_server)
        m_server->close();
}

SingleInstance::Role SingleInstance::claim(const QStringList& files)
{
    QElapsedTimer waited;
    waited.start();
    // The first instance may hold the lock and not listen yet (it is starting): ask again for a while.
    while (true) {
        if (m_lock.tryLock(0)) {
            listen();
            return Role::Primary;
        }
        if (handOver(files))
            return Role::HandedOver;
        if (m_lock.error() == QLockFile::LockFailedError && waited.elapsed() > kTimeoutMs)
            break;
        if (m_lock.error() == QLockFile::PermissionError) {
            m_error = QStringLiteral("cannot create a lock file in %1 (permission denied)").arg(m_workspaceDir);
            return Role::Refused;
        }
        QThread::msleep(100);
    }
    qint64 pid = 0;
    QString host, app;
    m_lock.getLockInfo(&pid, &host, &app);
    m_error = QStringLiteral("the workspace %1 is open in another PetCurator (process %2) that does not answer").arg(m_workspaceDir).arg(pid);
    return Role::Refused;
}

bool SingleInstance::handOver(const QStringList& files)
{
    QLocalSocket socket;
    socket.connectToServer(m_socketName);
    if (!socket.waitForConnected(kTimeoutMs / 3))
        return false;
    QStringList absolute;
    for (const QString& f : files)
        absolute << QFileInfo(f).absoluteFilePath();
    QByteArray message;
    QDataStream out(&message, QIODevice::WriteOnly);
    out << absolute;
    socket.write(message);
    if (!socket.waitForBytesWritten(kTimeoutMs))
        return false;
    // The primary answers once it has taken the files, so a launcher that exits can't lose them.
    return socket.waitForReadyRead(kTimeoutMs) && socket.readAll() == "ok";
}

void SingleInstance::listen()
{
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    QLocalServer::removeServer(m_socketName); // a socket file left by a crashed instance (we hold the lock)
    if (!m_server->listen(m_socketName)) {
        qWarning("petcurator: later launches can't hand over files: %s", qPrintable(m_server->errorString()));
        return;
    }
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket* socket = m_server->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, socket, [this, socket] {
                QDataStream in(socket);
                in.startTransaction();
                QStringList files;
                in >> files;
                if (!in.commitTransaction())
                    return; // more bytes to come
                socket->write("ok");
                socket->flush();
                Q_EMIT filesHandedOver(files);
            });
        }
    });
}

} // namespace pc
