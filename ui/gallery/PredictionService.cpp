#include "PredictionService.h"
#include "model/BreedCatalog.h"

#include "model/ActiveModel.h"
#include "model/Backbone.h"
#include "model/BatchEmbedder.h"
#include "model/BatchPredictor.h"
#include "model/EmbeddingRows.h"
#include "model/Predictor.h"
#include "workspace/Workspace.h"

#include <QMutex>
#include <QPointer>
#include <QTimer>
#include <atomic>
#include <opencv2/core.hpp>

namespace pc {

namespace {
// A photo dropped in shows its guesses at once; a long run of predictions reaches the screen a few
// times a second, so the gallery repaints (the UI thread's time, taken from the predictions) stay few.
constexpr int kFlushMs = 60;
constexpr int kBulkFlushMs = 250;
constexpr int kBulkPending = 32;
constexpr int kTop = 3;

struct Outgoing {
    GalleryModel::PredictionUpdate update;
    cv::Mat embedding; // 1 × 1280 when known (lets a late result follow a model swap)
};

// The screen shows the prediction already; one that isn't stored is only computed again on the
// next start, so a failed save is logged, not shown.
void savePrediction(Workspace& workspace, const StoredPrediction& prediction)
{
    if (auto s = workspace.predictions().save(prediction); !s)
        qWarning("predictions: %s", qPrintable(s.error().message));
}

QJsonArray topJson(const std::vector<Guess>& top)
{
    QJsonArray a;
    for (const Guess& g : top)
        a.append(QJsonObject{{QStringLiteral("label"), g.label}, {QStringLiteral("p"), double(g.p)}});
    return a;
}
} // namespace

// What the workers hand to the UI thread, and the centre embeddings they share. One lock.
struct PredictionService::Results {
    QMutex mutex;
    // Centre-view embedding per image (of the shared backbone), in chunks: see EmbeddingRows.h for
    // why not one heap block per image.
    EmbeddingRows centre{Backbone::kEmbeddingSize};
    QVector<Outgoing> outbox;
    QVector<QPair<qint64, QString>> failures;
    int dropped = 0;            // counted images that produce no result
    bool flushScheduled = false;
    std::atomic_bool stopped{false};
    std::atomic_int pending{0}; // images asked for and not yet delivered
};

PredictionService::PredictionService(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone,
                                     std::shared_ptr<ActiveModel> active, int workers, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_backbone(std::move(backbone)), m_active(std::move(active)),
      m_results(std::make_unique<Results>()),
      // Below the UI and its paint helpers (see ThreadPriority.h): a frame never waits for a prediction.
      m_predictions({.name = QStringLiteral("predictions"), .workers = std::max(1, workers), .priority = ThreadPriority::Background}),
      m_refreshes({.name = QStringLiteral("prediction-refr"), .workers = 1, .priority = ThreadPriority::Background})
{
}

PredictionService::~PredictionService()
{
    m_results->stopped = true; // a long refresh stops between chunks
    m_refreshes.cancel();
    m_refreshes.waitForIdle();
    m_predictions.cancel();
    m_predictions.waitForIdle();
}

void PredictionService::setWorkers(int workers)
{
    m_predictions.setWorkers(workers);
}

int PredictionService::pending() const { return m_results->pending.load(); }

QString PredictionService::activeVersion() const
{
    const auto s = m_active->snapshot();
    return s ? s->version : QString();
}

void PredictionService::predict(const QVector<ImageRef>& images)
{
    int added = 0;
    for (const ImageRef& r : images) {
        m_shaOf.insert(r.id, r.sha256);
        added += postPrediction(r) ? 1 : 0;
    }
    if (added == 0)
        return;
    m_results->pending += added;
    Q_EMIT pendingChanged(pending());
}

bool PredictionService::postPrediction(const ImageRef& ref)
{
    return m_predictions.post([this, ref] { predictNow(ref); }, QString::number(ref.id));
}

void PredictionService::predictNow(const ImageRef& ref)
{
    Results& r = *m_results;
    if (r.stopped)
        return;
    // Two streams of one thread each beat one of two threads (see BatchEmbedder.h).
    if (m_predictions.workers() > 1)
        Backbone::useOneThreadHere();
    const Predictor predictor(m_backbone, m_active);
    const QString path = m_workspace->storedImagePath(ref.sha256);
    for (;;) {
        const auto before = m_active->snapshot();
        auto result = predictor.predictFile(path, kTop);
        if (!result) {
            QMutexLocker lock(&r.mutex);
            r.failures.append({ref.id, result.error().message});
            break;
        }
        // The vector is the shared backbone's (reusable after a swap) unless the model that
        // answered brought its own fine-tuned backbone.
        const bool baseEmbedding = before && before->version == result->model && !before->backbone;
        // A swap during the forward pass: answer with the model that is live now.
        const auto live = m_active->snapshot();
        if (live && live->version != result->model) {
            const BatchPredictor now(live, kTop);
            if (!baseEmbedding || !now.accepts(result->embedding))
                continue; // needs a forward pass through the other backbone
            result->top = now.predictOne(result->embedding);
            result->model = live->version;
        }
        Outgoing o;
        o.update = {ref.id, result->top, result->model, result->ms, false};
        {
            QMutexLocker lock(&r.mutex);
            if (baseEmbedding && r.centre.insert(ref.id, result->embedding))
                o.embedding = r.centre.row(ref.id); // the stored copy: the worker's block is freed now
            r.outbox.append(o);
        }
        result->embedding.release();
        savePrediction(*m_workspace, StoredPrediction{ref.id, result->model, topJson(result->top), result->ms,
                                                           QDateTime::currentDateTimeUtc()});
        break;
    }
    QMutexLocker lock(&r.mutex);
    if (!r.flushScheduled && !r.stopped) {
        r.flushScheduled = true;
        QMetaObject::invokeMethod(this, &PredictionService::scheduleFlush, Qt::QueuedConnection);
    }
}

void PredictionService::refresh(const QVector<ImageRef>& images)
{
    if (images.isEmpty())
        return;
    for (const ImageRef& r : images)
        m_shaOf.insert(r.id, r.sha256);
    m_results->pending += int(images.size());
    Q_EMIT pendingChanged(pending());
    m_refreshes.post([this, images] { refreshNow(images); });
}

void PredictionService::loadCachedCentres(const QVector<qint64>& imageIds)
{
    Results& r = *m_results;
    const QString hash = m_backbone->weightsHash();
    // The centre views the embedding cache holds that we don't have yet (of every image when no
    // ids are given). A cache that can't be read only costs time: those images get computed.
    const auto cachedRead = m_workspace->embeddings().imagesWith(hash);
    if (!cachedRead)
        qWarning("predictions: %s", qPrintable(cachedRead.error().message));
    const QSet<qint64> cached = cachedRead ? *cachedRead : QSet<qint64>();
    QVector<qint64> missing;
    {
        QMutexLocker lock(&r.mutex);
        if (imageIds.isEmpty()) {
            for (qint64 id : cached)
                if (!r.centre.contains(id))
                    missing << id;
        } else {
            for (qint64 id : imageIds)
                if (cached.contains(id) && !r.centre.contains(id))
                    missing << id;
        }
    }
    if (missing.size() > 2000) {
        const auto allRead = m_workspace->embeddings().centreViews(hash);
        if (!allRead)
            qWarning("predictions: %s", qPrintable(allRead.error().message));
        const QHash<qint64, cv::Mat> all = allRead ? *allRead : QHash<qint64, cv::Mat>();
        QMutexLocker lock(&r.mutex);
        for (qint64 id : missing)
            if (auto it = all.constFind(id); it != all.constEnd() && !it->empty())
                r.centre.insert(id, it->row(0));
        return;
    }
    for (qint64 id : missing) {
        const auto e = m_workspace->embeddings().views(id, hash);
        if (!e) {
            qWarning("predictions: %s", qPrintable(e.error().message));
            continue;
        }
        if (*e && !(*e)->empty()) {
            QMutexLocker lock(&r.mutex);
            r.centre.insert(id, (*e)->row(0));
        }
    }
}

void PredictionService::centreEmbeddings(const QVector<ImageRef>& images, QObject* context,
                                         std::function<void(const CentreEmbeddings&)> done)
{
    QPointer<QObject> guard(context);
    m_refreshes.post([this, images, guard, done = std::move(done)] {
        Results& r = *m_results;
        QVector<qint64> ids;
        ids.reserve(images.size());
        for (const ImageRef& ref : images)
            ids << ref.id;
        loadCachedCentres(ids);
        QVector<ImageRef> unknown;
        {
            QMutexLocker lock(&r.mutex);
            for (const ImageRef& ref : images)
                if (!r.centre.contains(ref.id))
                    unknown << ref;
        }
        // The rest through the shared backbone, centre view only, in batches.
        constexpr qsizetype kChunk = 64;
        for (qsizetype start = 0; start < unknown.size() && !r.stopped; start += kChunk) {
            QStringList paths;
            const qsizetype end = std::min(unknown.size(), start + kChunk);
            for (qsizetype i = start; i < end; ++i)
                paths << m_workspace->storedImagePath(unknown[i].sha256);
            BatchEmbedOptions options;
            options.workers = m_predictions.workers();
            options.cancel = &r.stopped;
            const std::vector<EmbeddedFile> embedded = embedFiles(*m_backbone, paths, options);
            QMutexLocker lock(&r.mutex);
            for (qsizetype i = start; i < end; ++i)
                if (const EmbeddedFile& e = embedded[size_t(i - start)]; !e.error && !e.embedding.empty())
                    r.centre.insert(unknown[i].id, e.embedding.row(0));
        }
        CentreEmbeddings out;
        {
            QMutexLocker lock(&r.mutex);
            out.rows.create(int(images.size()), r.centre.dim(), CV_32F);
            int n = 0;
            for (const ImageRef& ref : images) {
                if (!r.centre.contains(ref.id)) {
                    out.missing << ref.id;
                    continue;
                }
                r.centre.row(ref.id).copyTo(out.rows.row(n++));
                out.imageIds << ref.id;
            }
            out.rows = out.rows.rowRange(0, n).clone();
        }
        if (r.stopped)
            return;
        QMetaObject::invokeMethod(this, [guard, done, out = std::move(out)] {
            if (guard)
                done(out);
        }, Qt::QueuedConnection);
    });
}

void PredictionService::refreshNow(const QVector<ImageRef>& images)
{
    Results& r = *m_results;
    const auto snap = m_active->snapshot();
    const QString hash = m_backbone->weightsHash();
    loadCachedCentres({});
    std::optional<BatchPredictor> model;
    if (snap)
        model.emplace(snap, kTop);
    QVector<ImageRef> known, unknown;
    std::vector<cv::Mat> rows;
    {
        QMutexLocker lock(&r.mutex);
        for (const ImageRef& ref : images) {
            const cv::Mat row = r.centre.row(ref.id); // rows never change once stored
            if (model && model->accepts(row)) {
                known << ref;
                rows.push_back(row);
            } else {
                unknown << ref;
            }
        }
    }
    QVector<StoredPrediction> toSave;
    toSave.reserve(known.size());
    for (qsizetype start = 0; start < known.size(); start += BatchPredictor::kChunkRows) {
        const qsizetype n = std::min<qsizetype>(BatchPredictor::kChunkRows, known.size() - start);
        const BatchPredictor::Answers answers = model->predict(std::vector<cv::Mat>(rows.begin() + start, rows.begin() + start + n));
        QVector<Outgoing> out;
        out.reserve(n);
        for (qsizetype i = 0; i < n; ++i) {
            Outgoing o;
            o.update = {known[start + i].id, answers.top[size_t(i)], snap->version, answers.msEach, true};
            toSave.append(StoredPrediction{o.update.imageId, o.update.model, topJson(o.update.top), answers.msEach,
                                           QDateTime::currentDateTimeUtc()});
            out.append(std::move(o));
        }
        QMutexLocker lock(&r.mutex);
        if (r.stopped)
            return;
        r.outbox += out;
        if (!r.flushScheduled) {
            r.flushScheduled = true;
            QMetaObject::invokeMethod(this, &PredictionService::scheduleFlush, Qt::QueuedConnection);
        }
    }
    // Images never embedded: a full prediction (already counted as pending).
    if (!unknown.isEmpty()) {
        int duplicates = 0;
        for (const ImageRef& ref : unknown)
            duplicates += postPrediction(ref) ? 0 : 1;
        if (duplicates > 0) {
            QMutexLocker lock(&r.mutex);
            r.dropped += duplicates;
            if (!r.flushScheduled) {
                r.flushScheduled = true;
                QMetaObject::invokeMethod(this, &PredictionService::scheduleFlush, Qt::QueuedConnection);
            }
        }
    }
    // Persist last: the screen is already up to date.
    for (const StoredPrediction& p : toSave) {
        if (r.stopped)
            return;
        savePrediction(*m_workspace, p);
    }
}

void PredictionService::scheduleFlush()
{
    QTimer::singleShot(pending() > kBulkPending ? kBulkFlushMs : kFlushMs, this, &PredictionService::flush);
}

void PredictionService::flush()
{
    QVector<Outgoing> out;
    QVector<QPair<qint64, QString>> failures;
    int dropped = 0;
    {
        QMutexLocker lock(&m_results->mutex);
        out.swap(m_results->outbox);
        failures.swap(m_results->failures);
        std::swap(dropped, m_results->dropped);
        m_results->flushScheduled = false;
    }
    const auto snap = m_active->snapshot();
    std::optional<BatchPredictor> live;
    if (snap)
        live.emplace(snap, kTop);
    int requeued = 0;
    QVector<GalleryModel::PredictionUpdate> batch;
    batch.reserve(out.size());
    for (Outgoing& o : out) {
        if (live && o.update.model != live->version()) {
            if (o.update.fromCache)
                continue; // a newer refresh covers it
            if (!live->accepts(o.embedding)) {
                // Answered by a model that is gone, with a vector we can't reuse: predict again
                // (still counted), unless it is queued already.
                const QString sha = m_shaOf.value(o.update.imageId);
                if (!sha.isEmpty() && postPrediction(ImageRef{o.update.imageId, sha}))
                    ++requeued;
                continue;
            }
            o.update.top = live->predictOne(o.embedding);
            o.update.model = live->version();
        }
        batch.append(std::move(o.update));
    }
    const int done = int(out.size()) - requeued + int(failures.size()) + dropped;
    if (!batch.isEmpty())
        Q_EMIT predicted(batch);
    for (const auto& f : failures)
        Q_EMIT failed(f.first, f.second);
    if (done > 0) {
        const int left = (m_results->pending -= done);
        Q_EMIT pendingChanged(std::max(0, left));
        if (left <= 0) {
            m_results->pending = 0;
            m_memoryRelease.request(); // what the burst's decodes and forward passes freed
            Q_EMIT idle();
        }
    }
}

} // namespace pc
