#pragma once
// What the network sees: the shorter side scaled to 256, a 224×224 crop, RGB float in [0,1]
// (the graph itself scales to 0–255 and normalises). The augmented views for training follow the
// seed pipeline: random shorter side 256–312, random crop, flip, brightness and contrast.
#include <opencv2/core/mat.hpp>
#include <random>

namespace pc {

constexpr int kResizeShorterSide = 256;
constexpr int kInputSize = 224;

cv::Mat resizeShorterSide(const cv::Mat& rgb8, int shorterSide);
cv::Mat centerCrop(const cv::Mat& image, int size);

// RGB8 of any size → CV_32FC3 224×224, values in [0,1].
cv::Mat preprocessCenter(const cv::Mat& rgb8);

struct AugmentOptions {
    int minShorterSide = 256;
    int maxShorterSide = 312;
    bool flip = true;
    float brightness = 50.0f / 255.0f; // added delta drawn from ±brightness
    float minContrast = 0.2f;          // contrast factor drawn from [min, max]
    float maxContrast = 2.0f;
};

// One random training view, CV_32FC3 224×224 in [0,1]. Deterministic for a given rng state.
cv::Mat preprocessAugmented(const cv::Mat& rgb8, std::mt19937& rng, const AugmentOptions& options = {});

} // namespace pc
