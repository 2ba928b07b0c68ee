#include "server/HttpMessage.h"

#include <QJsonDocument>
#include <unistd.h>

namespace pc::server {

FileBody::~FileBody()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

ApiResponse ApiResponse::json(int status, const QJsonObject& object)
{
    return bytes(status, "application/json", QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n');
}

ApiResponse ApiResponse::json(int status, const QJsonArray& array)
{
    return bytes(status, "application/json", QJsonDocument(array).toJson(QJsonDocument::Compact) + '\n');
}

ApiResponse ApiResponse::error(int status, const QString& reason)
{
    QString line = reason;
    line.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
    return json(status, QJsonObject{{QStringLiteral("error"), line.simplified().left(500)}});
}

ApiResponse ApiResponse::bytes(int status, const QByteArray& contentType, const QByteArray& body)
{
    ApiResponse r;
    r.status = status;
    r.contentType = contentType;
    r.body = body;
    return r;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

} // namespace pc::server
