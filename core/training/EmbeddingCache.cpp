#include "training/EmbeddingCache.h"

#include "model/Backbone.h"
#include "model/BatchEmbedder.h"

#include <QElapsedTimer>
#include <opencv2/core.hpp>

namespace pc {

Expected<EmbeddingCacheGaps> embeddingCacheGaps(const Workspace& workspace, const QString& weightsHash, int augmentedViews)
{
    const auto counts = workspace.embeddings().viewCounts(weightsHash);
    if (!counts)
        return counts.error();
    const auto images = workspace.images();
    if (!images)
        return images.error();
    EmbeddingCacheGaps gaps;
    for (const ImageRecord& image : *images) {
        const int views = counts->value(image.id, 0);
        if (views == 0)
            gaps.withoutViews << image;
        else if (views < 1 + std::max(0, augmentedViews))
            gaps.withoutAugmentedViews << image;
        else
            ++gaps.complete;
    }
    return gaps;
}

quint32 augmentationSeed(const QString& sha256)
{
    return sha256.left(8).toUInt(nullptr, 16);
}

namespace {

// One pass of the cache over `todo`: the centre view (when `centre`) and K augmented views of each
// image, stored as one entry per image. Without the centre view, the stored centre row is kept and
// the new augmented rows are put under it.
Status<> fill(Workspace& workspace, const Backbone& backbone, const QVector<ImageRecord>& todo, bool centre, int augmented,
              const EmbeddingCacheOptions& options, int progressBase, int progressTotal, EmbeddingCacheReport& report)
{
    const QString hash = backbone.weightsHash();
    // Chunks keep memory bounded and commit progress: a cancelled or killed run keeps what it did.
    // Large enough that the workers' last, partly idle batches of a chunk cost little.
    constexpr int kChunk = 128;
    for (qsizetype start = 0; start < todo.size(); start += kChunk) {
        if (options.cancel && options.cancel->load()) {
            report.cancelled = true;
            break;
        }
        QStringList paths;
        BatchEmbedOptions embed;
        embed.workers = options.workers;
        embed.centreView = centre;
        embed.augmentedViews = augmented;
        embed.viewsPerForward = options.viewsPerForward;
        embed.seed = options.seed;
        embed.cancel = options.cancel;
        const qsizetype end = std::min(todo.size(), start + kChunk);
        for (qsizetype i = start; i < end; ++i) {
            paths << workspace.storedImagePath(todo[i].sha256);
            embed.seeds << augmentationSeed(todo[i].sha256);
        }
        if (options.progress) {
            const int base = progressBase + int(start);
            embed.progress = [&options, base, progressTotal](int done, int) { options.progress(base + done, progressTotal); };
        }
        const std::vector<EmbeddedFile> results = embedFiles(backbone, paths, embed);
        for (qsizetype i = start; i < end; ++i) {
            const EmbeddedFile& r = results[size_t(i - start)];
            if (r.error) {
                ++report.failed;
                report.failures << QStringLiteral("%1: %2").arg(todo[i].sha256, r.error->message);
                continue;
            }
            if (r.embedding.empty()) // cancelled before this image
                continue;
            cv::Mat views = r.embedding;
            if (!centre) {
                const auto stored = workspace.embeddings().views(todo[i].id, hash);
                if (!stored)
                    return stored.error();
                if (!*stored) // the entry went (another backbone's cache cleared it?): the centre view comes next time
                    continue;
                cv::vconcat((*stored)->row(0), r.embedding, views);
            }
            if (centre && augmented == 0) {
                // The centre view alone: kept out of an entry the background fill completed meanwhile.
                const auto added = workspace.embeddings().putIfAbsent(todo[i].id, hash, views);
                if (!added)
                    return added.error();
                if (!*added)
                    continue;
            } else if (auto s = workspace.embeddings().put(todo[i].id, hash, views); !s) {
                return s.error();
            }
            ++report.computed;
            report.views += r.embedding.rows;
        }
    }
    if (options.cancel && options.cancel->load())
        report.cancelled = true;
    return done();
}

} // namespace

Expected<EmbeddingCacheReport> updateEmbeddingCache(Workspace& workspace, const Backbone& backbone,
                                                    const EmbeddingCacheOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    EmbeddingCacheReport report;
    const int augmented = std::max(0, options.augmentedViews);
    const auto gaps = embeddingCacheGaps(workspace, backbone.weightsHash(), augmented);
    if (!gaps)
        return gaps.error();
    const bool centreOnly = options.views == EmbeddingCacheOptions::Views::CentreOnly;
    report.alreadyCached = gaps->complete + (centreOnly ? int(gaps->withoutAugmentedViews.size()) : 0);
    const int total = int(gaps->withoutViews.size()) + (centreOnly ? 0 : int(gaps->withoutAugmentedViews.size()));
    // New images first, whole: with the centre view alone when that is all that is asked for.
    if (auto s = fill(workspace, backbone, gaps->withoutViews, true, centreOnly ? 0 : augmented, options, 0, total, report); !s)
        return s.error();
    // Then the augmented views of images that have only their centre view so far.
    if (!centreOnly && !report.cancelled) {
        if (auto s = fill(workspace, backbone, gaps->withoutAugmentedViews, false, augmented, options, int(gaps->withoutViews.size()), total, report); !s)
            return s.error();
    }
    report.seconds = double(timer.nsecsElapsed()) / 1e9;
    return report;
}

} // namespace pc
