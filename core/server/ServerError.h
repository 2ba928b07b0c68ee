#pragma once
// A failed API operation: what kind of failure (it decides the HTTP status) and one line that
// says what and why. Stores return it; the API turns it into {"error": "…"}.
#include "Expected.h"

#include <QString>

namespace pc::server {

struct ServerError {
    enum class Kind { BadRequest, Forbidden, NotFound, Conflict, Unprocessable, TooLarge, Unsupported, Unavailable, Internal };
    Kind kind = Kind::Internal;
    QString message;

    static ServerError badRequest(const QString& m) { return {Kind::BadRequest, m}; }
    static ServerError forbidden(const QString& m) { return {Kind::Forbidden, m}; }
    static ServerError notFound(const QString& m) { return {Kind::NotFound, m}; }
    static ServerError conflict(const QString& m) { return {Kind::Conflict, m}; }
    static ServerError unprocessable(const QString& m) { return {Kind::Unprocessable, m}; }
    static ServerError unsupported(const QString& m) { return {Kind::Unsupported, m}; }
    static ServerError internal(const Error& e) { return {Kind::Internal, e.message}; }

    int httpStatus() const
    {
        switch (kind) {
        case Kind::BadRequest: return 400;
        case Kind::Forbidden: return 403;
        case Kind::NotFound: return 404;
        case Kind::Conflict: return 409;
        case Kind::Unprocessable: return 422;
        case Kind::TooLarge: return 413;
        case Kind::Unsupported: return 415;
        case Kind::Unavailable: return 503;
        case Kind::Internal: return 500;
        }
        return 500;
    }
};

template <class T>
using ServerResult = Expected<T, ServerError>;

} // namespace pc::server
