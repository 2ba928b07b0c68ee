#include "model/BatchEmbedder.h"

#include "imaging/Preprocess.h"
#include "model/Backbone.h"

#include <QFuture>
#include <QtConcurrent/QtConcurrentRun>
#include <deque>

namespace pc {

namespace {
struct Prepared {
    std::optional<DecodeError> error;
    cv::Mat view;
};
} // namespace

std::vector<EmbeddedFile> embedFiles(const Backbone& backbone, const QStringList& paths, const BatchEmbedOptions& options)
{
    const ImageDecoder decoder(options.limits);
    std::vector<EmbeddedFile> out(size_t(paths.size()));
    auto prepare = [&decoder](const QString& path) {
        auto image = decoder.decodeFile(path);
        return image ? Prepared{std::nullopt, preprocessCenter(image->rgb)} : Prepared{image.error(), {}};
    };

    // Keep a bounded window of decodes in flight: enough to hide decode latency, not unbounded memory.
    const int window = std::max(2, options.batchSize * 2);
    std::deque<std::pair<int, QFuture<Prepared>>> inFlight;
    int next = 0, done = 0;
    std::vector<int> batchIndex;
    std::vector<cv::Mat> batch;
    auto flush = [&] {
        if (batch.empty())
            return;
        const Embeddings e = backbone.embed(batch);
        for (size_t i = 0; i < batch.size(); ++i) {
            out[size_t(batchIndex[i])].embedding = e.embedding.row(int(i)).clone();
            out[size_t(batchIndex[i])].logits = e.logits.row(int(i)).clone();
        }
        done += int(batch.size());
        batch.clear();
        batchIndex.clear();
        if (options.progress)
            options.progress(done, int(paths.size()));
    };
    while (next < paths.size() || !inFlight.empty()) {
        if (options.cancel && options.cancel->load())
            break;
        while (next < paths.size() && int(inFlight.size()) < window) {
            inFlight.emplace_back(next, QtConcurrent::run(prepare, paths[next]));
            ++next;
        }
        auto [index, future] = std::move(inFlight.front());
        inFlight.pop_front();
        Prepared p = future.result();
        out[size_t(index)].path = paths[index];
        if (p.error) {
            out[size_t(index)].error = p.error;
            ++done;
        } else {
            batch.push_back(p.view);
            batchIndex.push_back(index);
            if (int(batch.size()) >= options.batchSize)
                flush();
        }
    }
    for (auto& f : inFlight)
        f.second.waitForFinished();
    if (!(options.cancel && options.cancel->load()))
        flush();
    return out;
}

} // namespace pc
