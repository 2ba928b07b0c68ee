#include "Command.h"
#include "Runtime.h"

#include "model/BreedCatalog.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class LabelCommand : public Command {
public:
    QString name() const override { return QStringLiteral("label"); }
    QString summary() const override { return QStringLiteral("Set an image's breed (a curator correction)"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("author"), QStringLiteral("Who labels (default: $USER)."), QStringLiteral("NAME")});
        p.addOption({QStringLiteral("update"), QStringLiteral("Then update the model from the cached embeddings (seconds).")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the result as JSON.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("IMAGE"), QStringLiteral("An image file (imported if new), or an image's SHA-256."));
        p.addPositionalArgument(QStringLiteral("BREED"), QStringLiteral("Breed id, name or Oxford class id, e.g. great_pyrenees, \"Great Pyrenees\" or 16."));
    }

    int run(const QCommandLineParser& p) const override
    {
        const QStringList args = p.positionalArguments();
        if (args.size() != 2) {
            err() << "petcurator-cli label: give IMAGE and BREED\n";
            return BadArguments;
        }
        const int breed = BreedCatalog::oxford().indexOf(args[1]);
        if (breed < 0) {
            err() << "petcurator-cli label: unknown breed '" << args[1] << "' (the 37 Oxford-IIIT Pet breeds are in data/breeds.txt)\n";
            return BadArguments;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        Workspace& ws = *runtime->workspace;

        auto lookup = [&](const QString& sha256) -> std::optional<std::optional<ImageRecord>> {
            auto found = ws.imageByHash(sha256);
            if (!found) {
                err() << "petcurator-cli label: " << found.error().message << "\n";
                return std::nullopt;
            }
            return *found;
        };
        auto first = lookup(args[0].toLower());
        if (!first)
            return Failure;
        std::optional<ImageRecord> image = *first;
        if (!image && QFileInfo(args[0]).isFile()) {
            // A file: label what is in it (found by content), importing it first when it is new.
            ImportOptions options;
            options.limits = runtime->limits;
            const ImportReport report = importFiles(ws, {QFileInfo(args[0]).absoluteFilePath()}, options, QStringLiteral("label"));
            const auto skipped = std::find_if(report.issues.cbegin(), report.issues.cend(), [](const ImportIssue& i) { return i.skipped; });
            if (skipped != report.issues.cend()) {
                err() << "petcurator-cli label: " << skipped->path << ": " << skipped->reason << "\n";
                return Failure;
            }
            QFile file(args[0]);
            QCryptographicHash hash(QCryptographicHash::Sha256);
            if (file.open(QIODevice::ReadOnly) && hash.addData(&file)) {
                auto imported = lookup(QString::fromLatin1(hash.result().toHex()));
                if (!imported)
                    return Failure;
                image = *imported;
            }
        }
        if (!image) {
            err() << "petcurator-cli label: '" << args[0] << "' is neither an image file nor the SHA-256 of an image in " << ws.dir() << "\n";
            return Failure;
        }
        const QString author = p.isSet(QStringLiteral("author")) ? p.value(QStringLiteral("author")) : qEnvironmentVariable("USER", QStringLiteral("curator"));
        auto event = ws.labels().add(image->id, BreedCatalog::oxford().at(breed).id, LabelOrigin::Curator, author);
        if (!event) {
            err() << "petcurator-cli label: " << event.error().message << "\n";
            return Failure;
        }
        QJsonObject result{{QStringLiteral("image"), image->sha256}, {QStringLiteral("breed"), BreedCatalog::oxford().at(breed).id},
                           {QStringLiteral("event"), *event}};
        if (p.isSet(QStringLiteral("update"))) {
            TrainRequest request;
            request.kind = TrainRequest::Kind::Incremental;
            request.reason = QStringLiteral("correction");
            request.trainer.maxEpochs = 3;
            request.centreViewsFirst = false; // the process ends with the update: no background views
            auto outcome = runtime->loop->train(request);
            if (!outcome) {
                err() << "petcurator-cli label: label saved, but the update failed: " << outcome.error().message << "\n";
                return Failure;
            }
            result.insert(QStringLiteral("model"), outcome->version);
            result.insert(QStringLiteral("activated"), outcome->activated);
            result.insert(QStringLiteral("verdict"), outcome->verdict);
            result.insert(QStringLiteral("seconds"), outcome->seconds);
        }
        if (p.isSet(QStringLiteral("json")))
            out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
        else
            out() << image->sha256.left(12) << " is now " << BreedCatalog::oxford().at(breed).name
                  << (result.contains(QStringLiteral("model"))
                          ? QStringLiteral("; model %1 %2 (%3)").arg(result[QStringLiteral("model")].toString(),
                                                                    result[QStringLiteral("activated")].toBool() ? QStringLiteral("activated") : QStringLiteral("kept as candidate"),
                                                                    result[QStringLiteral("verdict")].toString())
                          : QString())
                  << "\n";
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeLabelCommand() { return std::make_unique<LabelCommand>(); }

} // namespace pc::cli
