#pragma once
// Fills the workspace's embedding cache: for every stored image lacking vectors for this backbone,
// the centre view plus K augmented views (the seed's training augmentations), computed in parallel
// and stored as float16 keyed by the backbone's weights hash.
//
// It fills in two steps when asked to (the learning loop's first model in seconds): the centre
// views alone first (Views::CentreOnly: one forward pass per image, what a prediction costs), the
// augmented views later (Views::All then computes only those, and stores them under the centre
// row already there). An image's entry is always whole, written in one transaction: no views, the
// centre view alone, or all 1 + K, so a cancelled or killed fill leaves a consistent cache.
#include "Expected.h"
#include "workspace/Workspace.h"

#include <QList>
#include <QVector>
#include <atomic>
#include <functional>

namespace pc {

class Backbone;

struct EmbeddingCacheOptions {
    enum class Views {
        All,        // the centre view and K augmented views for every image
        CentreOnly, // the centre view for images with none; augmented views are left for later
    };
    Views views = Views::All;
    int augmentedViews = 4;
    int workers = 0;      // 0: one per core
    // Views per forward pass, per worker (BatchEmbedOptions::viewsPerForward); 0: the size that
    // costs least per view for the backbone's precision (fastestViewsPerForward).
    int viewsPerForward = 0;
    quint32 seed = 1;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress;
};

struct EmbeddingCacheReport {
    int computed = 0;     // images whose entry was written now
    qint64 views = 0;     // views embedded now (forward passes' worth)
    int alreadyCached = 0;
    int failed = 0;       // stored images that could not be decoded (reported)
    QStringList failures; // "sha256: reason"
    double seconds = 0;
    bool cancelled = false;
    double viewsPerSecond() const { return seconds > 0 ? double(views) / seconds : 0; }
};

// Where the cache stands for one backbone and K, per image (in image id order).
struct EmbeddingCacheGaps {
    QVector<ImageRecord> withoutViews;          // nothing cached yet
    QVector<ImageRecord> withoutAugmentedViews; // the centre view only (or fewer than K augmented views)
    int complete = 0;                           // all 1 + K views
};
Expected<EmbeddingCacheGaps> embeddingCacheGaps(const Workspace& workspace, const QString& weightsHash, int augmentedViews);

// The per-image part of an image's augmentation seed: from its content, so its views are the same
// in every workspace, whatever order the images were imported in.
quint32 augmentationSeed(const QString& sha256);

Expected<EmbeddingCacheReport> updateEmbeddingCache(Workspace& workspace, const Backbone& backbone,
                                                    const EmbeddingCacheOptions& options = {});

} // namespace pc
