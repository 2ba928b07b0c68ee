#include "Command.h"
#include "Runtime.h"
#include "ServerOptions.h"

#include "sync/ClientSettings.h"
#include "sync/ServerClient.h"
#include "sync/SignatureCheck.h"
#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QUrl>

namespace pc::cli {

namespace {

// What a curator asks before trusting a sync: can I reach it, who am I there, what waits here.
class ServerStatusCommand : public Command {
public:
    QString name() const override { return QStringLiteral("server-status"); }
    QString summary() const override { return QStringLiteral("Show the team server's state, who you are there, and what waits to be sent"); }

    void configure(QCommandLineParser& p) const override
    {
        addServerOptions(p);
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the status as one JSON object.")});
        p.addOption({QStringLiteral("workspace"), QStringLiteral("Workspace folder (default: $PETCURATOR_WORKSPACE or the app data folder)."), QStringLiteral("DIR")});
    }

    int run(const QCommandLineParser& p) const override
    {
        const sync::ClientSettings settings = sync::ClientSettings::load();
        auto target = resolveServer(p, settings, name());
        if (!target)
            return target.error();
        QJsonObject status{{QStringLiteral("server"), target->url}};

        // The local side first: it is there even when the server is not.
        const QString dir = Runtime::workspaceDir(p);
        if (QFileInfo::exists(dir + QStringLiteral("/workspace.sqlite"))) {
            auto ws = Workspace::open(dir);
            if (!ws) {
                err() << "petcurator-cli server-status: " << ws.error().message << "\n";
                return Failure;
            }
            SyncLedger ledger(*ws);
            const auto state = ledger.outboxState();
            const auto cursor = ledger.cursor();
            const auto lastSync = (*ws)->setting(QStringLiteral("sync.last_success"));
            const auto lastResult = (*ws)->setting(QStringLiteral("sync.last_result"));
            for (const Error* e : {state ? nullptr : &state.error(), cursor ? nullptr : &cursor.error(),
                                   lastSync ? nullptr : &lastSync.error(), lastResult ? nullptr : &lastResult.error()})
                if (e) {
                    err() << "petcurator-cli server-status: " << e->message << "\n";
                    return Failure;
                }
            status.insert(QStringLiteral("queued"), state->queued);
            status.insert(QStringLiteral("refused"), state->refused);
            status.insert(QStringLiteral("last_error"), state->lastError);
            status.insert(QStringLiteral("cursor"), *cursor);
            status.insert(QStringLiteral("last_sync"), *lastSync);
            status.insert(QStringLiteral("last_result"), *lastResult);
        }
        status.insert(QStringLiteral("pinned_key"), settings.pinnedKey.isEmpty() ? QString() : sync::keyId(settings.pinnedKey));

        sync::ServerClient client{QUrl(target->url), target->token, 15000};
        const sync::HttpResult version = client.get(QStringLiteral("/api/v1/version"));
        status.insert(QStringLiteral("online"), version.ok());
        QString problem;
        if (version.ok()) {
            status.insert(QStringLiteral("server_version"), version.json().value(QStringLiteral("version")).toString());
            const sync::HttpResult me = client.get(QStringLiteral("/api/v1/me"));
            if (me.ok()) {
                status.insert(QStringLiteral("user"), me.json().value(QStringLiteral("name")).toString());
                status.insert(QStringLiteral("role"), me.json().value(QStringLiteral("role")).toString());
                status.insert(QStringLiteral("scope"), me.json().value(QStringLiteral("scope")).toString());
            } else {
                problem = me.message();
            }
            const sync::HttpResult key = client.get(QStringLiteral("/api/v1/signing-key"));
            if (key.ok()) {
                const QString serverKey = key.json().value(QStringLiteral("key_id")).toString();
                status.insert(QStringLiteral("server_key"), serverKey);
                if (!settings.pinnedKey.isEmpty() && sync::keyId(settings.pinnedKey) != serverKey && problem.isEmpty())
                    problem = QStringLiteral("the server's signing key %1 is not the pinned %2: its models will be refused")
                                  .arg(serverKey, sync::keyId(settings.pinnedKey));
            }
        } else {
            problem = version.message();
        }
        status.insert(QStringLiteral("error"), problem);

        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(status).toJson(QJsonDocument::Compact) << "\n";
        } else {
            out() << "server:     " << target->url << (version.ok() ? QStringLiteral(" (online, petcurator-server %1)").arg(status[QStringLiteral("server_version")].toString())
                                                                  : QStringLiteral(" (offline)")) << "\n";
            if (status.contains(QStringLiteral("user")))
                out() << "you:        " << status[QStringLiteral("user")].toString() << " (" << status[QStringLiteral("role")].toString()
                      << ", " << status[QStringLiteral("scope")].toString() << " token)\n";
            if (status.contains(QStringLiteral("queued")))
                out() << "queued:     " << status[QStringLiteral("queued")].toInt() << " label events"
                      << (status[QStringLiteral("refused")].toInt() > 0 ? QStringLiteral(", %1 refused by the server").arg(status[QStringLiteral("refused")].toInt()) : QString())
                      << "\n"
                      << "last sync:  " << (status[QStringLiteral("last_sync")].toString().isEmpty() ? QStringLiteral("never") : status[QStringLiteral("last_sync")].toString())
                      << "\n";
            out() << "signing key: " << (settings.pinnedKey.isEmpty() ? QStringLiteral("not pinned") : QStringLiteral("pinned ") + sync::keyId(settings.pinnedKey)) << "\n";
        }
        if (!problem.isEmpty()) {
            err() << "petcurator-cli server-status: " << problem << "\n";
            return Failure;
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeServerStatusCommand() { return std::make_unique<ServerStatusCommand>(); }

} // namespace pc::cli
