#pragma once
// Groups and near-duplicates of a workspace's images, on their cached centre-view embeddings: what
// the CLI's `groups` and `duplicates` and the app's Groups view show.
#include "Expected.h"
#include "curation/EmbeddingClusters.h"

#include <QStringList>
#include <QVector>

namespace pc {

class Backbone;
class ClassifierHead;
class Workspace;
struct EmbeddingCacheOptions;

enum class ImageScope { Unlabelled, All };
// The images of the workspace in `scope` (removed ones never), in id order.
Expected<QVector<qint64>> imagesIn(const Workspace& workspace, ImageScope scope);

struct CentreEmbeddings {
    QVector<qint64> imageIds; // row i of `rows` belongs to imageIds[i]
    cv::Mat rows;             // N × dim, CV_32F
    QVector<qint64> missing;  // asked-for images with no cached embedding for these weights
};

// The centre-view embeddings cached for `weightsHash` of `imageIds`, in that order.
Expected<CentreEmbeddings> loadCentreEmbeddings(const Workspace& workspace, const QString& weightsHash,
                                                const QVector<qint64>& imageIds);

// The same, after computing the centre views the cache lacks (for every stored image: training
// needs them too), with `options`' progress and cancel.
Expected<CentreEmbeddings> computeCentreEmbeddings(Workspace& workspace, const Backbone& backbone,
                                                   const QVector<qint64>& imageIds, const EmbeddingCacheOptions& options);

// Each row's top-1 breed id under `head` (a head on these embeddings' backbone).
QStringList topBreeds(const ClassifierHead& head, const cv::Mat& rows);

struct ImageGroup {
    QVector<qint64> imageIds;  // most typical first
    QVector<float> similarity; // cosine of each image to the group's centre
    // The breeds the members' top-1 predictions name most often, best first (up to three), and how
    // many members each is the top-1 of. Empty: no prediction known.
    QStringList suggestions;
    QVector<int> votes;
};

struct ImageGrouping {
    int k = 0;
    bool automatic = false;
    QVector<ImageGroup> groups; // largest first
};

// The number of breeds that are the top-1 prediction of at least two of `topBreed`'s rows.
int breedsSeen(const QStringList& topBreed);

// `topBreed`: each row's predicted breed (empty, or an empty entry: unknown), for the suggestions.
// With options.k == 0, k is breedsSeen(topBreed) when that is at least 2, else automaticK.
Expected<ImageGrouping> groupImages(const CentreEmbeddings& embeddings, const QStringList& topBreed,
                                    const ClusterOptions& options = {});

struct NearDuplicateImages {
    qint64 a = 0, b = 0;
    float cosine = 0;
};
Expected<QVector<NearDuplicateImages>> nearDuplicateImages(const CentreEmbeddings& embeddings, float threshold);

} // namespace pc
