#include "PredictionService.h"
#include "model/BreedCatalog.h"

#include "Background.h"
#include "model/ActiveModel.h"
#include "model/Backbone.h"
#include "model/EmbeddingRows.h"
#include "model/Predictor.h"
#include "workspace/Workspace.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QSet>
#include <QTimer>
#include <deque>
#include <numeric>
#include <opencv2/core.hpp>

namespace pc {

namespace {
constexpr int kFlushMs = 60;
constexpr int kRefreshChunk = 1024;

struct Outgoing {
    GalleryModel::PredictionUpdate update;
    cv::Mat embedding; // 1 × 1280 when known (lets a late result follow a model swap)
};

QJsonArray topJson(const std::vector<Guess>& top)
{
    QJsonArray a;
    for (const Guess& g : top)
        a.append(QJsonObject{{QStringLiteral("label"), g.label}, {QStringLiteral("p"), double(g.p)}});
    return a;
}
} // namespace

struct PredictionService::Shared {
    QMutex mutex;
    std::deque<ImageRef> queue;
    QSet<qint64> queued;
    // Centre-view embedding per image (of the shared backbone), in chunks: see EmbeddingRows.h for
    // why not one heap block per image.
    EmbeddingRows centre{Backbone::kEmbeddingSize};
    QVector<Outgoing> outbox;
    QVector<QPair<qint64, QString>> failures;
    int dropped = 0;                   // counted units that produce no result
    int running = 0;
    bool flushScheduled = false;
    bool stopped = false;
    std::atomic_int pending{0};
};

PredictionService::PredictionService(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone,
                                     std::shared_ptr<ActiveModel> active, int workers, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_backbone(std::move(backbone)), m_active(std::move(active)),
      m_shared(std::make_shared<Shared>())
{
    setWorkers(workers);
    m_pool.setExpiryTimeout(-1);
    m_pool.setObjectName(QStringLiteral("predictions"));
    m_refreshPool.setMaxThreadCount(1);
    m_refreshPool.setExpiryTimeout(-1);
    m_refreshPool.setObjectName(QStringLiteral("prediction-refresh"));
}

PredictionService::~PredictionService()
{
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->stopped = true;
        m_shared->queue.clear();
    }
    m_refreshPool.waitForDone();
    m_pool.waitForDone();
}

void PredictionService::setWorkers(int workers)
{
    m_workers = std::max(1, workers);
    m_pool.setMaxThreadCount(m_workers);
}

int PredictionService::pending() const { return m_shared->pending.load(); }

QString PredictionService::activeVersion() const
{
    const auto s = m_active->snapshot();
    return s ? s->version : QString();
}

std::vector<Guess> PredictionService::topGuesses(const ModelSnapshot& model, const cv::Mat& probabilities, int k)
{
    const QStringList& classes = model.head.classes();
    const std::vector<bool>& learned = model.head.learned();
    const float* p = probabilities.ptr<float>(0);
    std::vector<int> idx;
    for (int i = 0; i < probabilities.cols && i < classes.size(); ++i)
        if (size_t(i) >= learned.size() || learned[size_t(i)])
            idx.push_back(i);
    k = std::min<int>(k, int(idx.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [p](int a, int b) { return p[a] > p[b]; });
    std::vector<Guess> out;
    for (int i = 0; i < k; ++i)
        out.push_back(Guess{classes[idx[size_t(i)]], breedDisplayName(classes[idx[size_t(i)]]), p[idx[size_t(i)]]});
    return out;
}

void PredictionService::predict(const QVector<ImageRef>& images)
{
    for (const ImageRef& r : images)
        m_shaOf.insert(r.id, r.sha256);
    int added = 0;
    {
        QMutexLocker lock(&m_shared->mutex);
        for (const ImageRef& r : images) {
            if (m_shared->queued.contains(r.id))
                continue;
            m_shared->queued.insert(r.id);
            m_shared->queue.push_back(r);
            ++added;
        }
    }
    if (added == 0)
        return;
    m_shared->pending += added;
    Q_EMIT pendingChanged(pending());
    startWorkers();
}

void PredictionService::startWorkers()
{
    auto shared = m_shared;
    auto workspace = m_workspace;
    auto backbone = m_backbone;
    auto active = m_active;
    const bool oneThreadEach = m_workers > 1;
    QMutexLocker lock(&shared->mutex);
    while (!shared->stopped && shared->running < m_workers && shared->running < int(shared->queue.size())) {
        ++shared->running;
        m_pool.start([this, shared, workspace, backbone, active, oneThreadEach] {
            // Below the UI, above training (nice 5): new photos get their predictions during a run.
            lowerCurrentThreadPriority(3);
            if (oneThreadEach)
                Backbone::useOneThreadHere();
            const Predictor predictor(backbone, active);
            for (;;) {
                ImageRef ref;
                {
                    QMutexLocker lock(&shared->mutex);
                    if (shared->stopped || shared->queue.empty()) {
                        --shared->running;
                        return;
                    }
                    ref = shared->queue.front();
                    shared->queue.pop_front();
                }
                const auto before = active->snapshot();
                auto result = predictor.predictFile(workspace->storedImagePath(ref.sha256), 3);
                // The vector is the shared backbone's (reusable after a swap) unless the model that
                // answered brought its own fine-tuned backbone.
                const bool baseEmbedding = result && before && before->version == result->model && !before->backbone;
                QMutexLocker lock(&shared->mutex);
                shared->queued.remove(ref.id);
                if (!result) {
                    shared->failures.append({ref.id, result.error().message});
                } else {
                    // A swap during the forward pass: answer with the model that is live now.
                    const auto snap = active->snapshot();
                    if (snap && snap->version != result->model) {
                        if (!baseEmbedding || snap->backbone) {
                            // Needs a new forward pass through the other backbone: again, same count.
                            shared->queued.insert(ref.id);
                            shared->queue.push_back(ref);
                            continue;
                        }
                        result->top = topGuesses(*snap, snap->head.probabilities(result->embedding));
                        result->model = snap->version;
                    }
                    Outgoing o;
                    o.update = {ref.id, result->top, result->model, result->ms, false};
                    if (baseEmbedding && shared->centre.insert(ref.id, result->embedding))
                        o.embedding = shared->centre.row(ref.id); // the stored copy: the worker's block is freed now
                    result->embedding.release();
                    shared->outbox.append(o);
                    lock.unlock();
                    (void)workspace->savePrediction(StoredPrediction{ref.id, result->model, topJson(result->top), result->ms,
                                                                     QDateTime::currentDateTimeUtc()});
                    lock.relock();
                }
                if (!shared->flushScheduled && !shared->stopped) {
                    shared->flushScheduled = true;
                    QMetaObject::invokeMethod(this, &PredictionService::scheduleFlush, Qt::QueuedConnection);
                }
            }
        });
    }
}

void PredictionService::refresh(const QVector<ImageRef>& images)
{
    if (images.isEmpty())
        return;
    for (const ImageRef& r : images)
        m_shaOf.insert(r.id, r.sha256);
    m_shared->pending += int(images.size());
    Q_EMIT pendingChanged(pending());
    auto shared = m_shared;
    auto workspace = m_workspace;
    auto backbone = m_backbone;
    auto active = m_active;
    m_refreshPool.start([this, shared, workspace, backbone, active, images] {
        lowerCurrentThreadPriority(3);
        const auto snap = active->snapshot();
        const QString hash = backbone->weightsHash();
        // The centre views the embedding cache holds that we don't have yet.
        const QSet<qint64> cached = workspace->imagesWithEmbeddings(hash);
        QVector<qint64> missing;
        {
            QMutexLocker lock(&shared->mutex);
            for (qint64 id : cached)
                if (!shared->centre.contains(id))
                    missing << id;
        }
        if (!missing.isEmpty()) {
            if (missing.size() > 2000) {
                const QHash<qint64, cv::Mat> all = workspace->allEmbeddings(hash);
                QMutexLocker lock(&shared->mutex);
                for (qint64 id : missing)
                    if (auto it = all.constFind(id); it != all.constEnd() && !it->empty())
                        shared->centre.insert(id, it->row(0));
            } else {
                for (qint64 id : missing)
                    if (auto e = workspace->embeddings(id, hash); e && !e->empty()) {
                        QMutexLocker lock(&shared->mutex);
                        shared->centre.insert(id, e->row(0));
                    }
            }
        }
        QVector<ImageRef> known, unknown;
        std::vector<cv::Mat> rows;
        {
            QMutexLocker lock(&shared->mutex);
            for (const ImageRef& r : images) {
                const cv::Mat row = shared->centre.row(r.id); // rows never change once stored
                if (!row.empty() && snap && !snap->backbone && row.cols == snap->head.inputSize()) {
                    known << r;
                    rows.push_back(row);
                } else {
                    unknown << r;
                }
            }
        }
        QVector<StoredPrediction> toSave;
        for (qsizetype start = 0; start < known.size(); start += kRefreshChunk) {
            const qsizetype n = std::min<qsizetype>(kRefreshChunk, known.size() - start);
            QElapsedTimer timer;
            timer.start();
            cv::Mat stacked;
            std::vector<cv::Mat> chunk(rows.begin() + start, rows.begin() + start + n);
            cv::vconcat(chunk, stacked);
            const cv::Mat probabilities = snap->head.probabilities(stacked);
            QVector<Outgoing> out;
            out.reserve(n);
            for (int i = 0; i < int(n); ++i) {
                Outgoing o;
                o.update = {known[start + i].id, topGuesses(*snap, probabilities.row(i)), snap->version, 0, true};
                out.append(o);
            }
            const double msEach = double(timer.nsecsElapsed()) / 1e6 / double(n);
            for (Outgoing& o : out) {
                o.update.ms = msEach;
                toSave.append(StoredPrediction{o.update.imageId, o.update.model, topJson(o.update.top), msEach,
                                               QDateTime::currentDateTimeUtc()});
            }
            QMutexLocker lock(&shared->mutex);
            if (shared->stopped)
                return;
            shared->outbox += out;
            if (!shared->flushScheduled) {
                shared->flushScheduled = true;
                QMetaObject::invokeMethod(this, &PredictionService::scheduleFlush, Qt::QueuedConnection);
            }
        }
        // Images never embedded: a full prediction (already counted as pending).
        if (!unknown.isEmpty()) {
            int duplicates = 0;
            {
                QMutexLocker lock(&shared->mutex);
                for (const ImageRef& r : unknown) {
                    if (shared->queued.contains(r.id)) {
                        ++duplicates;
                        continue;
                    }
                    shared->queued.insert(r.id);
                    shared->queue.push_back(r);
                }
                shared->dropped += duplicates;
            }
            QMetaObject::invokeMethod(this, [this] { startWorkers(); scheduleFlush(); }, Qt::QueuedConnection);
        }
        // Persist last: the screen is already up to date.
        for (const StoredPrediction& p : toSave) {
            if (shared->stopped)
                return;
            (void)workspace->savePrediction(p);
        }
    });
}

void PredictionService::scheduleFlush()
{
    QTimer::singleShot(kFlushMs, this, &PredictionService::flush);
}

void PredictionService::flush()
{
    QVector<Outgoing> out;
    QVector<QPair<qint64, QString>> failures;
    int dropped = 0;
    {
        QMutexLocker lock(&m_shared->mutex);
        out.swap(m_shared->outbox);
        failures.swap(m_shared->failures);
        std::swap(dropped, m_shared->dropped);
        m_shared->flushScheduled = false;
    }
    const auto snap = m_active->snapshot();
    QVector<qint64> requeue;
    QVector<GalleryModel::PredictionUpdate> batch;
    batch.reserve(out.size());
    for (Outgoing& o : out) {
        if (snap && o.update.model != snap->version) {
            if (o.update.fromCache)
                continue; // a newer refresh covers it
            if (o.embedding.empty() || snap->backbone) {
                requeue.append(o.update.imageId);
                continue;
            }
            o.update.top = topGuesses(*snap, snap->head.probabilities(o.embedding));
            o.update.model = snap->version;
        }
        batch.append(std::move(o.update));
    }
    if (!requeue.isEmpty()) {
        // Answered by a model that is gone, with a vector we can't reuse: predict again (still counted).
        QMutexLocker lock(&m_shared->mutex);
        for (qint64 id : requeue) {
            const QString sha = m_shaOf.value(id);
            if (sha.isEmpty() || m_shared->queued.contains(id)) {
                ++dropped;
                continue;
            }
            m_shared->queued.insert(id);
            m_shared->queue.push_back(ImageRef{id, sha});
        }
    }
    if (!requeue.isEmpty())
        startWorkers();
    const int done = int(out.size() - requeue.size() + failures.size()) + dropped;
    if (!batch.isEmpty())
        Q_EMIT predicted(batch);
    for (const auto& f : failures)
        Q_EMIT failed(f.first, f.second);
    if (done > 0) {
        const int left = (m_shared->pending -= done);
        Q_EMIT pendingChanged(std::max(0, left));
        if (left <= 0) {
            m_shared->pending = 0;
            Q_EMIT idle();
        }
    }
}

} // namespace pc
