#include "Command.h"
#include "Runtime.h"

#include "curation/ImageGroups.h"
#include "model/BreedCatalog.h"
#include "training/EmbeddingCache.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class GroupsCommand : public Command {
public:
    QString name() const override { return QStringLiteral("groups"); }
    QString summary() const override { return QStringLiteral("Group similar images (unlabelled by default), to name each group at once"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("k"), QStringLiteral("Number of groups (default: chosen automatically)."), QStringLiteral("K")});
        p.addOption({QStringLiteral("all"), QStringLiteral("Group every image, labelled ones too.")});
        p.addOption({QStringLiteral("seed"), QStringLiteral("Seed of the grouping (default 1)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        if (!p.positionalArguments().isEmpty()) {
            err() << "petcurator-cli groups: unexpected argument '" << p.positionalArguments().first() << "'\n";
            return BadArguments;
        }
        ClusterOptions options;
        int seed = 1;
        if (!intOption(p, name(), QStringLiteral("k"), 1, 10000, options.k) || !intOption(p, name(), QStringLiteral("seed"), 0, 1 << 30, seed))
            return BadArguments;
        options.seed = quint32(seed);
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        Workspace& ws = *runtime->workspace;
        const ImageScope scope = p.isSet(QStringLiteral("all")) ? ImageScope::All : ImageScope::Unlabelled;
        auto ids = imagesIn(ws, scope);
        if (!ids) {
            err() << "petcurator-cli groups: " << ids.error().message << "\n";
            return Failure;
        }
        const bool json = p.isSet(QStringLiteral("json"));
        if (ids->isEmpty()) {
            if (json)
                out() << QJsonDocument(QJsonObject{{QStringLiteral("k"), 0}, {QStringLiteral("images"), 0}, {QStringLiteral("groups"), QJsonArray{}}}).toJson(QJsonDocument::Compact) << "\n";
            else
                out() << "No " << (scope == ImageScope::Unlabelled ? "unlabelled " : "") << "images to group in " << ws.dir() << "\n";
            return Success;
        }
        catchInterrupts();
        EmbeddingCacheOptions cache;
        cache.cancel = &interruptFlag();
        cache.progress = progressLines(QStringLiteral("embedding"));
        auto embeddings = computeCentreEmbeddings(ws, *runtime->backbone, *ids, cache);
        if (!embeddings) {
            err() << "petcurator-cli groups: " << embeddings.error().message << "\n";
            return Failure;
        }
        if (embeddings->rows.empty()) {
            err() << "petcurator-cli groups: none of the " << ids->size() << " images could be embedded\n";
            return Failure;
        }
        QStringList suggestions;
        const auto model = runtime->active->snapshot();
        if (model && !model->backbone) // a fine-tuned backbone has embeddings of its own
            suggestions = topBreeds(model->head, embeddings->rows);
        options.cancel = &interruptFlag();
        auto grouping = groupImages(*embeddings, suggestions, options);
        if (!grouping) {
            err() << "petcurator-cli groups: " << grouping.error().message << "\n";
            return Failure;
        }
        auto records = ws.images();
        if (!records) {
            err() << "petcurator-cli groups: " << records.error().message << "\n";
            return Failure;
        }
        QHash<qint64, const ImageRecord*> byId;
        for (const ImageRecord& r : *records)
            byId.insert(r.id, &r);

        const BreedCatalog& breeds = BreedCatalog::oxford();
        if (json) {
            QJsonArray groups;
            for (const ImageGroup& g : grouping->groups) {
                QJsonArray images;
                for (qsizetype i = 0; i < g.imageIds.size(); ++i) {
                    const ImageRecord* r = byId.value(g.imageIds[i]);
                    images.append(QJsonObject{{QStringLiteral("sha256"), r ? r->sha256 : QString()},
                                              {QStringLiteral("path"), r ? r->originalPath : QString()},
                                              {QStringLiteral("similarity"), qRound(g.similarity[i] * 1e4) / 1e4}});
                }
                QJsonArray suggestions;
                for (qsizetype i = 0; i < g.suggestions.size(); ++i)
                    suggestions.append(QJsonObject{{QStringLiteral("breed"), g.suggestions[i]}, {QStringLiteral("votes"), g.votes[i]}});
                groups.append(QJsonObject{{QStringLiteral("size"), g.imageIds.size()},
                                          {QStringLiteral("suggestion"), g.suggestions.value(0)},
                                          {QStringLiteral("suggestions"), suggestions},
                                          {QStringLiteral("images"), images}});
            }
            out() << QJsonDocument(QJsonObject{{QStringLiteral("k"), grouping->k}, {QStringLiteral("automatic"), grouping->automatic},
                                               {QStringLiteral("scope"), scope == ImageScope::All ? QStringLiteral("all") : QStringLiteral("unlabelled")},
                                               {QStringLiteral("images"), embeddings->imageIds.size()},
                                               {QStringLiteral("not_embedded"), embeddings->missing.size()},
                                               {QStringLiteral("groups"), groups}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
            return Success;
        }
        out() << grouping->k << " groups (" << (grouping->automatic ? "k chosen automatically" : "k given") << ") of "
              << embeddings->imageIds.size() << (scope == ImageScope::All ? " images" : " unlabelled images");
        if (!embeddings->missing.isEmpty())
            out() << "; " << embeddings->missing.size() << " could not be embedded";
        out() << "\n";
        for (qsizetype g = 0; g < grouping->groups.size(); ++g) {
            const ImageGroup& group = grouping->groups[g];
            out() << "\nGroup " << g + 1 << " · " << group.imageIds.size() << " images";
            for (qsizetype i = 0; i < group.suggestions.size(); ++i)
                out() << (i == 0 ? " · suggestions: " : ", ") << breeds.at(breeds.indexOf(group.suggestions[i])).name << " ("
                      << group.votes[i] << ")";
            out() << "\n";
            for (qsizetype i = 0; i < group.imageIds.size(); ++i) {
                const ImageRecord* r = byId.value(group.imageIds[i]);
                out() << "  " << (r ? r->sha256 : QString()) << "  " << QString::number(group.similarity[i], 'f', 3) << "  "
                      << (r ? r->originalPath : QString()) << "\n";
            }
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeGroupsCommand() { return std::make_unique<GroupsCommand>(); }

} // namespace pc::cli
