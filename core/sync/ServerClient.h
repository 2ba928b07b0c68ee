#pragma once
// HTTP to the team server for one thread: QNetworkAccessManager driven synchronously (a local
// event loop per request), so the sync code reads top to bottom. Create and use it on the same
// worker thread (never the UI thread). Authorization: Bearer on every request.
#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QNetworkReply>
#include <QString>
#include <QUrl>
#include <atomic>
#include <memory>

class QNetworkAccessManager;

namespace pc::sync {

struct HttpResult {
    int status = 0; // 0: no HTTP answer at all
    QNetworkReply::NetworkError network = QNetworkReply::NoError;
    QString networkText;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names

    bool ok() const { return status >= 200 && status < 300; }
    // Worth trying again later: no answer (refused, reset, timed out), 408, 429 or a 5xx.
    bool transient() const;
    bool unauthorized() const { return status == 401 || status == 403; }
    QJsonObject json() const;
    QByteArray header(const char* name) const { return headers.value(QByteArray(name).toLower()); }
    // One line in words: "server unreachable (connection refused)", "403: the curator role may not do this".
    QString message() const;
};

class ServerClient {
public:
    // `base`: http(s)://host:port; `timeoutMs`: no byte for this long ends a request (transient).
    ServerClient(const QUrl& base, const QString& token, int timeoutMs = 30000);
    ~ServerClient();
    ServerClient(const ServerClient&) = delete;
    ServerClient& operator=(const ServerClient&) = delete;

    QUrl base() const { return m_base; }
    // Set from another thread to abandon the request in flight (it ends as transient).
    void setCancelFlag(const std::atomic_bool* cancel) { m_cancel = cancel; }

    HttpResult get(const QString& pathAndQuery);
    HttpResult postJson(const QString& path, const QJsonObject& body);
    HttpResult put(const QString& path, const QByteArray& body, const QByteArray& contentType);

    // An http(s) URL with a host, or why not, in words.
    static QString checkUrl(const QUrl& url);

private:
    HttpResult send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& body, const QByteArray& contentType);

    QUrl m_base;
    QByteArray m_authorization;
    int m_timeoutMs;
    const std::atomic_bool* m_cancel = nullptr;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

} // namespace pc::sync
