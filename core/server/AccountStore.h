#pragma once
// Users, their roles and their API tokens. A token is shown once when issued; only its SHA-256 is
// stored, so a copy of the database lets nobody in. Tokens expire and can be revoked.
#include "Expected.h"
#include "server/Roles.h"

#include <QDateTime>
#include <QVector>
#include <memory>
#include <optional>

namespace pc::server {

class ServerDatabase;

struct User {
    qint64 id = 0;
    QString name;
    Role role = Role::Curator;
    QDateTime created;
};

struct TokenInfo {
    qint64 id = 0;
    qint64 userId = 0;
    QString userName;
    Scope scope = Scope::Full;
    QDateTime created, expires, revoked; // revoked is invalid while the token is live
    QString note;
};

struct IssuedToken {
    QString secret; // "pct_…": shown once, never stored
    TokenInfo info;
};

// Who is calling: the user behind a valid token, and that token's scope.
struct Principal {
    User user;
    qint64 tokenId = 0;
    Scope scope = Scope::Full;
};

struct AuthError {
    QString message;
    bool serverFault = false; // the check itself failed (database down): 503, not 401
};

class AccountStore {
public:
    static constexpr int kDefaultTokenDays = 90;
    static constexpr int kMaxTokenDays = 3650;

    explicit AccountStore(std::shared_ptr<const ServerDatabase> db) : m_db(std::move(db)) {}

    // 1–64 characters of [A-Za-z0-9._-], not starting with '.' or '-'.
    static bool isValidUserName(const QString& name);

    // Creates the user and a first token.
    Expected<IssuedToken> addUser(const QString& name, Role role, Scope scope = Scope::Full,
                                  int validDays = kDefaultTokenDays, const QString& note = {}) const;
    Expected<QVector<User>> users() const;
    Expected<std::optional<User>> userByName(const QString& name) const;

    Expected<IssuedToken> issueToken(qint64 userId, Scope scope, int validDays, const QString& note = {}) const;
    // Every token of one user, or of everyone with userId 0.
    Expected<QVector<TokenInfo>> tokens(qint64 userId = 0) const;
    // Revokes token `tokenId`; with ownerId set, only when that user owns it (an admin passes 0).
    // False when there is no such token (for this owner) or it was revoked already.
    Expected<bool> revokeToken(qint64 tokenId, qint64 ownerId = 0) const;

    // Checks an "Authorization: Bearer …" header value.
    Expected<Principal, AuthError> authenticate(const QByteArray& authorization) const;

private:
    std::shared_ptr<const ServerDatabase> m_db;
};

} // namespace pc::server
