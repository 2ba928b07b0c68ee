#pragma once
// Strict JSON request bodies: a JSON Content-Type, a bounded nesting depth (checked on the raw
// bytes before Qt parses anything), an object at the top, and only the fields an endpoint knows.
#include "server/ServerError.h"

#include <QJsonObject>
#include <QStringList>

namespace pc::server {

constexpr int kMaxJsonDepth = 8;

ServerResult<QJsonObject> parseJsonObject(const QByteArray& contentType, const QByteArray& body);
// 400 naming the first key that is not in `known`.
std::optional<ServerError> unknownField(const QJsonObject& object, const QStringList& known, const QString& where);

} // namespace pc::server
