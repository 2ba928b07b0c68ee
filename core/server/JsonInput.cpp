#include "server/JsonInput.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace pc::server {

namespace {

// Deepest nesting of [ and { outside strings; stops counting past the limit.
int nestingDepth(const QByteArray& body)
{
    int depth = 0, deepest = 0;
    bool inString = false, escaped = false;
    for (char c : body) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '[' || c == '{')
            deepest = std::max(deepest, ++depth);
        else if (c == ']' || c == '}')
            --depth;
        if (deepest > kMaxJsonDepth)
            break;
    }
    return deepest;
}

} // namespace

ServerResult<QJsonObject> parseJsonObject(const QByteArray& contentType, const QByteArray& body)
{
    const QByteArray type = contentType.split(';').first().trimmed().toLower();
    if (type != "application/json")
        return ServerError::unsupported(QStringLiteral("send Content-Type: application/json"));
    if (body.trimmed().isEmpty())
        return ServerError::badRequest(QStringLiteral("empty body: expected a JSON object"));
    if (nestingDepth(body) > kMaxJsonDepth)
        return ServerError::badRequest(QStringLiteral("JSON nested deeper than %1 levels").arg(kMaxJsonDepth));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return ServerError::badRequest(QStringLiteral("malformed JSON at byte %1: %2").arg(error.offset).arg(error.errorString()));
    if (!doc.isObject())
        return ServerError::badRequest(QStringLiteral("expected a JSON object at the top"));
    return doc.object();
}

std::optional<ServerError> unknownField(const QJsonObject& object, const QStringList& known, const QString& where)
{
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!known.contains(it.key()))
            return ServerError::badRequest(QStringLiteral("unknown field '%1' in %2").arg(it.key().left(40), where));
    return std::nullopt;
}

} // namespace pc::server
