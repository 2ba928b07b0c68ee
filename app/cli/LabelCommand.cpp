#include "Command.h"
#include "Runtime.h"

#include "model/BreedCatalog.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class LabelCommand : public Command {
public:
    QString name() const override { return QStringLiteral("label"); }
    QString summary() const override { return QStringLiteral("Set the breed of one or many images (a curator correction)"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("author"), QStringLiteral("Who labels (default: $USER)."), QStringLiteral("NAME")});
        p.addOption({QStringLiteral("update"), QStringLiteral("Then update the model from the cached embeddings (seconds).")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the result as JSON.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("IMAGE"), QStringLiteral("Image files (imported if new) or images' SHA-256, one or many."), QStringLiteral("IMAGE..."));
        p.addPositionalArgument(QStringLiteral("BREED"), QStringLiteral("Breed id, name or Oxford class id, e.g. great_pyrenees, \"Great Pyrenees\" or 16."));
    }

    int run(const QCommandLineParser& p) const override
    {
        const QStringList args = p.positionalArguments();
        if (args.size() < 2) {
            err() << "petcurator-cli label: give one or more IMAGEs, then BREED\n";
            return BadArguments;
        }
        const int breed = BreedCatalog::oxford().indexOf(args.last());
        if (breed < 0) {
            err() << "petcurator-cli label: unknown breed '" << args.last() << "' (the 37 Oxford-IIIT Pet breeds are in data/breeds.txt)\n";
            return BadArguments;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        Workspace& ws = *runtime->workspace;

        // Every image is found (files imported) before any label is written: all or none.
        QVector<ImageRecord> images;
        for (const QString& arg : args.mid(0, args.size() - 1)) {
            auto image = findOrImport(ws, arg, runtime->limits);
            if (!image)
                return Failure;
            if (std::none_of(images.cbegin(), images.cend(), [&](const ImageRecord& r) { return r.id == image->id; }))
                images.append(*image);
        }
        const QString author = p.isSet(QStringLiteral("author")) ? p.value(QStringLiteral("author")) : qEnvironmentVariable("USER", QStringLiteral("curator"));
        QVector<qint64> ids;
        for (const ImageRecord& image : std::as_const(images))
            ids.append(image.id);
        const QString breedId = BreedCatalog::oxford().at(breed).id;
        auto events = ws.labels().addMany(ids, breedId, LabelOrigin::Curator, author);
        if (!events) {
            err() << "petcurator-cli label: " << events.error().message << "\n";
            return Failure;
        }
        QJsonObject result{{QStringLiteral("breed"), breedId}};
        if (images.size() == 1) { // the one-image shape scripts already read
            result.insert(QStringLiteral("image"), images.front().sha256);
            result.insert(QStringLiteral("event"), events->front());
        }
        QJsonArray labelled;
        for (qsizetype i = 0; i < images.size(); ++i)
            labelled.append(QJsonObject{{QStringLiteral("image"), images[i].sha256}, {QStringLiteral("event"), (*events)[i]}});
        result.insert(QStringLiteral("images"), labelled);
        if (p.isSet(QStringLiteral("update"))) {
            TrainRequest request;
            request.kind = TrainRequest::Kind::Incremental;
            request.reason = QStringLiteral("correction");
            request.trainer.maxEpochs = 3;
            request.centreViewsFirst = false; // the process ends with the update: no background views
            auto outcome = runtime->loop->train(request);
            if (!outcome) {
                err() << "petcurator-cli label: labels saved, but the update failed: " << outcome.error().message << "\n";
                return Failure;
            }
            result.insert(QStringLiteral("model"), outcome->version);
            result.insert(QStringLiteral("activated"), outcome->activated);
            result.insert(QStringLiteral("verdict"), outcome->verdict);
            result.insert(QStringLiteral("seconds"), outcome->seconds);
        }
        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
            return Success;
        }
        const QString what = images.size() == 1 ? images.front().sha256.left(12) + QStringLiteral(" is")
                                                : QStringLiteral("%1 images are").arg(images.size());
        out() << what << " now " << BreedCatalog::oxford().at(breed).name
              << (result.contains(QStringLiteral("model"))
                      ? QStringLiteral("; model %1 %2 (%3)").arg(result[QStringLiteral("model")].toString(),
                                                                result[QStringLiteral("activated")].toBool() ? QStringLiteral("activated") : QStringLiteral("kept as candidate"),
                                                                result[QStringLiteral("verdict")].toString())
                      : QString())
              << "\n";
        return Success;
    }

private:
    // An image by SHA-256, or a file (found by content, imported first when new). Prints why not.
    static std::optional<ImageRecord> findOrImport(Workspace& ws, const QString& arg, const DecodeLimits& limits)
    {
        auto lookup = [&](const QString& sha256) -> std::optional<std::optional<ImageRecord>> {
            auto found = ws.imageByHash(sha256);
            if (!found) {
                err() << "petcurator-cli label: " << found.error().message << "\n";
                return std::nullopt;
            }
            return *found;
        };
        auto first = lookup(arg.toLower());
        if (!first)
            return std::nullopt;
        if (*first)
            return **first;
        if (QFileInfo(arg).isFile()) {
            ImportOptions options;
            options.limits = limits;
            const ImportReport report = importFiles(ws, {QFileInfo(arg).absoluteFilePath()}, options, QStringLiteral("label"));
            const auto skipped = std::find_if(report.issues.cbegin(), report.issues.cend(), [](const ImportIssue& i) { return i.skipped; });
            if (skipped != report.issues.cend()) {
                err() << "petcurator-cli label: " << skipped->path << ": " << skipped->reason << "\n";
                return std::nullopt;
            }
            QFile file(arg);
            QCryptographicHash hash(QCryptographicHash::Sha256);
            if (file.open(QIODevice::ReadOnly) && hash.addData(&file)) {
                auto imported = lookup(QString::fromLatin1(hash.result().toHex()));
                if (!imported)
                    return std::nullopt;
                if (*imported)
                    return **imported;
            }
        }
        err() << "petcurator-cli label: '" << arg << "' is neither an image file nor the SHA-256 of an image in " << ws.dir() << "\n";
        return std::nullopt;
    }
};

} // namespace

std::unique_ptr<Command> makeLabelCommand() { return std::make_unique<LabelCommand>(); }

} // namespace pc::cli
