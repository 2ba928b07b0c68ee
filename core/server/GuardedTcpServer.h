#pragma once
// The listening socket handed to Qt HttpServer (QAbstractHttpServer::bind): every accepted
// connection gets its HttpConnection (admission, ordered delivery) before Qt sees it, and is
// wrapped in TLS when a configuration is set.
#include "server/HttpConnection.h"

#include <QSslConfiguration>
#include <QTcpServer>
#include <optional>

namespace pc::server {

class GuardedTcpServer : public QTcpServer {
    Q_OBJECT
public:
    GuardedTcpServer(const AdmissionLimits& limits, std::optional<QSslConfiguration> tls, QObject* parent = nullptr);

    // Every live connection (for draining at shutdown).
    QList<HttpConnection*> connections() const;

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    AdmissionLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
};

} // namespace pc::server
