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

    const ImageDecoder& decoder() const { return m_decoder; }
    const Backbone& backbone() const { return *m_backbone; }

private:
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<const ActiveModel> m_active;
    ImageDecoder m_decoder;
};

} // namespace pc
