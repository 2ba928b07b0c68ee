#include "sync/ServerClient.h"

#include <QBuffer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QTimer>

namespace pc::sync {

bool HttpResult::transient() const
{
    if (status == 0)
        return true; // refused, reset, DNS hiccup, the transfer timeout (OperationCanceledError)
    return status == 408 || status == 429 || status >= 500;
}

QJsonObject HttpResult::json() const { return QJsonDocument::fromJson(body).object(); }

QString HttpResult::message() const
{
    if (status == 0) {
        switch (network) {
        case QNetworkReply::ConnectionRefusedError: return QStringLiteral("server unreachable (connection refused)");
        case QNetworkReply::HostNotFoundError: return QStringLiteral("server unreachable (host not found)");
        case QNetworkReply::OperationCanceledError:
        case QNetworkReply::TimeoutError: return QStringLiteral("server unreachable (no answer in time)");
        case QNetworkReply::RemoteHostClosedError: return QStringLiteral("server unreachable (connection closed)");
        case QNetworkReply::SslHandshakeFailedError: return QStringLiteral("TLS handshake failed: %1").arg(networkText);
        default: return QStringLiteral("server unreachable (%1)").arg(networkText);
        }
    }
    QString why = json().value(QStringLiteral("error")).toString();
    if (why.isEmpty())
        why = QString::fromUtf8(body.left(200)).simplified();
    if (status == 401)
        return QStringLiteral("the server refused the token (%1)").arg(why);
    return why.isEmpty() ? QStringLiteral("HTTP %1").arg(status) : QStringLiteral("HTTP %1: %2").arg(status).arg(why);
}

ServerClient::ServerClient(const QUrl& base, const QString& token, int timeoutMs)
    : m_base(base)
    , m_authorization("Bearer " + token.trimmed().toUtf8())
    , m_timeoutMs(timeoutMs)
    , m_nam(std::make_unique<QNetworkAccessManager>())
{
    m_nam->setTransferTimeout(timeoutMs);
}

ServerClient::~ServerClient() = default;

QString ServerClient::checkUrl(const QUrl& url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("'%1' is not a server URL (e.g. http://team-host:8750)").arg(url.toString());
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return QStringLiteral("the server URL must start with http:// or https://, not '%1'").arg(url.toString());
    return {};
}

HttpResult ServerClient::get(const QString& pathAndQuery) { return send("GET", pathAndQuery, {}, {}); }

HttpResult ServerClient::postJson(const QString& path, const QJsonObject& body)
{
    return send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json");
}

HttpResult ServerClient::put(const QString& path, const QByteArray& body, const QByteArray& contentType)
{
    return send("PUT", path, body, contentType);
}

HttpResult ServerClient::send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& body, const QByteArray& contentType)
{
    QUrl url = m_base;
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + (q < 0 ? pathAndQuery : pathAndQuery.left(q)));
    url.setQuery(q < 0 ? QString() : pathAndQuery.mid(q + 1));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", m_authorization);
    request.setRawHeader("Accept", "application/json");
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);

    QBuffer* upload = nullptr;
    if (!body.isEmpty() || method == "POST" || method == "PUT") {
        upload = new QBuffer;
        upload->setData(body);
        upload->open(QIODevice::ReadOnly);
    }
    QNetworkReply* reply = m_nam->sendCustomRequest(request, method, upload);
    if (upload)
        upload->setParent(reply);

    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer cancelPoll; // a cancel from another thread ends the wait within 100 ms
    if (m_cancel) {
        QObject::connect(&cancelPoll, &QTimer::timeout, reply, [this, reply] {
            if (m_cancel->load())
                reply->abort();
        });
        cancelPoll.start(100);
    }
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);

    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.network = reply->error();
    r.networkText = reply->errorString();
    r.body = reply->readAll();
    for (const auto& [name, value] : reply->rawHeaderPairs())
        r.headers.insert(name.toLower(), value);
    reply->deleteLater();
    return r;
}

} // namespace pc::sync
