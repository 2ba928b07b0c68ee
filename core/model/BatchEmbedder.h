#pragma once
// Many files → embeddings, fast: decoding and preprocessing run on a thread pool while the
// backbone works through full batches. Reports progress and can be cancelled.
#include "imaging/ImageDecoder.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace pc {

class Backbone;

struct EmbeddedFile {
    QString path;
    std::optional<DecodeError> error; // set when the file could not be used
    cv::Mat embedding;                // 1 × 1280 (centre view)
    cv::Mat logits;                   // 1 × 1000
};

struct BatchEmbedOptions {
    int batchSize = 8;
    DecodeLimits limits;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress;
};

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options = {});

} // namespace pc
