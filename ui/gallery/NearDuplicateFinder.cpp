#include "gallery/NearDuplicateFinder.h"

namespace pc {

NearDuplicateFinder::NearDuplicateFinder(PredictionService* predictions, QObject* parent)
    : QObject(parent), m_predictions(predictions),
      m_work({.name = QStringLiteral("near-duplicates"), .workers = 1, .priority = ThreadPriority::Background})
{
}

void NearDuplicateFinder::scan(const QVector<ImageRef>& images, float threshold)
{
    if (!m_predictions)
        return;
    const quint64 generation = ++m_generation;
    m_busy = true;
    m_predictions->centreEmbeddings(images, this, [this, generation, threshold](const CentreEmbeddings& embeddings) {
        if (generation != m_generation)
            return;
        m_work.post([this, generation, threshold, embeddings] {
            auto pairs = nearDuplicateImages(embeddings, threshold);
            QMetaObject::invokeMethod(this, [this, generation, threshold, pairs = std::move(pairs)] {
                if (generation != m_generation)
                    return;
                m_busy = false;
                ++m_scans;
                if (pairs)
                    Q_EMIT found(*pairs, threshold);
                else
                    Q_EMIT failed(pairs.error().message);
            }, Qt::QueuedConnection);
        });
    });
}

} // namespace pc
