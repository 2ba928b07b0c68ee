#pragma once
// Fills the workspace's embedding cache: for every stored image lacking vectors for this backbone,
// the centre view plus K augmented views (the seed's training augmentations), computed in parallel
// and stored as float16 keyed by the backbone's weights hash.
#include "Expected.h"

#include <QList>
#include <atomic>
#include <functional>

namespace pc {

class Backbone;
class Workspace;

struct EmbeddingCacheOptions {
    int augmentedViews = 4;
    int workers = 0;      // 0: one per core
    quint32 seed = 1;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress;
};

struct EmbeddingCacheReport {
    int computed = 0;     // images embedded now
    int alreadyCached = 0;
    int failed = 0;       // stored images that could not be decoded (reported)
    QStringList failures; // "sha256: reason"
    double seconds = 0;
    bool cancelled = false;
};

Expected<EmbeddingCacheReport> updateEmbeddingCache(Workspace& workspace, const Backbone& backbone,
                                                    const EmbeddingCacheOptions& options = {});

} // namespace pc
