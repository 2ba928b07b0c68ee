#pragma once
// Many files → embeddings, fast. One worker per core, each decoding, preprocessing and running the
// backbone single-threaded: on a 2-core machine two independent streams beat one 2-thread stream
// (measured 74–82 vs 44 img/s for the forward pass alone). Reports progress; can be cancelled.
//
// Each file is decoded once and all its views are made from that one image. With viewsPerForward
// > 1 a worker stacks the views of a fixed group of files (files [g·n, (g+1)·n) of the list, never
// "whatever came next"), so which batch a view is computed in does not depend on thread timing.
#include "imaging/ImageDecoder.h"
#include "model/Precision.h"

#include <QVector>
#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace pc {

class Backbone;

struct EmbeddedFile {
    QString path;
    std::optional<DecodeError> error; // set when the file could not be used
    cv::Mat embedding;                // views × 1280: the centre view first (when asked for), then the augmented ones
    cv::Mat logits;                   // 1 × 1000, centre view (empty without it)
    int width = 0, height = 0;        // of the decoded, upright image
    double ms = 0;                    // decode, preprocessing and the forward passes (a batch's time is shared out by views)
};

struct BatchEmbedOptions {
    int workers = 0;          // 0: one per core
    bool centreView = true;   // false: only the augmented views (the caller has the centre one already)
    int augmentedViews = 0;   // extra random views per image (training cache); 0 for prediction
    // Views stacked into one forward pass: whole files, as many as fit (at least one file), a
    // file's views split into passes of this many. 1 keeps a view per pass, the least memory and the
    // shortest wait for the first result; 0 takes fastestViewsPerForward() for the backbone.
    int viewsPerForward = 1;
    quint32 seed = 1;         // augmentations are deterministic per (seed, file index)…
    QVector<quint32> seeds;   // …or per (seed, seeds[index]) when given, e.g. from the images' SHA-256
    DecodeLimits limits;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress; // called from worker threads
};

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options = {});

// The batch that costs least CPU per view, measured on this project's 2-core AVX-512 machine under
// load (petcurator-cli bench --views-per-forward N, 2 workers, 200 views, CPU time per view):
// - fp32: 1. The optimised oneDNN graph gains nothing from batching here (2 views: 23–25 ms a view
//   against 22–26 at 1), and from 3 views on it costs 2.5–3× more (50–70 ms): every activation
//   above glibc's mmap threshold is mapped afresh and page-faults on each pass (342,000 minor
//   faults and 2.8 s of system time for three passes of 8). With that threshold raised, 4–8 views
//   cost what 1 does and 16 still costs 2–3×.
// - bf16: 8 (22–24 ms a view against 27–30 at 1; 16 costs 1.5× more).
int fastestViewsPerForward(Precision precision);

} // namespace pc
