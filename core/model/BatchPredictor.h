#pragma once
// Top-k breeds for many images whose centre-view embeddings are already known (a refresh of every
// prediction after a model swap, a late result re-answered by the model that is live now): one
// head pass per chunk of rows, no decoding, no backbone. Predictor does the whole way from a file.
#include "model/ActiveModel.h"
#include "model/TopGuesses.h"

#include <memory>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

class BatchPredictor {
public:
    // Rows stacked per head pass: 1024 × 1280 floats, 5 MB.
    static constexpr int kChunkRows = 1024;

    explicit BatchPredictor(std::shared_ptr<const ModelSnapshot> model, int k = 3);

    const QString& version() const { return m_model->version; }
    // Whether this model can answer from `embedding` (1 × 1280 of the shared backbone): not when it
    // brought a fine-tuned backbone of its own, whose embeddings differ.
    bool accepts(const cv::Mat& embedding) const;

    struct Answers {
        std::vector<std::vector<Guess>> top; // one per row, in order
        double msEach = 0;                   // head time per row
    };
    // Every row must be accepted (see accepts()).
    Answers predict(const std::vector<cv::Mat>& embeddings) const;
    std::vector<Guess> predictOne(const cv::Mat& embedding) const;

private:
    std::shared_ptr<const ModelSnapshot> m_model;
    int m_k;
};

} // namespace pc
