// petcurator-server user …, token …, key …: administration straight on the database, so that
// the first admin can be made before any server runs.
#include "Commands.h"
#include "ServerContext.h"

#include "server/AccountStore.h"
#include "server/ModelSigner.h"

namespace pc::server_app {

namespace {

struct Parsed {
    QCommandLineParser parser;
    int exitCode = -1; // ≥ 0: stop with this status
};

// Parses `args` (after the subcommand words) with the storage options plus `extra`.
void parse(Parsed& p, const QString& usage, const QStringList& args, const QList<QCommandLineOption>& extra)
{
    p.parser.setApplicationDescription(usage);
    p.parser.addHelpOption();
    addStorageOptions(p.parser);
    for (const QCommandLineOption& o : extra)
        p.parser.addOption(o);
    if (!p.parser.parse(QStringList{QStringLiteral("petcurator-server")} + args)) {
        err() << "petcurator-server: " << p.parser.errorText() << "\n";
        p.exitCode = BadArguments;
    } else if (p.parser.isSet(QStringLiteral("help"))) {
        out() << p.parser.helpText();
        p.exitCode = Success;
    }
}

const QCommandLineOption kScope{QStringLiteral("scope"), QStringLiteral("full (default), read (read-only, for dashboards) or predict (predictions only)."),
                                QStringLiteral("SCOPE"), QStringLiteral("full")};
const QCommandLineOption kDays{QStringLiteral("days"), QStringLiteral("Days until the token expires (default 90)."),
                               QStringLiteral("N"), QString::number(server::AccountStore::kDefaultTokenDays)};

bool tokenOptions(const QCommandLineParser& p, server::Scope* scope, int* days)
{
    const auto s = server::scopeFromString(p.value(kScope));
    if (!s) {
        err() << "petcurator-server: --scope must be full, read or predict\n";
        return false;
    }
    bool ok = false;
    *days = p.value(kDays).toInt(&ok);
    if (!ok || *days < 1 || *days > server::AccountStore::kMaxTokenDays) {
        err() << "petcurator-server: --days must be from 1 to " << server::AccountStore::kMaxTokenDays << "\n";
        return false;
    }
    *scope = *s;
    return true;
}

QString timeText(const QDateTime& t) { return t.isValid() ? t.toString(Qt::ISODate) : QStringLiteral("-"); }

} // namespace

int runUserCommand(const QStringList& args)
{
    const QString verb = args.value(0);
    if (verb == QLatin1String("add")) {
        Parsed p;
        parse(p, QStringLiteral("user add NAME --role admin|reviewer|curator: add a user and print their first token."), args.mid(1),
              {{QStringLiteral("role"), QStringLiteral("admin, reviewer or curator."), QStringLiteral("ROLE")}, kScope, kDays});
        if (p.exitCode >= 0)
            return p.exitCode;
        const QStringList names = p.parser.positionalArguments();
        if (names.size() != 1) {
            err() << "petcurator-server: user add takes one NAME\n";
            return BadArguments;
        }
        const auto role = server::roleFromString(p.parser.value(QStringLiteral("role")));
        if (!role) {
            err() << "petcurator-server: --role must be admin, reviewer or curator\n";
            return BadArguments;
        }
        server::Scope scope;
        int days;
        if (!tokenOptions(p.parser, &scope, &days))
            return BadArguments;
        if (!server::AccountStore::isValidUserName(names[0])) {
            err() << "petcurator-server: '" << names[0] << "' is not a valid user name (1-64 of A-Z a-z 0-9 . _ -)\n";
            return BadArguments;
        }
        auto ctx = ServerContext::open(p.parser);
        if (!ctx)
            return ctx.error();
        auto token = server::AccountStore(ctx->db).addUser(names[0], *role, scope, days);
        if (!token) {
            err() << "petcurator-server: " << token.error().message << "\n";
            return Failure;
        }
        out() << token->secret << "\n"; // alone on stdout, so scripts can capture it
        err() << "petcurator-server: added " << server::toString(*role) << " " << names[0] << " (token " << token->info.id
              << ", " << server::toString(scope) << ", expires " << timeText(token->info.expires) << ")\n";
        return Success;
    }
    if (verb == QLatin1String("list")) {
        Parsed p;
        parse(p, QStringLiteral("user list: every user and their role."), args.mid(1), {});
        if (p.exitCode >= 0)
            return p.exitCode;
        auto ctx = ServerContext::open(p.parser);
        if (!ctx)
            return ctx.error();
        auto users = server::AccountStore(ctx->db).users();
        if (!users) {
            err() << "petcurator-server: " << users.error().message << "\n";
            return Failure;
        }
        for (const server::User& u : *users)
            out() << u.id << "\t" << u.name << "\t" << server::toString(u.role) << "\t" << timeText(u.created) << "\n";
        return Success;
    }
    err() << "petcurator-server: user add NAME --role R | user list\n";
    return BadArguments;
}

int runTokenCommand(const QStringList& args)
{
    const QString verb = args.value(0);
    Parsed p;
    if (verb == QLatin1String("add"))
        parse(p, QStringLiteral("token add NAME: issue another token for a user and print it."), args.mid(1), {kScope, kDays});
    else if (verb == QLatin1String("list"))
        parse(p, QStringLiteral("token list [NAME]: tokens (never their secrets)."), args.mid(1), {});
    else if (verb == QLatin1String("revoke"))
        parse(p, QStringLiteral("token revoke ID: the token stops working at once."), args.mid(1), {});
    else {
        err() << "petcurator-server: token add NAME | token list [NAME] | token revoke ID\n";
        return BadArguments;
    }
    if (p.exitCode >= 0)
        return p.exitCode;
    const QStringList rest = p.parser.positionalArguments();
    if ((verb == QLatin1String("list") && rest.size() > 1) || (verb != QLatin1String("list") && rest.size() != 1)) {
        err() << "petcurator-server: wrong number of arguments for token " << verb << "\n";
        return BadArguments;
    }
    server::Scope scope = server::Scope::Full;
    int days = server::AccountStore::kDefaultTokenDays;
    if (verb == QLatin1String("add") && !tokenOptions(p.parser, &scope, &days))
        return BadArguments;
    auto ctx = ServerContext::open(p.parser);
    if (!ctx)
        return ctx.error();
    const server::AccountStore accounts(ctx->db);

    if (verb == QLatin1String("revoke")) {
        bool ok = false;
        const qint64 id = rest[0].toLongLong(&ok);
        if (!ok || id < 1) {
            err() << "petcurator-server: a token ID is a positive number (see token list)\n";
            return BadArguments;
        }
        auto revoked = accounts.revokeToken(id);
        if (!revoked) {
            err() << "petcurator-server: " << revoked.error().message << "\n";
            return Failure;
        }
        if (!*revoked) {
            err() << "petcurator-server: no live token " << id << "\n";
            return Failure;
        }
        err() << "petcurator-server: token " << id << " revoked\n";
        return Success;
    }
    qint64 userId = 0;
    if (!rest.isEmpty()) {
        auto user = accounts.userByName(rest[0]);
        if (!user || !user->has_value()) {
            err() << "petcurator-server: no user '" << rest[0] << "'\n";
            return Failure;
        }
        userId = (*user)->id;
    }
    if (verb == QLatin1String("add")) {
        auto token = accounts.issueToken(userId, scope, days);
        if (!token) {
            err() << "petcurator-server: " << token.error().message << "\n";
            return Failure;
        }
        out() << token->secret << "\n";
        err() << "petcurator-server: token " << token->info.id << " for " << rest[0] << " (" << server::toString(scope)
              << ", expires " << timeText(token->info.expires) << ")\n";
        return Success;
    }
    auto tokens = accounts.tokens(userId);
    if (!tokens) {
        err() << "petcurator-server: " << tokens.error().message << "\n";
        return Failure;
    }
    for (const server::TokenInfo& t : *tokens)
        out() << t.id << "\t" << t.userName << "\t" << server::toString(t.scope) << "\texpires " << timeText(t.expires)
              << (t.revoked.isValid() ? QStringLiteral("\trevoked ") + timeText(t.revoked) : QString()) << "\n";
    return Success;
}

int runKeyCommand(const QStringList& args)
{
    if (args.value(0) != QLatin1String("show")) {
        err() << "petcurator-server: key show\n";
        return BadArguments;
    }
    Parsed p;
    parse(p, QStringLiteral("key show: the model-signing public key (base64) and its id, for clients to pin."), args.mid(1), {});
    if (p.exitCode >= 0)
        return p.exitCode;
    auto ctx = ServerContext::open(p.parser);
    if (!ctx)
        return ctx.error();
    auto signer = server::ModelSigner::openOrCreate(ctx->paths.signingKey());
    if (!signer) {
        err() << "petcurator-server: " << signer.error().message << "\n";
        return Failure;
    }
    out() << (*signer)->publicKey().toBase64() << "\n";
    err() << "petcurator-server: Ed25519 key id " << (*signer)->keyId() << "\n";
    return Success;
}

} // namespace pc::server_app
