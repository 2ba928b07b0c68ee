#include "Command.h"
#include "Runtime.h"

#include "curation/ImageGroups.h"
#include "curation/NearDuplicates.h"
#include "training/EmbeddingCache.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class DuplicatesCommand : public Command {
public:
    QString name() const override { return QStringLiteral("duplicates"); }
    QString summary() const override { return QStringLiteral("Find near-duplicate images (nearly identical embeddings)"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("threshold"), QStringLiteral("Lowest cosine of a pair (default %1).").arg(double(kDefaultNearDuplicateThreshold)),
                     QStringLiteral("COS")});
        p.addOption({QStringLiteral("unlabelled"), QStringLiteral("Only among unlabelled images.")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        if (!p.positionalArguments().isEmpty()) {
            err() << "petcurator-cli duplicates: unexpected argument '" << p.positionalArguments().first() << "'\n";
            return BadArguments;
        }
        float threshold = kDefaultNearDuplicateThreshold;
        if (p.isSet(QStringLiteral("threshold"))) {
            bool ok = false;
            threshold = p.value(QStringLiteral("threshold")).toFloat(&ok);
            if (!ok || !(threshold > 0.f && threshold <= 1.f)) {
                err() << "petcurator-cli duplicates: --threshold must be a cosine above 0 and at most 1\n";
                return BadArguments;
            }
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        Workspace& ws = *runtime->workspace;
        auto ids = imagesIn(ws, p.isSet(QStringLiteral("unlabelled")) ? ImageScope::Unlabelled : ImageScope::All);
        if (!ids) {
            err() << "petcurator-cli duplicates: " << ids.error().message << "\n";
            return Failure;
        }
        catchInterrupts();
        EmbeddingCacheOptions cache;
        cache.cancel = &interruptFlag();
        cache.progress = progressLines(QStringLiteral("embedding"));
        auto embeddings = computeCentreEmbeddings(ws, *runtime->backbone, *ids, cache);
        if (!embeddings) {
            err() << "petcurator-cli duplicates: " << embeddings.error().message << "\n";
            return Failure;
        }
        auto pairs = nearDuplicateImages(*embeddings, threshold);
        auto records = ws.images();
        if (!pairs || !records) {
            err() << "petcurator-cli duplicates: " << (!pairs ? pairs.error() : records.error()).message << "\n";
            return Failure;
        }
        QHash<qint64, const ImageRecord*> byId;
        for (const ImageRecord& r : *records)
            byId.insert(r.id, &r);
        auto describe = [&](qint64 id) {
            const ImageRecord* r = byId.value(id);
            return QJsonObject{{QStringLiteral("sha256"), r ? r->sha256 : QString()}, {QStringLiteral("path"), r ? r->originalPath : QString()}};
        };
        if (p.isSet(QStringLiteral("json"))) {
            QJsonArray list;
            for (const NearDuplicateImages& d : *pairs)
                list.append(QJsonObject{{QStringLiteral("cosine"), qRound(d.cosine * 1e4) / 1e4}, {QStringLiteral("a"), describe(d.a)},
                                        {QStringLiteral("b"), describe(d.b)}});
            out() << QJsonDocument(QJsonObject{{QStringLiteral("threshold"), double(threshold)},
                                               {QStringLiteral("images"), embeddings->imageIds.size()},
                                               {QStringLiteral("not_embedded"), embeddings->missing.size()},
                                               {QStringLiteral("pairs"), list}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
            return Success;
        }
        out() << pairs->size() << " near-duplicate pairs at cosine ≥ " << threshold << " among " << embeddings->imageIds.size() << " images\n";
        for (const NearDuplicateImages& d : *pairs)
            out() << QString::number(d.cosine, 'f', 4) << "  " << describe(d.a)[QStringLiteral("path")].toString() << "  "
                  << describe(d.b)[QStringLiteral("path")].toString() << "\n";
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeDuplicatesCommand() { return std::make_unique<DuplicatesCommand>(); }

} // namespace pc::cli
