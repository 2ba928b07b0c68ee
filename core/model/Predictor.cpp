#include "model/Predictor.h"

#include "imaging/Preprocess.h"
#include "model/Backbone.h"
#include "model/BatchEmbedder.h"

#include <QElapsedTimer>
#include <opencv2/core.hpp>

namespace pc {

Predictor::Predictor(std::shared_ptr<const Backbone> backbone, std::shared_ptr<const ActiveModel> active, DecodeLimits limits)
    : m_backbone(std::move(backbone)), m_active(std::move(active)), m_decoder(limits)
{
}

Prediction Predictor::answer(const ModelSnapshot* model, const cv::Mat& embedding, const cv::Mat& logits, int k, Mode mode) const
{
    Prediction out;
    out.embedding = embedding;
    if (mode == Mode::ImageNet) {
        cv::Mat p;
        cv::exp(logits - cv::Scalar::all(*std::max_element(logits.begin<float>(), logits.end<float>())), p);
        p /= cv::sum(p)[0];
        out.top = topImageNet(m_backbone->imagenetLabels(), p.ptr<float>(), k);
        out.model = QString::fromLatin1(Backbone::kId);
    } else {
        const cv::Mat p = model->head.probabilities(embedding);
        out.top = topBreeds(model->head, p.ptr<float>(), k);
        out.model = model->version;
    }
    return out;
}

Prediction Predictor::predictImage(const cv::Mat& rgb8, int k, Mode mode) const
{
    QElapsedTimer timer;
    timer.start();
    // One snapshot for the whole prediction: a concurrent swap can't mix two models.
    const std::shared_ptr<const ModelSnapshot> model = m_active->snapshot();
    const Backbone& backbone = mode == Mode::Breeds && model && model->backbone ? *model->backbone : *m_backbone;
    const Embeddings e = backbone.embed({preprocessCenter(rgb8)}, mode == Mode::ImageNet ? Backbone::Outputs::EmbeddingAndLogits
                                                                                          : Backbone::Outputs::Embedding);
    Prediction out = answer(model.get(), e.embedding, e.logits, k, mode);
    out.ms = double(timer.nsecsElapsed()) / 1e6;
    return out;
}

std::vector<Expected<Prediction, DecodeError>> Predictor::predictFiles(const QStringList& paths, int k, Mode mode, int workers) const
{
    const std::shared_ptr<const ModelSnapshot> model = m_active->snapshot();
    const Backbone& backbone = mode == Mode::Breeds && model && model->backbone ? *model->backbone : *m_backbone;
    BatchEmbedOptions options;
    options.workers = workers;
    options.limits = m_decoder.limits();
    options.imagenetLogits = mode == Mode::ImageNet;
    const std::vector<EmbeddedFile> embedded = embedFiles(backbone, paths, options);

    std::vector<Expected<Prediction, DecodeError>> out;
    out.reserve(embedded.size());
    if (mode == Mode::ImageNet) {
        for (const EmbeddedFile& f : embedded) {
            if (f.error) {
                out.emplace_back(*f.error);
                continue;
            }
            Prediction p = answer(model.get(), f.embedding.row(0), f.logits, k, mode);
            p.ms = f.ms;
            out.emplace_back(std::move(p));
        }
        return out;
    }
    // Breeds: the head once over every readable file's centre view.
    std::vector<cv::Mat> rows;
    for (const EmbeddedFile& f : embedded)
        if (!f.error)
            rows.push_back(f.embedding.row(0));
    cv::Mat stacked, probabilities;
    QElapsedTimer head;
    head.start();
    if (!rows.empty()) {
        cv::vconcat(rows, stacked);
        probabilities = model->head.probabilities(stacked);
    }
    const double headMsEach = rows.empty() ? 0 : double(head.nsecsElapsed()) / 1e6 / double(rows.size());
    int row = 0;
    for (const EmbeddedFile& f : embedded) {
        if (f.error) {
            out.emplace_back(*f.error);
            continue;
        }
        Prediction p;
        p.embedding = stacked.row(row);
        p.top = topBreeds(model->head, probabilities.ptr<float>(row), k);
        p.model = model->version;
        p.ms = f.ms + headMsEach;
        out.emplace_back(std::move(p));
        ++row;
    }
    return out;
}

// Decoding counts in the reported milliseconds: it is part of what the user waits for.
template <class Decode>
static Expected<Prediction, DecodeError> timedPrediction(const Predictor& predictor, Decode decode, int k, Predictor::Mode mode)
{
    QElapsedTimer timer;
    timer.start();
    auto image = decode();
    if (!image)
        return image.error();
    const double decodeMs = double(timer.nsecsElapsed()) / 1e6;
    Prediction p = predictor.predictImage(image->rgb, k, mode);
    p.ms += decodeMs;
    return p;
}

Expected<Prediction, DecodeError> Predictor::predictBytes(const QByteArray& bytes, int k, Mode mode) const
{
    return timedPrediction(*this, [&] { return m_decoder.decode(bytes); }, k, mode);
}

Expected<Prediction, DecodeError> Predictor::predictFile(const QString& path, int k, Mode mode) const
{
    return timedPrediction(*this, [&] { return m_decoder.decodeFile(path); }, k, mode);
}

} // namespace pc
