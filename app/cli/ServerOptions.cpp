#include "ServerOptions.h"

#include "sync/ServerClient.h"
#include "sync/TokenStore.h"

#include <QUrl>

namespace pc::cli {

void addServerOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("server"), QStringLiteral("Team server URL (default: $PETCURATOR_SERVER, else the app's settings)."), QStringLiteral("URL")});
    p.addOption({QStringLiteral("token-file"), QStringLiteral("File holding the API token (default: $PETCURATOR_TOKEN, else the keychain)."),
                 QStringLiteral("FILE")});
}

Expected<ServerTarget, int> resolveServer(const QCommandLineParser& p, const sync::ClientSettings& settings, const QString& command)
{
    ServerTarget t;
    t.url = settings.effectiveUrl(p.value(QStringLiteral("server")));
    if (t.url.isEmpty()) {
        err() << "petcurator-cli " << command << ": no team server: pass --server URL, set $PETCURATOR_SERVER, or set it in the app\n";
        return int(BadArguments);
    }
    if (const QString bad = sync::ServerClient::checkUrl(QUrl(t.url)); !bad.isEmpty()) {
        err() << "petcurator-cli " << command << ": " << bad << "\n";
        return int(BadArguments);
    }
    if (p.isSet(QStringLiteral("token-file"))) {
        auto token = sync::TokenStore::readTokenFile(p.value(QStringLiteral("token-file")));
        if (!token) {
            err() << "petcurator-cli " << command << ": " << token.error().message << "\n";
            return int(Failure);
        }
        t.token = *token;
    } else if (!qEnvironmentVariable("PETCURATOR_TOKEN").trimmed().isEmpty()) {
        t.token = qEnvironmentVariable("PETCURATOR_TOKEN").trimmed();
    } else {
        auto stored = sync::TokenStore::read();
        if (!stored) {
            err() << "petcurator-cli " << command << ": " << stored.error().message << "\n";
            return int(Failure);
        }
        t.token = stored->token;
    }
    if (t.token.isEmpty()) {
        err() << "petcurator-cli " << command << ": no API token: pass --token-file FILE, set $PETCURATOR_TOKEN, or set it in the app\n";
        return int(BadArguments);
    }
    return t;
}

} // namespace pc::cli
