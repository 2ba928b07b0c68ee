#pragma once
// The embedding cache: a views × dim float matrix per (image, backbone weights hash), stored as
// float16 and read back as CV_32F.
#include "Expected.h"

#include <QHash>
#include <QSet>
#include <QString>
#include <opencv2/core/mat.hpp>
#include <optional>

namespace pc {

class WorkspaceDatabase;

class EmbeddingStore {
public:
    explicit EmbeddingStore(const WorkspaceDatabase& db) : m_db(db) {}

    Status<> put(qint64 imageId, const QString& weightsHash, const cv::Mat& views);
    // Stores the views only when the image has none for this hash yet; false when it had some.
    // The centre view alone goes in this way, so it never replaces the full set of views that a
    // background fill wrote meanwhile.
    Expected<bool> putIfAbsent(qint64 imageId, const QString& weightsHash, const cv::Mat& views);
    // None when not cached (or when the stored sizes disagree: computed again then).
    Expected<std::optional<cv::Mat>> views(qint64 imageId, const QString& weightsHash) const;
    Expected<QHash<qint64, cv::Mat>> all(const QString& weightsHash) const;
    Expected<QSet<qint64>> imagesWith(const QString& weightsHash) const;
    // How many views each cached image has (1: the centre view only, so far).
    Expected<QHash<qint64, int>> viewCounts(const QString& weightsHash) const;
    // Only the first view (the centre crop) of every cached image: 1 × dim each, read without the
    // augmented views (a fifth of the bytes), for grouping and near-duplicates.
    Expected<QHash<qint64, cv::Mat>> centreViews(const QString& weightsHash) const;

private:
    Expected<bool> write(qint64 imageId, const QString& weightsHash, const cv::Mat& views, bool replace);

    const WorkspaceDatabase& m_db;
};

} // namespace pc
