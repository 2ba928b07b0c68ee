#include "server/HttpConnection.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <sys/socket.h>
#include <unistd.h>

namespace pc::server {

namespace {

constexpr qint64 kFileChunk = 256 * 1024;
constexpr qint64 kSocketHighWater = 1 << 20;
constexpr int kLingerMs = 3000;

// What every answer carries: nothing served here may be sniffed, framed, scripted or cached.
// The web page's files bring their own, less strict, Content-Security-Policy (ApiWeb.cpp).
const QByteArray kCommonHeaders = "X-Content-Type-Options: nosniff\r\n"
                                  "Referrer-Policy: no-referrer\r\n"
                                  "Cache-Control: no-store\r\n"
                                  "Server: petcurator-server\r\n";

const QByteArray kDefaultPolicy = "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; sandbox\r\n";

bool hasHeader(const ApiResponse& r, const QByteArray& name)
{
    return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
}

QByteArray pathOf(const QByteArray& target)
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.left(q);
}

} // namespace

qint64 AdmissionLimits::bodyLimit(const QByteArray& method, const QByteArray& target) const
{
    const QByteArray path = pathOf(target);
    if ((method == "PUT" && path.startsWith("/api/v1/images/")) || (method == "POST" && (path == "/api/v1/predict" || path == "/api/v1/predict/")))
        return maxImageBytes;
    if (method == "POST" && (path == "/api/v1/models" || path == "/api/v1/models/"))
        return maxModelBytes;
    return maxJsonBytes;
}

HttpConnection::HttpConnection(QTcpSocket* socket, const AdmissionLimits& limits, QObject* httpServer)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_httpServer(httpServer)
{
    setObjectName(QStringLiteral("pc-http-connection"));
    connect(socket, &QIODevice::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QIODevice::bytesWritten, this, &HttpConnection::onBytesWritten);
    m_idle.setSingleShot(true);
    m_idle.setInterval(m_limits.idleTimeoutMs);
    connect(&m_idle, &QTimer::timeout, this, &HttpConnection::onIdleTimeout);
    m_idle.start();
    m_linger.setSingleShot(true);
    m_linger.setInterval(kLingerMs);
    connect(&m_linger, &QTimer::timeout, this, [this] {
        if (m_socket)
            m_socket->abort();
    });
}

HttpConnection* HttpConnection::of(QTcpSocket* socket)
{
    return socket ? socket->findChild<HttpConnection*>(QStringLiteral("pc-http-connection"), Qt::FindDirectChildrenOnly) : nullptr;
}

void HttpConnection::touch()
{
    m_idle.start();
}

bool HttpConnection::isIdle() const
{
    return !m_admitted && m_pending.empty() && !m_file && (!m_socket || m_socket->bytesToWrite() == 0);
}

// The head of the request that starts at the front of the stream. Qt HttpServer may already
// have read part of it inside a transaction; rolling back to the transaction's start shows the
// whole head, and reading the same bytes again puts Qt's position back where it was.
QByteArray HttpConnection::peekHead(bool* complete) const
{
    QTcpSocket* s = m_socket;
    const qint64 window = m_limits.maxHeadBytes + 64;
    QByteArray data;
    if (s->isTransactionStarted()) {
        const qint64 after = s->bytesAvailable();
        s->rollbackTransaction();
        const qint64 consumed = s->bytesAvailable() - after;
        data = s->peek(window);
        s->startTransaction();
        if (consumed > 0)
            s->read(consumed);
    } else {
        data = s->peek(window);
    }
    qsizetype start = 0; // Qt skips blank lines between requests; so do we
    while (start < data.size() && (data[start] == '\r' || data[start] == '\n' || data[start] == ' ' || data[start] == '\t'))
        ++start;
    data = data.mid(start);
    qsizetype end = data.indexOf("\r\n\r\n");
    qsizetype endLf = data.indexOf("\n\n");
    if (end < 0 || (endLf >= 0 && endLf < end))
        end = endLf;
    *complete = end >= 0;
    return *complete ? data.left(end) : data;
}

void HttpConnection::onReadyRead()
{
    touch();
    if (!m_socket)
        return;
    if (m_rejected || m_writeShut) {
        if (m_socket->isTransactionStarted())
            m_socket->rollbackTransaction();
        m_socket->readAll(); // discarded: the connection is closing
        return;
    }
    if (m_admitted || m_socket->bytesAvailable() == 0)
        return;

    bool complete = false;
    const QByteArray head = peekHead(&complete);
    if (!complete) {
        if (head.size() > m_limits.maxHeadBytes)
            reject(431, QStringLiteral("request head exceeds %1 bytes").arg(m_limits.maxHeadBytes));
        return;
    }
    if (head.size() > m_limits.maxHeadBytes)
        return reject(431, QStringLiteral("request head exceeds %1 bytes").arg(m_limits.maxHeadBytes));

    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1."))
        return reject(400, QStringLiteral("malformed request line"));
    const QByteArray& method = requestLine[0];
    const QByteArray& target = requestLine[1];
    if (target.size() > m_limits.maxTargetBytes)
        return reject(414, QStringLiteral("request target exceeds %1 bytes").arg(m_limits.maxTargetBytes));

    qint64 length = 0;
    bool haveLength = false, expectContinue = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "transfer-encoding")
            return reject(411, QStringLiteral("chunked or encoded bodies are not accepted: send Content-Length"));
        if (name == "content-length") {
            bool ok = false;
            const qint64 n = value.toLongLong(&ok);
            if (!ok || n < 0 || value.isEmpty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return reject(400, QStringLiteral("malformed Content-Length"));
            if (haveLength && n != length)
                return reject(400, QStringLiteral("conflicting Content-Length headers"));
            haveLength = true;
            length = n;
        }
        if (name == "expect" && value.toLower() == "100-continue")
            expectContinue = true;
    }
    const qint64 limit = m_limits.bodyLimit(method, target);
    if (length > limit)
        return reject(413, QStringLiteral("a body of %1 bytes exceeds the %2-byte limit for %3 %4")
                               .arg(length).arg(limit).arg(QString::fromLatin1(method), QString::fromLatin1(pathOf(target)).left(80)));
    m_admitted = true;
    if (expectContinue && length > 0)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
}

void HttpConnection::reject(int status, const QString& reason)
{
    m_rejected = true;
    m_admitted = false;
    // Qt must not read (and buffer) the body it would otherwise wait for.
    if (m_httpServer)
        QObject::disconnect(m_socket, &QIODevice::readyRead, m_httpServer, nullptr);
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    m_socket->readAll();
    const quint64 ticket = m_nextTicket++;
    m_pending[ticket] = Pending{true, true, ApiResponse::error(status, reason)};
    writeReady();
}

quint64 HttpConnection::requestComplete(bool closeAfter)
{
    m_admitted = false;
    m_finishCurrent = false;
    touch();
    const quint64 ticket = m_nextTicket++;
    m_pending[ticket] = Pending{closeAfter, false, {}};
    return ticket;
}

void HttpConnection::deliver(quint64 ticket, ApiResponse response)
{
    auto it = m_pending.find(ticket);
    if (it == m_pending.end())
        return; // the connection closed meanwhile
    it->second.response = std::move(response);
    it->second.ready = true;
    writeReady();
}

void HttpConnection::writeReady()
{
    while (!m_file && !m_writeShut && m_socket) {
        auto it = m_pending.find(m_nextToWrite);
        if (it == m_pending.end() || !it->second.ready)
            break;
        Pending p = std::move(it->second);
        m_pending.erase(it);
        ++m_nextToWrite;
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            continue;

        const ApiResponse& r = p.response;
        const qint64 length = r.file ? r.file->size() : r.body.size();
        QByteArray out;
        out.reserve(400 + (r.file ? 0 : r.body.size()));
        out += "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reasonPhrase(r.status) + "\r\n";
        out += "Content-Type: " + r.contentType + "\r\n";
        out += "Content-Length: " + QByteArray::number(length) + "\r\n";
        out += kCommonHeaders;
        if (!hasHeader(r, "Content-Security-Policy"))
            out += kDefaultPolicy;
        for (const auto& [name, value] : r.headers)
            out += name + ": " + value + "\r\n";
        const bool closeAfter = p.closeAfter || (m_closing && m_pending.empty());
        if (closeAfter)
            out += "Connection: close\r\n";
        out += "\r\n";
        touch();
        if (r.file) {
            m_socket->write(out);
            m_file = r.file;
            m_fileLeft = length;
            m_fileCloseAfter = closeAfter;
            ::lseek(m_file->fd(), 0, SEEK_SET);
            pumpFile();
            return;
        }
        out += r.body;
        m_socket->write(out);
        if (closeAfter)
            return startClosing();
    }
    if (m_closing && m_pending.empty() && !m_file && !m_admitted && !m_writeShut)
        return startClosing();
    if (isIdle())
        Q_EMIT becameIdle();
}

void HttpConnection::pumpFile()
{
    while (m_file && m_fileLeft > 0 && m_socket && m_socket->bytesToWrite() < kSocketHighWater) {
        QByteArray chunk(qsizetype(std::min(kFileChunk, m_fileLeft)), Qt::Uninitialized);
        const ssize_t n = ::read(m_file->fd(), chunk.data(), size_t(chunk.size()));
        if (n <= 0) { // the file is shorter than announced: the response can only be cut
            m_file.reset();
            m_socket->abort();
            return;
        }
        m_socket->write(chunk.constData(), n);
        m_fileLeft -= n;
    }
    if (m_file && m_fileLeft == 0) {
        m_file.reset();
        if (m_fileCloseAfter)
            return startClosing();
        writeReady();
    }
}

void HttpConnection::onBytesWritten()
{
    touch();
    if (m_file)
        return pumpFile();
    if (m_writeShut && m_socket && m_socket->bytesToWrite() == 0 && !m_linger.isActive())
        return startClosing();
    if (isIdle())
        Q_EMIT becameIdle();
}

// Half-close after the last response and keep discarding input for a moment: closing with
// unread input would send a reset that can destroy the answer before the client reads it.
void HttpConnection::startClosing()
{
    m_writeShut = true;
    m_pending.clear();
    if (!m_socket)
        return;
    if (m_httpServer)
        QObject::disconnect(m_socket, &QIODevice::readyRead, m_httpServer, nullptr);
    if (m_socket->bytesToWrite() > 0)
        return; // onBytesWritten comes back here once the socket has drained
    if (m_linger.isActive())
        return;
    if (qobject_cast<QSslSocket*>(m_socket.data()))
        m_socket->disconnectFromHost();
    else
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_linger.start();
    if (m_socket->bytesAvailable() > 0)
        m_socket->readAll();
    Q_EMIT becameIdle();
}

void HttpConnection::closeWhenDone()
{
    m_closing = true;
    m_finishCurrent = m_admitted;
    if (m_pending.empty() && !m_file && !m_admitted)
        startClosing();
}

void HttpConnection::onIdleTimeout()
{
    if (!m_socket)
        return;
    if (!m_pending.empty() || m_file) { // still computing or streaming: not idle
        m_idle.start();
        return;
    }
    m_socket->abort(); // a silent client (or one that stalled mid-request)
}

} // namespace pc::server
