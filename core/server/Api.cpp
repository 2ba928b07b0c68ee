#include "server/Api.h"

#include "server/JsonInput.h"
#include "server/ModelSigner.h"
#include "server/ServedModel.h"
#include "server/ServerDatabase.h"
#include "server/ServerSchema.h"

#include <QJsonArray>
#include <QSqlQuery>

namespace pc::server {

namespace {

bool isPathChar(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
        || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') || c == QLatin1Char('_')
        || c == QLatin1Char('.') || c == QLatin1Char('/');
}

ApiResponse methodNotAllowed(const QByteArray& allowed)
{
    ApiResponse r = ApiResponse::error(405, QStringLiteral("method not allowed here; allowed: %1").arg(QString::fromLatin1(allowed)));
    r.addHeader("Allow", allowed);
    return r;
}

QJsonObject tokenJson(const TokenInfo& t)
{
    return {{QStringLiteral("id"), t.id},
            {QStringLiteral("user"), t.userName},
            {QStringLiteral("scope"), toString(t.scope)},
            {QStringLiteral("created"), t.created.toString(Qt::ISODateWithMs)},
            {QStringLiteral("expires"), t.expires.toString(Qt::ISODateWithMs)},
            {QStringLiteral("revoked"), t.revoked.isValid() ? QJsonValue(t.revoked.toString(Qt::ISODateWithMs)) : QJsonValue()},
            {QStringLiteral("note"), t.note}};
}

QJsonObject userJson(const User& u)
{
    return {{QStringLiteral("id"), u.id},
            {QStringLiteral("name"), u.name},
            {QStringLiteral("role"), toString(u.role)},
            {QStringLiteral("created"), u.created.toString(Qt::ISODateWithMs)}};
}

// Token options from a JSON body: scope ("full"/"read") and days.
std::optional<ServerError> tokenOptions(const QJsonObject& body, Scope* scope, int* days)
{
    if (body.contains(QStringLiteral("scope"))) {
        auto s = scopeFromString(body.value(QStringLiteral("scope")).toString());
        if (!s)
            return ServerError::badRequest(QStringLiteral("scope must be \"full\", \"read\" or \"predict\""));
        *scope = *s;
    }
    if (body.contains(QStringLiteral("days"))) {
        const QJsonValue v = body.value(QStringLiteral("days"));
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d != double(int(d)) || d < 1 || d > AccountStore::kMaxTokenDays)
            return ServerError::badRequest(QStringLiteral("days must be a whole number from 1 to %1").arg(AccountStore::kMaxTokenDays));
        *days = int(d);
    }
    return std::nullopt;
}

ApiResponse fail(const ServerError& e) { return ApiResponse::error(e.httpStatus(), e.message); }

} // namespace

Api::Api(std::shared_ptr<const ServerDatabase> db, std::shared_ptr<const ModelSigner> signer, const ServerPaths& paths,
         qint64 maxImagePixels, std::shared_ptr<ServedModel> served)
    : m_db(db)
    , m_signer(signer)
    , m_paths(paths)
    , m_accounts(db)
    , m_images(db, paths.images(), maxImagePixels)
    , m_labels(db)
    , m_models(db, paths.models(), signer)
    , m_served(std::move(served))
{
    refreshServedModel();
}

ApiResponse Api::handle(const ApiRequest& request) const
{
    const QString& path = request.path;
    // Path tricks end here: one strict alphabet, no dot segments, no empty segments. Names that
    // reach the disk (SHA-256s) are checked again where they are used.
    if (!path.startsWith(QLatin1Char('/')) || path.size() > 1024)
        return ApiResponse::error(400, QStringLiteral("malformed path"));
    if (path == QLatin1String("/"))
        return request.method == "GET" ? webFile(QStringLiteral("index.html")) : methodNotAllowed("GET");
    if (!std::all_of(path.begin(), path.end(), isPathChar))
        return ApiResponse::error(400, QStringLiteral("the path may only hold A-Z a-z 0-9 - _ . /"));
    const QStringList segments = path.mid(1).split(QLatin1Char('/'));
    for (const QString& s : segments)
        if (s.isEmpty() || s == QLatin1String(".") || s == QLatin1String(".."))
            return ApiResponse::error(400, QStringLiteral("empty or dot segment in the path"));

    if (segments == QStringList{QStringLiteral("healthz")})
        return request.method == "GET" ? health() : methodNotAllowed("GET");
    if (segments.size() >= 2 && segments[0] == QLatin1String("api") && segments[1] == QLatin1String("v1") && segments.size() > 2)
        return route(request, segments.mid(2), true);
    if (segments.size() == 2 && segments[0] == QLatin1String("uploads")) // the seed's image URLs
        return route(request, segments, false);
    if (segments.size() == 2 && segments[0] == QLatin1String("web"))
        return request.method == "GET" ? webFile(segments[1]) : methodNotAllowed("GET");
    return ApiResponse::error(404, QStringLiteral("no such endpoint"));
}

ApiResponse Api::route(const ApiRequest& r, const QStringList& s, bool underApi) const
{
    const qsizetype n = s.size();
    const QString& first = s[0];
    const QByteArray& m = r.method;
    auto is = [&](const char* name, qsizetype size) { return first == QLatin1String(name) && n == size; };

    if (!underApi || is("uploads", 2))
        return m == "GET" ? withAuth(r, s, Action::ReadImages, &Api::getImage) : methodNotAllowed("GET");
    if (is("version", 1))
        return m == "GET" ? version() : methodNotAllowed("GET");
    if (is("signing-key", 1))
        return m == "GET" ? signingKey() : methodNotAllowed("GET");
    if (is("me", 1))
        return m == "GET" ? withAuth(r, s, Action::ReadOwnAccount, &Api::me) : methodNotAllowed("GET");
    if (is("me", 2) && s[1] == QLatin1String("labels"))
        return m == "GET" ? withAuth(r, s, Action::ReadLabels, &Api::myLabels) : methodNotAllowed("GET");
    if (is("breeds", 1))
        return m == "GET" ? breeds() : methodNotAllowed("GET");
    if (is("predict", 1))
        return m == "POST" ? withAuth(r, s, Action::Predict, &Api::predict) : methodNotAllowed("POST");
    if (is("users", 1)) {
        if (m == "GET")
            return withAuth(r, s, Action::ManageUsers, &Api::listUsers);
        return m == "POST" ? withAuth(r, s, Action::ManageUsers, &Api::addUser) : methodNotAllowed("GET, POST");
    }
    if (is("tokens", 1)) {
        if (m == "GET")
            return withAuth(r, s, Action::ReadOwnAccount, &Api::listTokens);
        return m == "POST" ? withAuth(r, s, Action::ManageOwnTokens, &Api::issueToken) : methodNotAllowed("GET, POST");
    }
    if (is("tokens", 2))
        return m == "DELETE" ? withAuth(r, s, Action::ManageOwnTokens, &Api::revokeToken) : methodNotAllowed("DELETE");
    if (is("images", 2)) {
        if (m == "GET")
            return withAuth(r, s, Action::ReadImages, &Api::getImage);
        return m == "PUT" ? withAuth(r, s, Action::UploadImage, &Api::putImage) : methodNotAllowed("GET, PUT");
    }
    if (is("labels", 1)) {
        if (m == "GET")
            return withAuth(r, s, Action::ReadLabels, &Api::getLabels);
        return m == "POST" ? withAuth(r, s, Action::PostLabels, &Api::postLabels) : methodNotAllowed("GET, POST");
    }
    if (is("review", 1))
        return m == "GET" ? withAuth(r, s, Action::ReadReviewQueue, &Api::getReview) : methodNotAllowed("GET");
    if (is("review", 2))
        return m == "POST" ? withAuth(r, s, Action::Review, &Api::postReview) : methodNotAllowed("POST");
    if (is("models", 1)) {
        if (m == "GET")
            return withAuth(r, s, Action::ReadModels, &Api::listModels);
        return m == "POST" ? withAuth(r, s, Action::PublishModel, &Api::postModel) : methodNotAllowed("GET, POST");
    }
    if (is("models", 2))
        return m == "GET" ? withAuth(r, s, Action::ReadModels, &Api::getModel) : methodNotAllowed("GET");
    if (is("models", 3) && s[2] == QLatin1String("bundle"))
        return m == "GET" ? withAuth(r, s, Action::ReadModels, &Api::getModelBundle) : methodNotAllowed("GET");
    if (is("models", 3) && s[2] == QLatin1String("withdraw"))
        return m == "POST" ? withAuth(r, s, Action::PublishModel, &Api::withdrawModel) : methodNotAllowed("POST");
    if (is("user-labels", 1))
        return m == "GET" ? withAuth(r, s, Action::ReadLabels, &Api::userLabels) : methodNotAllowed("GET");
    if (is("agreement", 1))
        return m == "GET" ? withAuth(r, s, Action::ReadReviewQueue, &Api::agreement) : methodNotAllowed("GET");
    if (is("export", 1))
        return m == "GET" ? withAuth(r, s, Action::Export, &Api::exportDataset) : methodNotAllowed("GET");
    return ApiResponse::error(404, QStringLiteral("no such endpoint"));
}

ApiResponse Api::withAuth(const ApiRequest& request, const QStringList& segments, Action action,
                          ApiResponse (Api::*handler)(const Call&) const) const
{
    auto who = m_accounts.authenticate(request.authorization);
    if (!who) {
        if (who.error().serverFault)
            return ApiResponse::error(503, who.error().message);
        ApiResponse r = ApiResponse::error(401, who.error().message);
        r.addHeader("WWW-Authenticate", "Bearer realm=\"petcurator\"");
        return r;
    }
    if (!allows(who->user.role, who->scope, action)) {
        if (who->scope == Scope::Read && !isReadOnly(action))
            return ApiResponse::error(403, QStringLiteral("this token is read-only"));
        if (who->scope == Scope::Predict)
            return ApiResponse::error(403, QStringLiteral("this token may only ask for predictions"));
        return ApiResponse::error(403, QStringLiteral("the %1 role may not do this").arg(toString(who->user.role)));
    }
    const Call call{request, segments, QUrlQuery(request.query), *who};
    return (this->*handler)(call);
}

ApiResponse Api::health() const
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(QStringLiteral("SELECT 1")) || !q.next())
        return ApiResponse::error(503, QStringLiteral("database unavailable"));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}});
}

ApiResponse Api::version() const
{
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("name"), QStringLiteral("petcurator-server")},
                                              {QStringLiteral("version"), QStringLiteral(PETCURATOR_VERSION)},
                                              {QStringLiteral("api"), QStringLiteral("v1")},
                                              {QStringLiteral("schema"), schema::latestVersion()}});
}

ApiResponse Api::signingKey() const
{
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("algorithm"), QStringLiteral("Ed25519")},
                                              {QStringLiteral("public_key"), QString::fromLatin1(m_signer->publicKey().toBase64())},
                                              {QStringLiteral("key_id"), m_signer->keyId()}});
}

ApiResponse Api::me(const Call& c) const
{
    QJsonObject o = userJson(c.who.user);
    o.insert(QStringLiteral("token_id"), c.who.tokenId);
    o.insert(QStringLiteral("scope"), toString(c.who.scope));
    return ApiResponse::json(200, o);
}

ApiResponse Api::listUsers(const Call&) const
{
    auto users = m_accounts.users();
    if (!users)
        return ApiResponse::error(500, users.error().message);
    QJsonArray out;
    for (const User& u : *users)
        out.append(userJson(u));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("users"), out}});
}

ApiResponse Api::addUser(const Call& c) const
{
    auto body = parseJsonObject(c.request.contentType, c.request.body);
    if (!body)
        return fail(body.error());
    if (auto e = unknownField(*body, {QStringLiteral("name"), QStringLiteral("role"), QStringLiteral("scope"), QStringLiteral("days")},
                              QStringLiteral("the user")))
        return fail(*e);
    const QString name = body->value(QStringLiteral("name")).toString();
    if (!AccountStore::isValidUserName(name))
        return ApiResponse::error(400, QStringLiteral("name must be 1-64 of A-Z a-z 0-9 . _ -"));
    const auto role = roleFromString(body->value(QStringLiteral("role")).toString());
    if (!role)
        return ApiResponse::error(400, QStringLiteral("role must be admin, reviewer or curator"));
    Scope scope = Scope::Full;
    int days = AccountStore::kDefaultTokenDays;
    if (auto e = tokenOptions(*body, &scope, &days))
        return fail(*e);
    auto existing = m_accounts.userByName(name);
    if (!existing)
        return ApiResponse::error(500, existing.error().message);
    if (existing->has_value())
        return ApiResponse::error(409, QStringLiteral("user '%1' exists already").arg(name));
    auto token = m_accounts.addUser(name, *role, scope, days);
    if (!token)
        return ApiResponse::error(409, token.error().message);
    QJsonObject o = tokenJson(token->info);
    o.insert(QStringLiteral("token"), token->secret);
    o.insert(QStringLiteral("role"), toString(*role));
    return ApiResponse::json(201, o);
}

ApiResponse Api::listTokens(const Call& c) const
{
    bool all = false;
    for (const auto& [key, value] : c.query.queryItems()) {
        if (key != QLatin1String("all") || (value != QLatin1String("1") && value != QLatin1String("0")))
            return ApiResponse::error(400, QStringLiteral("the only parameter here is all=1"));
        all = value == QLatin1String("1");
    }
    if (all && c.who.user.role != Role::Admin)
        return ApiResponse::error(403, QStringLiteral("only an admin may list everyone's tokens"));
    auto tokens = m_accounts.tokens(all ? 0 : c.who.user.id);
    if (!tokens)
        return ApiResponse::error(500, tokens.error().message);
    QJsonArray out;
    for (const TokenInfo& t : *tokens)
        out.append(tokenJson(t));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("tokens"), out}});
}

ApiResponse Api::issueToken(const Call& c) const
{
    auto body = parseJsonObject(c.request.contentType, c.request.body);
    if (!body)
        return fail(body.error());
    if (auto e = unknownField(*body, {QStringLiteral("scope"), QStringLiteral("days"), QStringLiteral("note")}, QStringLiteral("the token")))
        return fail(*e);
    Scope scope = Scope::Full;
    int days = AccountStore::kDefaultTokenDays;
    if (auto e = tokenOptions(*body, &scope, &days))
        return fail(*e);
    const QString note = body->value(QStringLiteral("note")).toString();
    if (note.size() > 200)
        return ApiResponse::error(400, QStringLiteral("note is longer than 200 characters"));
    auto token = m_accounts.issueToken(c.who.user.id, scope, days, note);
    if (!token)
        return ApiResponse::error(500, token.error().message);
    token->info.userName = c.who.user.name;
    QJsonObject o = tokenJson(token->info);
    o.insert(QStringLiteral("token"), token->secret);
    return ApiResponse::json(201, o);
}

ApiResponse Api::revokeToken(const Call& c) const
{
    bool ok = false;
    const qint64 id = c.segments[1].toLongLong(&ok);
    if (!ok || id <= 0 || c.segments[1].size() > 18)
        return ApiResponse::error(400, QStringLiteral("a token id is a positive whole number"));
    // Someone else's token reads as "no such token": its existence is nobody else's business.
    auto revoked = m_accounts.revokeToken(id, c.who.user.role == Role::Admin ? 0 : c.who.user.id);
    if (!revoked)
        return ApiResponse::error(500, revoked.error().message);
    if (!*revoked)
        return ApiResponse::error(404, QStringLiteral("no live token %1 of yours").arg(id));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("revoked"), id}});
}

} // namespace pc::server
