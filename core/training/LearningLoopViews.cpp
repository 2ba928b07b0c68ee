// The learning loop's embedding-cache step: which views a run trains on, filling them, keeping them
// in memory, and the augmented views that a centre-views-first run leaves for the background.
#include "training/LearningLoop.h"

#include "model/Backbone.h"
#include "training/BackgroundViews.h"
#include "training/EmbeddingCache.h"
#include "training/Strand.h"
#include "workspace/Workspace.h"

namespace pc {

Expected<bool> LearningLoop::trainsOnCentreViewsFirst(const TrainRequest& request) const
{
    // Fine-tuning reads the photos themselves, for minutes: a first model on centre views would
    // not come sooner.
    if (!request.centreViewsFirst || request.augmentedViews <= 0 || request.fineTuneBlocks > 0)
        return false;
    const auto gaps = embeddingCacheGaps(*m_workspace, m_backbone->weightsHash(), request.augmentedViews);
    if (!gaps)
        return gaps.error();
    const qsizetype missing = gaps->withoutViews.size() + gaps->withoutAugmentedViews.size();
    return missing > 0 && missing >= request.centreFirstMinImages;
}

Status<> LearningLoop::fillEmbeddingCache(const TrainRequest& request, bool centreViewsOnly, TrainOutcome& outcome)
{
    Q_ASSERT(m_strand->isCurrentThread());
    Q_EMIT stageChanged(QStringLiteral("embedding"), 0, 0);
    EmbeddingCacheOptions options;
    options.views = centreViewsOnly ? EmbeddingCacheOptions::Views::CentreOnly : EmbeddingCacheOptions::Views::All;
    options.augmentedViews = request.augmentedViews;
    options.cancel = &m_runCancel;
    options.progress = [this](int done, int total) { Q_EMIT stageChanged(QStringLiteral("embedding"), done, total); };
    auto cache = updateEmbeddingCache(*m_workspace, *m_backbone, options);
    if (!cache)
        return cache.error();
    outcome.viewsEmbedded = cache->views;
    outcome.embeddingSeconds = cache->seconds;
    return refreshEmbeddings();
}

Status<> LearningLoop::refreshEmbeddings()
{
    const QString hash = m_backbone->weightsHash();
    if (m_embeddingsHash != hash) {
        m_embeddings.clear();
        m_embeddingsHash = hash;
    }
    // Keep the vectors in memory between runs: reloading 7,000 × 5 × 1280 each time costs more
    // than an incremental training.
    if (m_embeddings.isEmpty()) {
        auto all = m_workspace->embeddings().all(hash);
        if (!all)
            return all.error();
        m_embeddings = std::move(*all);
        return done();
    }
    // New images, and images whose augmented views came since (more rows than we hold).
    const auto counts = m_workspace->embeddings().viewCounts(hash);
    if (!counts)
        return counts.error();
    for (auto it = counts->cbegin(); it != counts->cend(); ++it) {
        const auto held = m_embeddings.constFind(it.key());
        if (held != m_embeddings.cend() && held->rows == it.value())
            continue;
        auto views = m_workspace->embeddings().views(it.key(), hash);
        if (!views)
            return views.error();
        if (*views)
            m_embeddings.insert(it.key(), **views);
    }
    return done();
}

void LearningLoop::fillAugmentedViewsLater(const TrainRequest& request, quint64 ticket)
{
    Q_ASSERT(m_strand->isCurrentThread());
    auto stillWanted = [this, ticket] {
        std::lock_guard lock(m_cancelMutex);
        return m_cancelGeneration == ticket;
    };
    if (!stillWanted())
        return; // cancelled while this run was saving or being judged
    TrainRequest next = request;
    next.reason = QStringLiteral("augmented views ready");
    next.onlyIfNew = false; // the labels are the same; the views are the news
    // Runs on the fill's thread; the training goes on the strand like any request.
    m_views->start(request.augmentedViews, [this, next, ticket](const Expected<EmbeddingCacheReport>& report) {
        if (!report) {
            // The model on centre views stays; the next training fills what is missing.
            qWarning("augmented views: %s", qPrintable(report.error().message));
            return;
        }
        if (report->cancelled)
            return;
        Q_EMIT augmentedViewsReady(report->views, report->seconds);
        ++m_trainings;
        m_strand->post([this, next, ticket] {
            if (!m_awaitingAugmentedViews) { // a training on every view ran in between
                --m_trainings;
                return;
            }
            runAndReport(next, ticket);
        });
    }, [this](int done, int total) { Q_EMIT augmentedViewsProgress(done, total); });
    if (!stillWanted()) // a Cancel between the check and the start
        m_views->cancel();
}

} // namespace pc
