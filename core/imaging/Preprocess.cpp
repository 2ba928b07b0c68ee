#include "imaging/Preprocess.h"

#include <opencv2/imgproc.hpp>

namespace pc {

cv::Mat resizeShorterSide(const cv::Mat& rgb8, int shorterSide)
{
    const int w = rgb8.cols, h = rgb8.rows;
    const double scale = double(shorterSide) / std::min(w, h);
    const cv::Size size(std::max(shorterSide, int(std::lround(w * scale))), std::max(shorterSide, int(std::lround(h * scale))));
    if (size == rgb8.size())
        return rgb8;
    cv::Mat out;
    // Area averaging when shrinking avoids aliasing (what PIL's antialiased bilinear does).
    cv::resize(rgb8, out, size, 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

cv::Mat centerCrop(const cv::Mat& image, int size)
{
    const int x = (image.cols - size) / 2, y = (image.rows - size) / 2;
    return image(cv::Rect(x, y, size, size));
}

static cv::Mat toUnitFloat(const cv::Mat& rgb8)
{
    cv::Mat f;
    rgb8.convertTo(f, CV_32FC3, 1.0 / 255.0);
    return f;
}

cv::Mat preprocessCenter(const cv::Mat& rgb8)
{
    return toUnitFloat(centerCrop(resizeShorterSide(rgb8, kResizeShorterSide), kInputSize));
}

cv::Mat preprocessAugmented(const cv::Mat& rgb8, std::mt19937& rng, const AugmentOptions& o)
{
    std::uniform_int_distribution<int> side(o.minShorterSide, std::max(o.minShorterSide, o.maxShorterSide));
    const cv::Mat scaled = resizeShorterSide(rgb8, side(rng));
    std::uniform_int_distribution<int> dx(0, scaled.cols - kInputSize), dy(0, scaled.rows - kInputSize);
    const int x = dx(rng), y = dy(rng);
    cv::Mat view = toUnitFloat(scaled(cv::Rect(x, y, kInputSize, kInputSize)));

    if (o.flip && std::bernoulli_distribution(0.5)(rng))
        cv::flip(view, view, 1);
    std::uniform_real_distribution<float> delta(-o.brightness, o.brightness);
    std::uniform_real_distribution<float> factor(o.minContrast, o.maxContrast);
    const float b = delta(rng), c = factor(rng);
    // Contrast around each channel's mean, as tf.image.adjust_contrast does, then brightness.
    const cv::Scalar mean = cv::mean(view);
    view = (view - mean) * c + mean + cv::Scalar::all(b);
    cv::min(cv::max(view, 0.0), 1.0, view);
    return view;
}

} // namespace pc
