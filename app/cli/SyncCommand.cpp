#include "Command.h"
#include "Runtime.h"
#include "ServerOptions.h"

#include "model/Backbone.h"
#include "sync/ClientSettings.h"
#include "sync/SignatureCheck.h"
#include "sync/SyncSession.h"
#include "sync/TokenStore.h"
#include "training/LearningLoop.h"
#include "training/TrainingLabels.h"
#include "workspace/Workspace.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace pc::cli {

namespace {

class SyncCommand : public Command {
public:
    QString name() const override { return QStringLiteral("sync"); }
    QString summary() const override { return QStringLiteral("Send queued labels to the team server and bring the team's labels, verdicts and model"); }

    void configure(QCommandLineParser& p) const override
    {
        addServerOptions(p);
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the outcome as one JSON object.")});
        p.addOption({QStringLiteral("retry-for"), QStringLiteral("Keep retrying while the server is unreachable, with backoff, up to this long (default 0)."),
                     QStringLiteral("SECONDS"), QStringLiteral("0")});
        p.addOption({QStringLiteral("batch"), QStringLiteral("Label events per upload (default 100)."), QStringLiteral("N"), QStringLiteral("100")});
        p.addOption({QStringLiteral("no-models"), QStringLiteral("Labels only: do not fetch the server's model.")});
        p.addOption({QStringLiteral("trust-server-key"), QStringLiteral("First contact: pin the server's model-signing key as it is now.")});
        p.addOption({QStringLiteral("forget-server-key"), QStringLiteral("Unpin the server's signing key (after the server's key was replaced on purpose).")});
        p.addOption({QStringLiteral("trust-server-models"), QStringLiteral("yes: activate the server's models without the local gate; no: gate them (saved)."),
                     QStringLiteral("yes|no")});
        p.addOption({QStringLiteral("train-on"), QStringLiteral("Train on 'all' approved labels or only those the server 'approved' (saved in the workspace)."),
                     QStringLiteral("all|approved")});
        p.addOption({QStringLiteral("train-roles"), QStringLiteral("Train only on labels from these server roles, e.g. reviewer,admin; 'any' clears it (saved)."),
                     QStringLiteral("LIST")});
        p.addOption({QStringLiteral("train-origins"), QStringLiteral("Train only on labels of these origins: dataset,curator,server; 'any' clears it (saved)."),
                     QStringLiteral("LIST")});
        p.addOption({QStringLiteral("remember"), QStringLiteral("Save --server and the token (keychain, else a 0600 file) as this user's settings.")});
        addRuntimeOptions(p);
    }

    static bool updateSelection(const QCommandLineParser& p, Workspace& ws)
    {
        if (!p.isSet(QStringLiteral("train-on")) && !p.isSet(QStringLiteral("train-roles")) && !p.isSet(QStringLiteral("train-origins")))
            return true;
        const auto stored = TrainingLabelSelection::load(ws);
        if (!stored) {
            err() << "petcurator-cli sync: " << stored.error().message << "\n";
            return false;
        }
        QJsonObject json = stored->toJson();
        if (p.isSet(QStringLiteral("train-on"))) {
            const QString v = p.value(QStringLiteral("train-on"));
            if (v != QLatin1String("all") && v != QLatin1String("approved")) {
                err() << "petcurator-cli sync: --train-on takes all or approved, not '" << v << "'\n";
                return false;
            }
            json.insert(QStringLiteral("approved_only"), v == QLatin1String("approved"));
        }
        for (const auto& [option, key] : {std::pair{QStringLiteral("train-roles"), QStringLiteral("roles")},
                                          std::pair{QStringLiteral("train-origins"), QStringLiteral("origins")}})
            if (p.isSet(option)) {
                const QString v = p.value(option);
                json.insert(key, v == QLatin1String("any") ? QJsonArray() : QJsonArray::fromStringList(v.split(QLatin1Char(','), Qt::SkipEmptyParts)));
            }
        auto selection = TrainingLabelSelection::fromJson(json);
        if (!selection) {
            err() << "petcurator-cli sync: " << selection.error().message << "\n";
            return false;
        }
        if (auto s = selection->save(ws); !s) {
            err() << "petcurator-cli sync: " << s.error().message << "\n";
            return false;
        }
        return true;
    }

    int run(const QCommandLineParser& p) const override
    {
        bool ok = false;
        const int retryFor = p.value(QStringLiteral("retry-for")).toInt(&ok);
        if (!ok || retryFor < 0 || retryFor > 86400) {
            err() << "petcurator-cli sync: --retry-for must be a number of seconds from 0 to 86400\n";
            return BadArguments;
        }
        const int batch = p.value(QStringLiteral("batch")).toInt(&ok);
        if (!ok || batch < 1 || batch > 500) {
            err() << "petcurator-cli sync: --batch must be a number from 1 to 500\n";
            return BadArguments;
        }
        if (p.isSet(QStringLiteral("trust-server-models")) && p.value(QStringLiteral("trust-server-models")) != QLatin1String("yes")
            && p.value(QStringLiteral("trust-server-models")) != QLatin1String("no")) {
            err() << "petcurator-cli sync: --trust-server-models takes yes or no\n";
            return BadArguments;
        }
        sync::ClientSettings settings = sync::ClientSettings::load();
        auto target = resolveServer(p, settings, QStringLiteral("sync"));
        if (!target)
            return target.error();
        if (p.isSet(QStringLiteral("forget-server-key")))
            settings.pinnedKey.clear();
        if (p.isSet(QStringLiteral("trust-server-models")))
            settings.trustServerModels = p.value(QStringLiteral("trust-server-models")) == QLatin1String("yes");
        if (p.isSet(QStringLiteral("remember"))) {
            settings.serverUrl = target->url;
            auto where = sync::TokenStore::write(target->token);
            if (!where) {
                err() << "petcurator-cli sync: " << where.error().message << "\n";
                return Failure;
            }
        }
        settings.save();

        auto ws = Workspace::open(Runtime::workspaceDir(p));
        if (!ws) {
            err() << "petcurator-cli sync: " << ws.error().message << "\n";
            return Failure;
        }
        if (!updateSelection(p, **ws))
            return BadArguments;

        sync::SyncOptions options;
        options.serverUrl = target->url;
        options.token = target->token;
        options.batchSize = batch;
        options.retryForMs = qint64(retryFor) * 1000;
        options.pullModels = !p.isSet(QStringLiteral("no-models"));
        options.pinServerKey = p.isSet(QStringLiteral("trust-server-key"));
        // The gate needs the backbone: loaded only when a newer server model actually came.
        std::shared_ptr<LearningLoop> loop;
        const QString weights = p.isSet(QStringLiteral("weights")) ? p.value(QStringLiteral("weights")) : Backbone::defaultWeightsDir();
        const auto precision = precisionOption(p);
        if (!precision)
            return precision.error();
        options.admit = [&](const sync::FetchedModel& m) -> Expected<QString> {
            if (!loop) {
                auto backbone = Backbone::load(weights, *precision);
                if (!backbone)
                    return backbone.error();
                loop = std::make_shared<LearningLoop>(*ws, *backbone);
            }
            const QString source = QStringLiteral("server model %1%2").arg(m.serverVersion)
                                       .arg(m.publishedBy.isEmpty() ? QString() : QStringLiteral(" by ") + m.publishedBy);
            auto outcome = loop->admitCandidate(m.path, source, settings.trustServerModels);
            QFile::remove(m.path);
            if (!outcome)
                return outcome.error();
            return QStringLiteral("%1 as %2 (%3)")
                .arg(outcome->activated ? QStringLiteral("activated") : QStringLiteral("refused by the local gate, kept as candidate"),
                     outcome->version, outcome->verdict);
        };
        const sync::SyncReport report = sync::runSync(*ws, settings, options);
        if (!report.keyToPin.isEmpty()) {
            settings.pinnedKey = report.keyToPin;
            settings.save();
            err() << "petcurator-cli sync: pinned the server's signing key " << sync::keyId(report.keyToPin) << "\n";
        }
        if (p.isSet(QStringLiteral("json")))
            out() << QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact) << "\n";
        else if (report.error.isEmpty())
            out() << report.summary() << "\n";
        if (!report.error.isEmpty())
            err() << "petcurator-cli sync: " << (report.transient ? QStringLiteral("offline: ") : QString()) << report.error << "; "
                  << report.queued << " label event" << (report.queued == 1 ? "" : "s") << " queued\n";
        if (!report.modelError.isEmpty())
            err() << "petcurator-cli sync: " << report.modelError << "\n";
        return report.ok() ? Success : Failure;
    }
};

} // namespace

std::unique_ptr<Command> makeSyncCommand() { return std::make_unique<SyncCommand>(); }

} // namespace pc::cli
