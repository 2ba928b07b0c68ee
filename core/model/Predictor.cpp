#include "model/Predictor.h"

#include "imaging/Preprocess.h"
#include "model/Backbone.h"

#include <QElapsedTimer>
#include <opencv2/core.hpp>

namespace pc {

Predictor::Predictor(std::shared_ptr<const Backbone> backbone, std::shared_ptr<const ActiveModel> active, DecodeLimits limits)
    : m_backbone(std::move(backbone)), m_active(std::move(active)), m_decoder(limits)
{
}

Prediction Predictor::predictImage(const cv::Mat& rgb8, int k, Mode mode) const
{
    QElapsedTimer timer;
    timer.start();
    // One snapshot for the whole prediction: a concurrent swap can't mix two models.
    const std::shared_ptr<const ModelSnapshot> model = m_active->snapshot();
    const Backbone& backbone = mode == Mode::Breeds && model && model->backbone ? *model->backbone : *m_backbone;
    const Embeddings e = backbone.embed({preprocessCenter(rgb8)});
    Prediction out;
    out.embedding = e.embedding;
    if (mode == Mode::ImageNet) {
        cv::Mat p;
        cv::exp(e.logits - cv::Scalar::all(*std::max_element(e.logits.begin<float>(), e.logits.end<float>())), p);
        p /= cv::sum(p)[0];
        out.top = topImageNet(m_backbone->imagenetLabels(), p.ptr<float>(), k);
        out.model = QString::fromLatin1(Backbone::kId);
    } else {
        const cv::Mat p = model->head.probabilities(e.embedding);
        out.top = topBreeds(model->head, p.ptr<float>(), k);
        out.model = model->version;
    }
    out.ms = double(timer.nsecsElapsed()) / 1e6;
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
