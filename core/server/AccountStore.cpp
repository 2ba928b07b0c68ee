#include "server/AccountStore.h"

#include "server/ServerDatabase.h"
#include "workspace/SqlSupport.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlQuery>

namespace pc::server {

namespace {

QString tokenHash(const QByteArray& secret)
{
    return QString::fromLatin1(QCryptographicHash::hash(secret, QCryptographicHash::Sha256).toHex());
}

QString newSecret()
{
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words); // the OS's CSPRNG
    const QByteArray raw(reinterpret_cast<const char*>(words), sizeof words);
    return QStringLiteral("pct_") + QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

TokenInfo tokenFrom(const QSqlQuery& q) // id, user_id, name, scope, created, expires, revoked, note
{
    TokenInfo t;
    t.id = q.value(0).toLongLong();
    t.userId = q.value(1).toLongLong();
    t.userName = q.value(2).toString();
    t.scope = scopeFromString(q.value(3).toString()).value_or(Scope::Read);
    t.created = sql::timeFromText(q.value(4).toString());
    t.expires = sql::timeFromText(q.value(5).toString());
    t.revoked = sql::timeFromText(q.value(6).toString());
    t.note = q.value(7).toString();
    return t;
}

const QString kTokenColumns = QStringLiteral(
    "SELECT t.id, t.user_id, u.name, t.scope, t.created, t.expires, t.revoked, t.note FROM tokens t JOIN users u ON u.id = t.user_id ");

Expected<IssuedToken> insertToken(const QSqlDatabase& c, qint64 userId, Scope scope, int validDays, const QString& note)
{
    if (validDays < 1 || validDays > AccountStore::kMaxTokenDays)
        return Error{QStringLiteral("a token is valid for 1 to %1 days, not %2").arg(AccountStore::kMaxTokenDays).arg(validDays)};
    IssuedToken issued;
    issued.secret = newSecret();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QSqlQuery q(c);
    if (!sql::exec(q, QStringLiteral("INSERT INTO tokens (user_id, hash, scope, created, expires, note) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                   {userId, tokenHash(issued.secret.toLatin1()), toString(scope), sql::timeText(now),
                    sql::timeText(now.addDays(validDays)), note.left(200)})
        || !q.next())
        return sql::error(QStringLiteral("cannot store the token"), q);
    issued.info.id = q.value(0).toLongLong();
    issued.info.userId = userId;
    issued.info.scope = scope;
    issued.info.created = now;
    issued.info.expires = now.addDays(validDays);
    issued.info.note = note;
    return issued;
}

} // namespace

bool AccountStore::isValidUserName(const QString& name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$"));
    return re.match(name).hasMatch();
}

Expected<IssuedToken> AccountStore::addUser(const QString& name, Role role, Scope scope, int validDays, const QString& note) const
{
    if (!isValidUserName(name))
        return Error{QStringLiteral("'%1' is not a valid user name (1-64 of A-Z a-z 0-9 . _ -)").arg(name.left(64))};
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return s.error();
    QSqlQuery q(tx.connection());
    if (!sql::exec(q, QStringLiteral("SELECT id FROM users WHERE name = ?"), {name}))
        return sql::error(QStringLiteral("cannot read users"), q);
    if (q.next())
        return Error{QStringLiteral("user '%1' exists already").arg(name)};
    if (!sql::exec(q, QStringLiteral("INSERT INTO users (name, role, created) VALUES (?, ?, ?) RETURNING id"),
                   {name, toString(role), sql::nowText()})
        || !q.next())
        return sql::error(QStringLiteral("cannot add user '%1'").arg(name), q);
    const qint64 userId = q.value(0).toLongLong();
    q.finish();
    auto token = insertToken(tx.connection(), userId, scope, validDays, note);
    if (!token)
        return token;
    token->info.userName = name;
    if (auto s = tx.commit(); !s)
        return s.error();
    return token;
}

Expected<QVector<User>> AccountStore::users() const
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(QStringLiteral("SELECT id, name, role, created FROM users ORDER BY id")))
        return sql::error(QStringLiteral("cannot read users"), q);
    QVector<User> out;
    while (q.next())
        out.push_back({q.value(0).toLongLong(), q.value(1).toString(),
                       roleFromString(q.value(2).toString()).value_or(Role::Curator), sql::timeFromText(q.value(3).toString())});
    return out;
}

Expected<std::optional<User>> AccountStore::userByName(const QString& name) const
{
    QSqlQuery q(m_db->connection());
    if (!sql::exec(q, QStringLiteral("SELECT id, name, role, created FROM users WHERE name = ?"), {name}))
        return sql::error(QStringLiteral("cannot read users"), q);
    if (!q.next())
        return std::optional<User>();
    return std::optional<User>(User{q.value(0).toLongLong(), q.value(1).toString(),
                                    roleFromString(q.value(2).toString()).value_or(Role::Curator),
                                    sql::timeFromText(q.value(3).toString())});
}

Expected<IssuedToken> AccountStore::issueToken(qint64 userId, Scope scope, int validDays, const QString& note) const
{
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return s.error();
    auto token = insertToken(tx.connection(), userId, scope, validDays, note);
    if (!token)
        return token;
    if (auto s = tx.commit(); !s)
        return s.error();
    return token;
}

Expected<QVector<TokenInfo>> AccountStore::tokens(qint64 userId) const
{
    QSqlQuery q(m_db->connection());
    const bool ok = userId > 0 ? sql::exec(q, kTokenColumns + QStringLiteral("WHERE t.user_id = ? ORDER BY t.id"), {userId})
                               : q.exec(kTokenColumns + QStringLiteral("ORDER BY t.id"));
    if (!ok)
        return sql::error(QStringLiteral("cannot read tokens"), q);
    QVector<TokenInfo> out;
    while (q.next())
        out.push_back(tokenFrom(q));
    return out;
}

Expected<bool> AccountStore::revokeToken(qint64 tokenId, qint64 ownerId) const
{
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return s.error();
    QSqlQuery q(tx.connection());
    const bool ok = ownerId > 0
        ? sql::exec(q, QStringLiteral("UPDATE tokens SET revoked = ? WHERE id = ? AND user_id = ? AND revoked = ''"), {sql::nowText(), tokenId, ownerId})
        : sql::exec(q, QStringLiteral("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked = ''"), {sql::nowText(), tokenId});
    if (!ok)
        return sql::error(QStringLiteral("cannot revoke token %1").arg(tokenId), q);
    const bool changed = q.numRowsAffected() > 0;
    if (auto s = tx.commit(); !s)
        return s.error();
    return changed;
}

Expected<Principal, AuthError> AccountStore::authenticate(const QByteArray& authorization) const
{
    const QByteArray value = authorization.trimmed();
    if (value.isEmpty())
        return AuthError{QStringLiteral("missing Authorization: Bearer token")};
    if (!value.startsWith("Bearer ") && !value.startsWith("bearer "))
        return AuthError{QStringLiteral("the Authorization header must be 'Bearer <token>'")};
    const QByteArray secret = value.mid(7).trimmed();
    if (secret.isEmpty() || secret.size() > 256)
        return AuthError{QStringLiteral("malformed bearer token")};
    // Looked up on every call (a prepared statement per thread), never cached: a token revoked or
    // expired by any process, the CLI included, fails its very next request.
    static const QString lookup = QStringLiteral("SELECT t.id, t.scope, t.expires, t.revoked, u.id, u.name, u.role, u.created "
                                                 "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?");
    QSqlQuery* q = m_db->prepared(lookup);
    if (!q)
        return AuthError{sql::error(QStringLiteral("cannot check the token"), m_db->connection()).message, true};
    if (!execPrepared(*q, {tokenHash(secret)})) {
        const QString why = sql::error(QStringLiteral("cannot check the token"), *q).message;
        q->finish();
        return AuthError{why, true};
    }
    if (!q->next()) {
        q->finish();
        return AuthError{QStringLiteral("unknown token")};
    }
    const bool revoked = !q->value(3).toString().isEmpty();
    const QDateTime expires = sql::timeFromText(q->value(2).toString());
    Principal p;
    p.tokenId = q->value(0).toLongLong();
    p.scope = scopeFromString(q->value(1).toString()).value_or(Scope::Read);
    p.user = {q->value(4).toLongLong(), q->value(5).toString(), roleFromString(q->value(6).toString()).value_or(Role::Curator),
              sql::timeFromText(q->value(7).toString())};
    q->finish();
    if (revoked)
        return AuthError{QStringLiteral("token revoked")};
    if (expires <= QDateTime::currentDateTimeUtc())
        return AuthError{QStringLiteral("token expired")};
    return p;
}

} // namespace pc::server
