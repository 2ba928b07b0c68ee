#include "Command.h"
#include "Runtime.h"

#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class ModelsCommand : public Command {
public:
    QString name() const override { return QStringLiteral("models"); }
    QString summary() const override { return QStringLiteral("Model versions: list, activate V, rollback"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("list (default), activate VERSION, or rollback."), QStringLiteral("[list|activate V|rollback]"));
    }

    int run(const QCommandLineParser& p) const override
    {
        const QStringList args = p.positionalArguments();
        const QString action = args.value(0, QStringLiteral("list"));
        if (!((action == QStringLiteral("list") && args.size() <= 1) || (action == QStringLiteral("activate") && args.size() == 2)
              || (action == QStringLiteral("rollback") && args.size() == 1))) {
            err() << "petcurator-cli models: use 'list', 'activate VERSION' or 'rollback'\n";
            return BadArguments;
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
                                        {QStringLiteral("file"), m.file}, {QStringLiteral("checksum"), m.checksum}});
            out() << QJsonDocument(QJsonObject{{QStringLiteral("active"), loop.activeVersion()}, {QStringLiteral("models"), list}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
            return Success;
        }
        if (models.isEmpty())
            out() << "no trained models yet; predictions use the zero-shot head (petcurator-cli train makes one)\n";
        for (const ModelRecord& m : models)
            out() << QStringLiteral("%1 %2  %3  val %4%  mean/class %5%  %6  %7\n")
                         .arg(m.state == ModelState::Active ? QLatin1Char('*') : QLatin1Char(' '))
                         .arg(m.version, -5)
                         .arg(m.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")))
                         .arg(m.metrics.value(QStringLiteral("val_accuracy")).toDouble() * 100, 5, 'f', 1)
                         .arg(m.metrics.value(QStringLiteral("val_mean_per_class")).toDouble() * 100, 5, 'f', 1)
                         .arg(toString(m.state), -9)
                         .arg(m.gateVerdict);
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeModelsCommand() { return std::make_unique<ModelsCommand>(); }

} // namespace pc::cli
