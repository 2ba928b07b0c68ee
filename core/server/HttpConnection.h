#pragma once
// One client connection, on the main thread, next to Qt HttpServer's own handling of it:
//  - admission: before Qt reads a request's body, its head is peeked at; an oversized
//    Content-Length gets 413, a chunked body 411, an oversized head 431, all before one body byte
//    is buffered (Qt HttpServer 6.4 has no body limit); `Expect: 100-continue` gets its 100;
//  - delivery: responses finish on worker threads in any order and go out in request order;
//  - streaming: a file body is written as the socket drains, never held in memory whole;
//  - closing: after a response that asks for it, with a lingering close so the client reads the
//    answer instead of a reset; idle connections time out.
#include "server/HttpMessage.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <map>

class QTcpSocket;

namespace pc::server {

struct AdmissionLimits {
    qint64 maxHeadBytes = 16 * 1024;
    qint64 maxTargetBytes = 4 * 1024;
    qint64 maxJsonBytes = 1 << 20;
    qint64 maxImageBytes = 25ll << 20;
    qint64 maxModelBytes = 256ll << 20;
    int idleTimeoutMs = 60'000;

    // The largest body a request line may announce: images and model bundles have their own.
    qint64 bodyLimit(const QByteArray& method, const QByteArray& target) const;
};

class HttpConnection : public QObject {
    Q_OBJECT
public:
    // Becomes a child of `socket`. Connect it before Qt HttpServer connects its own readyRead:
    // slots run in connection order, and admission must see each request first.
    HttpConnection(QTcpSocket* socket, const AdmissionLimits& limits, QObject* httpServer);
    static HttpConnection* of(QTcpSocket* socket);

    // Whether the request Qt just parsed should be served: during shutdown only the one that was
    // already arriving when it began; later ones get 503.
    bool servesCurrentRequest() const { return !m_closing || m_finishCurrent; }
    // Qt has parsed a whole request: the next bytes start a new one. Returns the request's place
    // in the response order.
    quint64 requestComplete(bool closeAfter);
    // The response for `ticket`; written once every earlier one is out.
    void deliver(quint64 ticket, ApiResponse response);
    // Nothing being received, computed or written.
    bool isIdle() const;
    // Shutdown: close now when idle, else after the responses still owed.
    void closeWhenDone();

Q_SIGNALS:
    void becameIdle();

private:
    void onReadyRead();
    void onBytesWritten();
    void onIdleTimeout();
    void reject(int status, const QString& reason);
    QByteArray peekHead(bool* complete) const;
    void writeReady();
    void pumpFile();
    void finishCurrent();
    void startClosing();
    void touch();

    struct Pending {
        bool closeAfter = false;
        bool ready = false;
        ApiResponse response;
    };

    QPointer<QTcpSocket> m_socket;
    AdmissionLimits m_limits;
    QPointer<QObject> m_httpServer;
    QTimer m_idle;
    QTimer m_linger;

    bool m_admitted = false;   // the current request's head passed admission
    bool m_rejected = false;   // a request was refused: discard input until closed
    bool m_closing = false;    // no more requests: close after the owed responses
    bool m_finishCurrent = false; // closing began while this request was arriving: serve it
    bool m_writeShut = false;

    quint64 m_nextTicket = 0;
    quint64 m_nextToWrite = 0;
    std::map<quint64, Pending> m_pending;
    // The response being written, when it streams from a file.
    std::shared_ptr<FileBody> m_file;
    qint64 m_fileLeft = 0;
    bool m_fileCloseAfter = false;
};

} // namespace pc::server
