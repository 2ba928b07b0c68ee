#pragma once
// Keeps the gallery's predictions current, off the UI thread.
//   predict(): decode + backbone + head for new images (Predictor, one torch thread per worker);
//   refresh(): after a model swap, the top-3 of every image from its cached centre embedding
//              (BatchPredictor: one head pass per 1024 images); a full prediction only for images
//              without one.
// Both run on work queues (core/concurrency) at background priority: they use what the UI leaves. Results are saved to
// the workspace and delivered to the UI in batches.
#include "concurrency/WorkQueue.h"
#include "curation/ImageGroups.h"
#include "gallery/GalleryModel.h"
#include "model/FreeMemoryRelease.h"

#include <QObject>
#include <memory>

namespace pc {

class ActiveModel;
class Backbone;
class Workspace;

struct ImageRef {
    qint64 id = 0;
    QString sha256;
};

class PredictionService : public QObject {
    Q_OBJECT
public:
    PredictionService(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone,
                      std::shared_ptr<ActiveModel> active, int workers, QObject* parent = nullptr);
    ~PredictionService() override;

    void predict(const QVector<ImageRef>& images);
    void refresh(const QVector<ImageRef>& images);
    // The shared backbone's centre-view embeddings of these images, for grouping: from memory, the
    // embedding cache, or computed now (batched, centre view only). `done` runs on this object's
    // thread while `context` lives; images that cannot be decoded are listed as missing.
    void centreEmbeddings(const QVector<ImageRef>& images, QObject* context, std::function<void(const CentreEmbeddings&)> done);
    void setWorkers(int workers);

    int pending() const;
    bool isIdle() const { return pending() == 0; }
    QString activeVersion() const;
    std::shared_ptr<ActiveModel> activeModel() const { return m_active; }

Q_SIGNALS:
    void predicted(const QVector<pc::GalleryModel::PredictionUpdate>& batch);
    void failed(qint64 imageId, const QString& reason);
    void pendingChanged(int pending);
    void idle();

private:
    struct Results;
    // Queues a full prediction; false when the image is queued or being predicted already. Any thread.
    bool postPrediction(const ImageRef& ref);
    void predictNow(const ImageRef& ref);            // on a prediction worker
    void refreshNow(const QVector<ImageRef>& images); // on the refresh worker
    // Copies the cached centre views of these images that are not in memory yet (refresh worker).
    void loadCachedCentres(const QVector<qint64>& imageIds);
    void scheduleFlush();
    void flush();

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<ActiveModel> m_active;
    std::unique_ptr<Results> m_results;
    QHash<qint64, QString> m_shaOf; // UI thread only
    FreeMemoryRelease m_memoryRelease; // a burst's freed memory goes back once the gallery has settled
    // Last, so they go first: their destructors wait for the running jobs, which use the members
    // above. Refreshes post full predictions, so they go before the prediction queue.
    WorkQueue m_predictions; // full predictions
    WorkQueue m_refreshes;   // model-swap refreshes, one at a time, never behind a long queue
};

} // namespace pc
