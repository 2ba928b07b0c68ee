#include "server/GuardedTcpServer.h"

#include <QSslSocket>

namespace pc::server {

GuardedTcpServer::GuardedTcpServer(const AdmissionLimits& limits, std::optional<QSslConfiguration> tls, QObject* parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_tls(std::move(tls))
{
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    QTcpSocket* socket = nullptr;
    if (m_tls) {
        auto* ssl = new QSslSocket(this);
        if (!ssl->setSocketDescriptor(descriptor)) {
            delete ssl;
            return;
        }
        ssl->setSslConfiguration(*m_tls);
        ssl->startServerEncryption();
        connect(ssl, &QSslSocket::sslErrors, ssl, [ssl](const QList<QSslError>&) { ssl->abort(); });
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // The http server is our parent once bound; its own readyRead handler is connected after ours.
    new HttpConnection(socket, m_limits, parent());
    addPendingConnection(socket);
}

QList<HttpConnection*> GuardedTcpServer::connections() const
{
    return findChildren<HttpConnection*>(QStringLiteral("pc-http-connection"));
}

} // namespace pc::server
