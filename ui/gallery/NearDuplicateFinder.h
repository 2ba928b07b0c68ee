#pragma once
// Finds the gallery's near-duplicate pairs off the UI thread: the images' centre-view embeddings
// from the prediction service (held since they were predicted, or read from the embedding cache),
// then every pair at cosine ≥ the threshold (core/curation) on a background thread of its own. The
// window asks again when new images arrive; a newer scan makes an older one's answer stale.
#include "concurrency/WorkQueue.h"
#include "curation/ImageGroups.h"
#include "gallery/PredictionService.h"

#include <QObject>
#include <QPointer>

namespace pc {

class NearDuplicateFinder : public QObject {
    Q_OBJECT
public:
    explicit NearDuplicateFinder(PredictionService* predictions, QObject* parent = nullptr);

    void scan(const QVector<ImageRef>& images, float threshold);
    bool isBusy() const { return m_busy; }
    int scans() const { return m_scans; } // answered so far

Q_SIGNALS:
    void found(const QVector<pc::NearDuplicateImages>& pairs, float threshold); // most similar first
    void failed(const QString& message);

private:
    QPointer<PredictionService> m_predictions;
    quint64 m_generation = 0;
    bool m_busy = false;
    int m_scans = 0;
    WorkQueue m_work; // last: its jobs post to this object
};

} // namespace pc
