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
    cv::Mat logits;                   // 1 × 1000, centre view (empty without it, or unless imagenetLogits)
    int width = 0, height = 0;        // of the decoded, upright image
    double ms = 0;                    // decode, preprocessing and the forward passes (a batch's time is shared out by views)
};

struct BatchEmbedOptions {
    int workers = 0;          // 0: one per core
    bool centreView = true;   // false: only the augmented views (the caller has the centre one already)
    int augmentedViews = 0;   // extra random views per image (training cache); 0 for prediction
    bool imagenetLogits = false; // the centre view's ImageNet logits too (Backbone::Outputs)
    // Views stacked into one forward pass: whole files, as many as fit (at least one file), a
    // file's views split into passes of this many. 0 takes fastestViewsPerForward() for the
    // backbone; 1 keeps a view per pass, the least memory and the shortest wait for the first result.
    int viewsPerForward = 0;
    quint32 seed = 1;         // augmentations are deterministic per (seed, file index)…
    QVector<quint32> seeds;   // …or per (seed, seeds[index]) when given, e.g. from the images' SHA-256
    DecodeLimits limits;
    const std::atomic_bool* cancel = nullptr;
    // Called from the worker threads, one call at a time, `done` rising by one each call. (Two at
    // once garbled the CLI's progress lines and corrupted the heap: its stderr stream is not thread-safe.)
    std::function<void(int done, int total)> progress;
};

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options = {});

// The batch that costs least CPU per view on this project's 2-core AVX-512 machine (petcurator-cli
// bench --views-per-forward N, 98 photos and 40 × 5 views, two rounds, 2026-12-02): 2 in both
// precisions. CPU ms per image / per view, bf16: 1: 18.4–22.7 / 14.6–18; 2: 13.2–16.2 / 11.3–13.5;
// 4: 16.2–18.7 / 12.3–13.3; 8: 18.4–18.8 / 12.5–12.9; 16: 21.9–22.7 / 15.3–15.7. fp32: 1: 22.7–29 /
// 22.6–23.2; 2: 18.5–24.9 / 15.1–17.6; 4: 20.2–23.9 / 15.3–18; 8: 24.4–27.4 / 16.3–18.8; 16: 31.7–35.5 /
// 20.6–22.7. Two views share each weight load; beyond that the activations outgrow the caches.
int fastestViewsPerForward(Precision precision);

} // namespace pc
