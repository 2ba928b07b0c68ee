#pragma once
// The HTTP side of petcurator-server: Qt HttpServer parses requests on the main thread; each
// complete request is copied into an ApiRequest and handed to our own thread pool (SQL and disk
// work never run on the accepting thread); the response comes back to the main thread and is
// written only if its connection still exists (the safe responder pattern, QTBUG-105202).
// Predictions go to their own pool (InferencePool: one worker per core, a bounded queue); past
// its bound they are answered 503 with Retry-After on the spot, never queued without limit.
// shutdown() stops accepting, lets in-flight requests finish, then emits drained().
#include "Expected.h"
#include "server/HttpConnection.h"
#include "server/InferencePool.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QThreadPool>
#include <QTimer>
#include <memory>
#include <optional>

namespace pc::server {

class Api;

struct InferenceOptions {
    int workers = 0; // 0: one per core
    int queue = 0;   // waiting predictions beyond the running ones; 0: 16 per worker
};

class LabelServer : public QAbstractHttpServer {
    Q_OBJECT
public:
    LabelServer(std::shared_ptr<const Api> api, int threads, InferenceOptions inference = {}, QObject* parent = nullptr);
    ~LabelServer() override;

    // Returns the bound port (useful with port 0).
    Expected<quint16> listen(const QHostAddress& address, quint16 port, const AdmissionLimits& limits,
                             std::optional<QSslConfiguration> tls);
    // Stops accepting; emits drained() once nothing is in flight, or after `timeoutMs`.
    void shutdown(int timeoutMs);
    int inFlight() const { return m_inFlight; }
    const InferencePool& inference() const { return m_inference; }

Q_SIGNALS:
    void drained(bool complete); // false: the timeout cut some requests short

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    void checkDrained();
    bool allIdle() const;

    std::shared_ptr<const Api> m_api;
    QThreadPool m_pool;
    InferencePool m_inference;
    int m_inFlight = 0; // main thread only
    bool m_draining = false;
    bool m_drainedEmitted = false;
    QTimer m_drainPoll;
    QTimer m_drainDeadline;
};

} // namespace pc::server
