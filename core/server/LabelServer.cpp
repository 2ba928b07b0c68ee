#include "server/LabelServer.h"

#include "server/Api.h"
#include "server/GuardedTcpServer.h"

#include <QHttpServerRequest>
#include <QPointer>
#include <QTcpSocket>

namespace pc::server {

namespace {

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    case QHttpServerRequest::Method::Connect: return "CONNECT";
    case QHttpServerRequest::Method::Trace: return "TRACE";
    default: return "UNKNOWN";
    }
}

} // namespace

LabelServer::LabelServer(std::shared_ptr<const Api> api, int threads, InferenceOptions inference, QObject* parent)
    : QAbstractHttpServer(parent)
    , m_api(std::move(api))
    , m_inference(inference.workers, inference.queue)
{
    m_pool.setMaxThreadCount(std::max(1, threads));
    m_pool.setExpiryTimeout(-1); // threads keep their database connections for the server's life
    m_drainPoll.setInterval(50);
    connect(&m_drainPoll, &QTimer::timeout, this, &LabelServer::checkDrained);
    m_drainDeadline.setSingleShot(true);
    connect(&m_drainDeadline, &QTimer::timeout, this, [this] {
        if (m_drainedEmitted)
            return;
        m_drainedEmitted = true;
        m_drainPoll.stop();
        Q_EMIT drained(false);
    });
}

LabelServer::~LabelServer()
{
    m_pool.waitForDone(); // the workers hold `this` until they have posted their result
    m_inference.waitForDone();
}

Expected<quint16> LabelServer::listen(const QHostAddress& address, quint16 port, const AdmissionLimits& limits,
                                      std::optional<QSslConfiguration> tls)
{
    auto* server = new GuardedTcpServer(limits, std::move(tls), this);
    if (!server->listen(address, port)) {
        const QString why = server->errorString();
        delete server;
        return Error{QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why)};
    }
    bind(server);
    return server->serverPort();
}

bool LabelServer::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    HttpConnection* connection = HttpConnection::of(socket);
    if (!connection) {
        socket->abort();
        return true;
    }
    const bool serve = connection->servesCurrentRequest();
    const bool close = m_draining || request.value(QByteArrayLiteral("connection")).toLower().contains("close");
    const quint64 ticket = connection->requestComplete(close);
    if (!serve) {
        connection->deliver(ticket, ApiResponse::error(503, QStringLiteral("the server is shutting down")));
        return true;
    }

    // Everything the handler needs, copied now: Qt reuses its request object for the next one.
    ApiRequest copy;
    copy.method = methodName(request.method());
    copy.path = request.url().path(QUrl::FullyEncoded);
    copy.query = request.url().query(QUrl::FullyEncoded);
    copy.authorization = request.value(QByteArrayLiteral("authorization"));
    copy.contentType = request.value(QByteArrayLiteral("content-type"));
    copy.checksum = request.value(QByteArrayLiteral("x-checksum-sha256"));
    copy.body = request.body();

    const bool prediction = Api::isPrediction(copy.method, copy.path);
    QPointer<HttpConnection> target(connection);
    auto work = [this, api = m_api, copy = std::move(copy), target, ticket]() {
        ApiResponse response;
        try {
            response = api->handle(copy);
        } catch (const std::exception& e) {
            response = ApiResponse::error(500, QStringLiteral("internal error: %1").arg(QString::fromLocal8Bit(e.what())));
        }
        QMetaObject::invokeMethod(
            this,
            [this, target, ticket, response = std::move(response)]() mutable {
                --m_inFlight;
                if (target) // gone with its socket when the client disconnected: nothing to write to
                    target->deliver(ticket, std::move(response));
                if (m_draining)
                    checkDrained();
            },
            Qt::QueuedConnection);
    };
    if (prediction) {
        ++m_inFlight;
        if (!m_inference.tryStart(std::move(work))) {
            --m_inFlight;
            ApiResponse busy = ApiResponse::error(503, QStringLiteral("too many predictions waiting (%1); retry in a second").arg(m_inference.capacity()));
            busy.addHeader("Retry-After", "1");
            connection->deliver(ticket, std::move(busy));
        }
        return true;
    }
    ++m_inFlight;
    m_pool.start(std::move(work));
    return true;
}

void LabelServer::missingHandler(const QHttpServerRequest&, QTcpSocket* socket)
{
    socket->abort(); // unreachable: handleRequest takes every request
}

void LabelServer::shutdown(int timeoutMs)
{
    if (m_draining)
        return;
    m_draining = true;
    for (QTcpServer* s : servers())
        s->close(); // no new connections from here on
    for (auto* s : findChildren<GuardedTcpServer*>())
        for (HttpConnection* c : s->connections())
            c->closeWhenDone();
    m_drainDeadline.start(timeoutMs);
    m_drainPoll.start();
    checkDrained();
}

bool LabelServer::allIdle() const
{
    for (auto* s : findChildren<GuardedTcpServer*>())
        for (HttpConnection* c : s->connections())
            if (!c->isIdle())
                return false;
    return true;
}

void LabelServer::checkDrained()
{
    if (!m_draining || m_drainedEmitted || m_inFlight > 0 || !allIdle())
        return;
    m_drainedEmitted = true;
    m_drainPoll.stop();
    m_drainDeadline.stop();
    Q_EMIT drained(true);
}

} // namespace pc::server
