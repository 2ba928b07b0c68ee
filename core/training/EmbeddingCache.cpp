#include "training/EmbeddingCache.h"

#include "model/Backbone.h"
#include "model/BatchEmbedder.h"
#include "workspace/Workspace.h"

#include <QElapsedTimer>

namespace pc {

Expected<EmbeddingCacheReport> updateEmbeddingCache(Workspace& workspace, const Backbone& backbone,
                                                    const EmbeddingCacheOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    EmbeddingCacheReport report;
    const QString hash = backbone.weightsHash();
    const auto cached = workspace.embeddings().imagesWith(hash);
    if (!cached)
        return cached.error();
    const auto images = workspace.images();
    if (!images)
        return images.error();

    QVector<ImageRecord> todo;
    for (const ImageRecord& image : *images) {
        if (cached->contains(image.id))
            ++report.alreadyCached;
        else
            todo << image;
    }

    // Chunks keep memory bounded and commit progress: a cancelled or killed run keeps what it did.
    constexpr int kChunk = 64;
    for (qsizetype start = 0; start < todo.size(); start += kChunk) {
        if (options.cancel && options.cancel->load()) {
            report.cancelled = true;
            break;
        }
        QStringList paths;
        BatchEmbedOptions embed;
        embed.workers = options.workers;
        embed.augmentedViews = options.augmentedViews;
        embed.seed = options.seed;
        embed.cancel = options.cancel;
        const qsizetype end = std::min(todo.size(), start + kChunk);
        for (qsizetype i = start; i < end; ++i) {
            paths << workspace.storedImagePath(todo[i].sha256);
            embed.seeds << quint32(todo[i].id);
        }
        if (options.progress) {
            const int base = int(start);
            embed.progress = [&options, base, total = int(todo.size())](int done, int) { options.progress(base + done, total); };
        }
        const std::vector<EmbeddedFile> results = embedFiles(backbone, paths, embed);
        for (qsizetype i = start; i < end; ++i) {
            const EmbeddedFile& r = results[size_t(i - start)];
            if (r.error) {
                ++report.failed;
                report.failures << QStringLiteral("%1: %2").arg(todo[i].sha256, r.error->message);
            } else if (!r.embedding.empty()) {
                if (auto s = workspace.embeddings().put(todo[i].id, hash, r.embedding); !s)
                    return s.error();
                ++report.computed;
            }
        }
    }
    report.seconds = double(timer.nsecsElapsed()) / 1e9;
    return report;
}

} // namespace pc
