#include "model/BatchEmbedder.h"

#include "concurrency/ThreadPriority.h"
#include "imaging/Preprocess.h"
#include "model/Backbone.h"

#include <QElapsedTimer>
#include <QThread>
#include <thread>

namespace pc {

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options)
{
    const ImageDecoder decoder(options.limits);
    std::vector<EmbeddedFile> out(size_t(paths.size()));
    // The results live in two blocks made here, before any forward pass; each file's Mats are views
    // into them. A small result block per file, allocated by a worker right after its forward pass
    // freed the large buffers, would pin one of those buffers' holes (see EmbeddingRows.h).
    const int viewsPerFile = 1 + std::max(0, options.augmentedViews);
    const cv::Mat allEmbeddings(int(paths.size()) * viewsPerFile, Backbone::kEmbeddingSize, CV_32F);
    const cv::Mat allLogits(int(paths.size()), Backbone::kImageNetClasses, CV_32F);
    std::atomic_int next{0}, done{0};
    const int workers = std::clamp(options.workers > 0 ? options.workers : QThread::idealThreadCount(), 1,
                                   std::max<int>(1, int(paths.size())));

    // Workers run at the caller's priority (the learning loop's: background; the CLI's: normal).
    const ThreadPriority callerPriority = currentThreadPriority();
    // Workers are fresh threads, so the caller's own torch thread count is left alone.
    auto work = [&] {
        lowerCurrentThreadPriority(callerPriority);
        if (workers > 1)
            Backbone::useOneThreadHere();
        for (int i = next++; i < paths.size(); i = next++) {
            if (options.cancel && options.cancel->load())
                return;
            EmbeddedFile& f = out[size_t(i)];
            f.path = paths[i];
            QElapsedTimer timer;
            timer.start();
            auto image = decoder.decodeFile(f.path);
            if (!image) {
                f.error = image.error();
            } else {
                f.width = image->rgb.cols;
                f.height = image->rgb.rows;
                f.embedding = allEmbeddings.rowRange(i * viewsPerFile, (i + 1) * viewsPerFile);
                f.logits = allLogits.row(i);
                // One view per forward pass, each made just before it is used (the same random
                // sequence as making them all first). A batch of 1 + K views holds 1 + K times the
                // activations per worker; single-threaded it is no faster per view.
                std::mt19937 rng(options.seed * 1000003u + (i < options.seeds.size() ? options.seeds[i] : quint32(i)));
                for (int v = 0; v < viewsPerFile; ++v) {
                    const Embeddings e = backbone.embed({v == 0 ? preprocessCenter(image->rgb) : preprocessAugmented(image->rgb, rng)});
                    e.embedding.copyTo(f.embedding.row(v)); // same size and type: copied in place
                    if (v == 0)
                        e.logits.row(0).copyTo(f.logits);
                }
                f.ms = double(timer.nsecsElapsed()) / 1e6;
            }
            const int d = ++done;
            if (options.progress)
                options.progress(d, int(paths.size()));
        }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
        threads.emplace_back(work);
    for (std::thread& t : threads)
        t.join();
    return out;
}

} // namespace pc
