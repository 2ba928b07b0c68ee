#include "Command.h"
#include "Runtime.h"

#include "training/LearningLoop.h"
#include "training/ModelRetention.h"
#include "training/TrainingLabels.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class ModelsCommand : public Command {
public:
    QString name() const override { return QStringLiteral("models"); }
    QString summary() const override { return QStringLiteral("Model versions: list, activate V, rollback, prune old bundles"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
        p.addOption({QStringLiteral("keep"),
                     QStringLiteral("prune: keep the newest N quick updates (default: the workspace's setting, %1 unless changed).")
                         .arg(ModelRetention::kDefaultKeep),
                     QStringLiteral("N")});
        p.addOption({QStringLiteral("dry-run"), QStringLiteral("prune: only list what would be deleted.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("ACTION"),
                                QStringLiteral("list (default), activate VERSION, rollback, or prune (delete the bundles of old quick updates; "
                                               "the active and previous versions and every full run's version that was ever active stay)."),
                                QStringLiteral("[list|activate V|rollback|prune]"));
    }

    int run(const QCommandLineParser& p) const override
    {
        const QStringList args = p.positionalArguments();
        const QString action = args.value(0, QStringLiteral("list"));
        if (!((action == QStringLiteral("list") && args.size() <= 1) || (action == QStringLiteral("activate") && args.size() == 2)
              || (action == QStringLiteral("rollback") && args.size() == 1) || (action == QStringLiteral("prune") && args.size() == 1))) {
            err() << "petcurator-cli models: use 'list', 'activate VERSION', 'rollback' or 'prune'\n";
            return BadArguments;
        }
        if (action != QStringLiteral("prune") && (p.isSet(QStringLiteral("keep")) || p.isSet(QStringLiteral("dry-run")))) {
            err() << "petcurator-cli models: --keep and --dry-run go with 'prune'\n";
            return BadArguments;
        }
        std::optional<int> keep;
        if (p.isSet(QStringLiteral("keep"))) {
            bool ok = false;
            keep = p.value(QStringLiteral("keep")).toInt(&ok);
            if (!ok || *keep < 0 || *keep > ModelRetention::kMaxKeep) {
                err() << "petcurator-cli models: --keep must be a number from 0 to " << ModelRetention::kMaxKeep << "\n";
                return BadArguments;
            }
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        LearningLoop& loop = *runtime->loop;
        const bool json = p.isSet(QStringLiteral("json"));

        if (action == QStringLiteral("activate")) {
            if (auto s = loop.activate(args[1]); !s) {
                err() << "petcurator-cli models: " << s.error().message << "\n";
                return Failure;
            }
            out() << (json ? QStringLiteral("{\"active\":\"%1\"}").arg(args[1]) : QStringLiteral("%1 is now active").arg(args[1])) << "\n";
            return Success;
        }
        if (action == QStringLiteral("rollback")) {
            auto version = loop.rollback();
            if (!version) {
                err() << "petcurator-cli models: " << version.error().message << "\n";
                return Failure;
            }
            out() << (json ? QStringLiteral("{\"active\":\"%1\"}").arg(*version) : QStringLiteral("rolled back to %1").arg(*version)) << "\n";
            return Success;
        }

        if (action == QStringLiteral("prune")) {
            auto report = loop.pruneModels(keep, p.isSet(QStringLiteral("dry-run")));
            if (!report) {
                err() << "petcurator-cli models: " << report.error().message << "\n";
                return Failure;
            }
            if (json) {
                out() << QJsonDocument(report->toJson()).toJson(QJsonDocument::Compact) << "\n";
            } else {
                for (const PrunedBundle& b : std::as_const(report->pruned))
                    out() << (report->dryRun ? "would delete " : "deleted ") << b.file << "  (" << b.version << ", " << b.bytes << " bytes)\n";
                out() << report->summary() << "\n";
            }
            return Success;
        }

        const auto listed = runtime->workspace->models().all();
        if (!listed) {
            err() << "petcurator-cli models: " << listed.error().message << "\n";
            return Failure;
        }
        const QVector<ModelRecord>& models = *listed;
        if (json) {
            QJsonArray list;
            for (const ModelRecord& m : models)
                list.append(QJsonObject{{QStringLiteral("version"), m.version}, {QStringLiteral("parent"), m.parent},
                                        {QStringLiteral("created"), m.created.toString(Qt::ISODateWithMs)}, {QStringLiteral("state"), toString(m.state)},
                                        {QStringLiteral("metrics"), m.metrics}, {QStringLiteral("verdict"), m.gateVerdict},
                                        {QStringLiteral("file"), m.file}, {QStringLiteral("checksum"), m.checksum},
                                        {QStringLiteral("policy"), m.metrics.value(QStringLiteral("policy"))},
                                        {QStringLiteral("pruned"), m.isPruned() ? QJsonValue(m.pruned.toString(Qt::ISODateWithMs)) : QJsonValue(false)}});
            out() << QJsonDocument(QJsonObject{{QStringLiteral("active"), loop.activeVersion()}, {QStringLiteral("models"), list}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
            return Success;
        }
        if (models.isEmpty())
            out() << "no trained models yet; predictions use the zero-shot head (petcurator-cli train makes one)\n";
        for (const ModelRecord& m : models) {
            // A model from before policies were recorded, or from the server, names none.
            const QString policy = m.metrics.value(QStringLiteral("policy")).toString();
            out() << QStringLiteral("%1 %2  %3  val %4%  mean/class %5%  %6  %7  %8  %9\n")
                         .arg(m.state == ModelState::Active ? QLatin1Char('*') : QLatin1Char(' '))
                         .arg(m.version, -5)
                         .arg(m.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")))
                         .arg(m.metrics.value(QStringLiteral("val_accuracy")).toDouble() * 100, 5, 'f', 1)
                         .arg(m.metrics.value(QStringLiteral("val_mean_per_class")).toDouble() * 100, 5, 'f', 1)
                         .arg(m.isPruned() ? QStringLiteral("pruned") : toString(m.state), -9) // a pruned one is never active
                         .arg(m.metrics.value(QStringLiteral("kind")).toString(), -11)
                         .arg(QStringLiteral("policy ") + (policy.isEmpty() ? QStringLiteral("-") : policy), -14)
                         .arg(m.gateVerdict);
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeModelsCommand() { return std::make_unique<ModelsCommand>(); }

} // namespace pc::cli
