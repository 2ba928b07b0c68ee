#pragma once
// Image → top-k labels with probabilities and the milliseconds it took (decode, preprocessing,
// backbone and head). Breeds come from the active model's snapshot; ImageNet mode uses the
// backbone's own 1000 classes.
#include "imaging/ImageDecoder.h"
#include "model/ActiveModel.h"
#include "model/TopGuesses.h"

#include <memory>
#include <vector>

namespace pc {

class Backbone;

struct Prediction {
    std::vector<Guess> top;
    double ms = 0;
    QString model;      // the model version that answered
    cv::Mat embedding;  // 1 × 1280, for callers that cache it
};

class Predictor {
public:
    enum class Mode { Breeds, ImageNet };

    Predictor(std::shared_ptr<const Backbone> backbone, std::shared_ptr<const ActiveModel> active,
              DecodeLimits limits = {});

    Expected<Prediction, DecodeError> predictFile(const QString& path, int k = 3, Mode mode = Mode::Breeds) const;
    Expected<Prediction, DecodeError> predictBytes(const QByteArray& bytes, int k = 3, Mode mode = Mode::Breeds) const;
    Prediction predictImage(const cv::Mat& rgb8, int k = 3, Mode mode = Mode::Breeds) const;
    // Many files at the bench's speed: decoded and embedded by embedFiles' workers (one per core,
    // workers = 0), then one head pass for all of them. One result per path, in order; `ms` is
    // the file's own decode and forward time plus its share of the head pass.
    std::vector<Expected<Prediction, DecodeError>> predictFiles(const QStringList& paths, int k = 3, Mode mode = Mode::Breeds,
                                                                int workers = 0) const;

    const ImageDecoder& decoder() const { return m_decoder; }
    const Backbone& backbone() const { return *m_backbone; }

private:
    // The top-k answer from one image's embedding and ImageNet logits (1 × 1280, 1 × 1000).
    Prediction answer(const ModelSnapshot* model, const cv::Mat& embedding, const cv::Mat& logits, int k, Mode mode) const;

    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<const ActiveModel> m_active;
    ImageDecoder m_decoder;
};

} // namespace pc
