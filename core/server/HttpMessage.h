#pragma once
// A request as the API sees it (copied out of Qt's request before the work leaves the main
// thread, QTBUG-105202) and the response it gives back. Plain values: safe to pass between threads.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <memory>

namespace pc::server {

struct ApiRequest {
    QByteArray method;        // "GET", "PUT", …
    QString path;             // percent-encoded, as sent
    QString query;            // percent-encoded, without '?'
    QByteArray authorization; // header values, empty when absent
    QByteArray contentType;
    QByteArray checksum;      // X-Checksum-Sha256
    QByteArray body;
};

// A response body read from an open file descriptor (an unlinked temporary file), so an archive
// of any size streams without being held in memory. Closes the descriptor when dropped.
class FileBody {
public:
    FileBody(int fd, qint64 size) : m_fd(fd), m_size(size) {}
    ~FileBody();
    FileBody(const FileBody&) = delete;
    FileBody& operator=(const FileBody&) = delete;
    int fd() const { return m_fd; }
    qint64 size() const { return m_size; }

private:
    int m_fd;
    qint64 m_size;
};

struct ApiResponse {
    int status = 200;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers; // beyond Content-Type/Length and the common ones
    QByteArray body;
    std::shared_ptr<FileBody> file;                // when set, the body comes from here instead

    void addHeader(const QByteArray& name, const QByteArray& value) { headers.append(qMakePair(name, value)); }

    static ApiResponse json(int status, const QJsonObject& object);
    static ApiResponse json(int status, const QJsonArray& array);
    // {"error": "<one line>"}: every 4xx and 5xx answer.
    static ApiResponse error(int status, const QString& reason);
    static ApiResponse bytes(int status, const QByteArray& contentType, const QByteArray& body);
};

QByteArray reasonPhrase(int status);

} // namespace pc::server
