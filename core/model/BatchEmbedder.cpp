#include "model/BatchEmbedder.h"

#include "concurrency/ThreadPriority.h"
#include "imaging/Preprocess.h"
#include "model/Backbone.h"

#include <QElapsedTimer>
#include <QThread>
#include <mutex>
#include <thread>

namespace pc {

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options)
{
    const ImageDecoder decoder(options.limits);
    std::vector<EmbeddedFile> out(size_t(paths.size()));
    const int augmented = std::max(0, options.augmentedViews);
    const int viewsPerFile = (options.centreView ? 1 : 0) + augmented;
    if (viewsPerFile == 0 || paths.isEmpty())
        return out;
    // The results live in two blocks made here, before any forward pass; each file's Mats are views
    // into them. A small result block per file, allocated by a worker right after its forward pass
    // freed the large buffers, would pin one of those buffers' holes (see EmbeddingRows.h).
    const cv::Mat allEmbeddings(int(paths.size()) * viewsPerFile, Backbone::kEmbeddingSize, CV_32F);
    const bool logits = options.centreView && options.imagenetLogits;
    const cv::Mat allLogits(logits ? int(paths.size()) : 0, Backbone::kImageNetClasses, CV_32F);
    const int perForward = options.viewsPerForward > 0 ? options.viewsPerForward : fastestViewsPerForward(backbone.precision());
    const int filesPerGroup = std::max(1, perForward / viewsPerFile);
    const int groups = int((paths.size() + filesPerGroup - 1) / filesPerGroup);
    std::atomic_int next{0};
    std::mutex progressMutex; // progress is called one at a time: callers print and count in it
    int done = 0;             // under progressMutex
    const int workers = std::clamp(options.workers > 0 ? options.workers : QThread::idealThreadCount(), 1, groups);

    // Workers run at the caller's priority (the learning loop's: background; the CLI's: normal).
    const ThreadPriority callerPriority = currentThreadPriority();
    // Workers are fresh threads, so the caller's own torch thread count is left alone.
    auto work = [&] {
        lowerCurrentThreadPriority(callerPriority);
        if (workers > 1)
            Backbone::useOneThreadHere();
        std::vector<cv::Mat> views;
        struct Row {
            int file, row; // where a view's embedding goes
        };
        std::vector<Row> rows;
        for (int g = next++; g < groups; g = next++) {
            if (options.cancel && options.cancel->load())
                return;
            QElapsedTimer timer;
            timer.start();
            const int begin = g * filesPerGroup, end = std::min(int(paths.size()), begin + filesPerGroup);
            views.clear();
            rows.clear();
            // Every view of the group from one decode per file; the decoded photo goes before the forward passes.
            for (int i = begin; i < end; ++i) {
                EmbeddedFile& f = out[size_t(i)];
                f.path = paths[i];
                auto image = decoder.decodeFile(f.path);
                if (!image) {
                    f.error = image.error();
                    continue;
                }
                f.width = image->rgb.cols;
                f.height = image->rgb.rows;
                f.embedding = allEmbeddings.rowRange(i * viewsPerFile, (i + 1) * viewsPerFile);
                if (options.centreView) {
                    if (logits)
                        f.logits = allLogits.row(i);
                    views.push_back(preprocessCenter(image->rgb));
                    rows.push_back({i, 0});
                }
                // The centre view draws nothing from the generator, so the augmented views are
                // the same with or without it.
                std::mt19937 rng(options.seed * 1000003u + (i < options.seeds.size() ? options.seeds[i] : quint32(i)));
                for (int v = 0; v < augmented; ++v) {
                    views.push_back(preprocessAugmented(image->rgb, rng));
                    rows.push_back({i, (options.centreView ? 1 : 0) + v});
                }
            }
            for (size_t start = 0; start < views.size(); start += size_t(perForward)) {
                const size_t n = std::min(views.size() - start, size_t(perForward));
                const Embeddings e = backbone.embed(std::vector<cv::Mat>(views.begin() + long(start), views.begin() + long(start + n)),
                                                    logits ? Backbone::Outputs::EmbeddingAndLogits : Backbone::Outputs::Embedding);
                for (size_t k = 0; k < n; ++k) {
                    const Row& r = rows[start + k];
                    EmbeddedFile& f = out[size_t(r.file)];
                    e.embedding.row(int(k)).copyTo(f.embedding.row(r.row)); // same size and type: copied in place
                    if (logits && r.row == 0)
                        e.logits.row(int(k)).copyTo(f.logits);
                }
            }
            const double msEach = double(timer.nsecsElapsed()) / 1e6 / double(end - begin);
            for (int i = begin; i < end; ++i)
                if (!out[size_t(i)].error)
                    out[size_t(i)].ms = msEach;
            std::lock_guard lock(progressMutex);
            for (int i = begin; i < end; ++i) {
                ++done;
                if (options.progress)
                    options.progress(done, int(paths.size()));
            }
        }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
        threads.emplace_back(work);
    for (std::thread& t : threads)
        t.join();
    return out;
}

int fastestViewsPerForward(Precision)
{
    return 2;
}

} // namespace pc
