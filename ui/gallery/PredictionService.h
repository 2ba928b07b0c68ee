#pragma once
// Keeps the gallery's predictions current, off the UI thread.
//   predict(): decode + backbone + head for new images (Predictor, one torch thread per worker);
//   refresh(): after a model swap, the top-3 of every image from its cached centre embedding
//              (ClassifierHead::probabilities, microseconds per image); a full prediction only
//              for images without one.
// Results are saved to the workspace and delivered to the UI in batches.
#include "gallery/GalleryModel.h"

#include <QObject>
#include <QThreadPool>
#include <memory>

namespace pc {

class ActiveModel;
class Backbone;
class Workspace;
struct ModelSnapshot;

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
    void setWorkers(int workers);

    int pending() const;
    bool isIdle() const { return pending() == 0; }
    QString activeVersion() const;
    std::shared_ptr<ActiveModel> activeModel() const { return m_active; }

    // The k most probable learned classes of one probability row (1 × classes, CV_32F).
    static std::vector<Guess> topGuesses(const ModelSnapshot& model, const cv::Mat& probabilities, int k = 3);

Q_SIGNALS:
    void predicted(const QVector<pc::GalleryModel::PredictionUpdate>& batch);
    void failed(qint64 imageId, const QString& reason);
    void pendingChanged(int pending);
    void idle();

private:
    struct Shared;
    void startWorkers();
    void scheduleFlush();
    void flush();

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<ActiveModel> m_active;
    std::shared_ptr<Shared> m_shared;
    QHash<qint64, QString> m_shaOf; // UI thread only
    int m_workers = 1;
    QThreadPool m_pool;        // full predictions
    QThreadPool m_refreshPool; // model-swap refreshes, one at a time, never behind a long queue
};

} // namespace pc
