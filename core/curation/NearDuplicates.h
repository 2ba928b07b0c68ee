#pragma once
// Near-duplicate images: pairs whose centre-view embeddings are nearly identical (cosine ≥ a
// threshold). Measured on a sample pug: saved again at JPEG quality 95, 0.991; at 80 % of the size,
// 0.970; at quality 75, 0.953; half the size, 0.899; another pug, 0.45. The default catches copies
// and light resizes; a lower threshold also catches heavier re-encodes.
#include "Expected.h"

#include <opencv2/core/mat.hpp>

#include <vector>

namespace pc {

struct NearDuplicatePair {
    int a = 0, b = 0;   // row indices, a < b
    float cosine = 0;
};

constexpr float kDefaultNearDuplicateThreshold = 0.97f;

// Every pair of rows (N × D, CV_32F) with cosine ≥ threshold, most similar first. Compares all
// pairs in blocks, so memory stays at one block of N × 1024 scores.
Expected<std::vector<NearDuplicatePair>> findNearDuplicates(const cv::Mat& rows, float threshold = kDefaultNearDuplicateThreshold);

} // namespace pc
