#pragma once
// Labelled embeddings made up for the trainer's tests: Gaussian blobs, one per class.
#include "training/TrainingData.h"

#include <QStringList>
#include <cmath>
#include <opencv2/core.hpp>

namespace pc {

inline QStringList classList(int n)
{
    QStringList c;
    for (int i = 0; i < n; ++i)
        c << QStringLiteral("c%1").arg(i);
    return c;
}

// Gaussian blobs: one random centre per class, `spread` noise around it, `views` rows per image
// (the augmented views are the same point with a little extra noise, like cached views).
struct Blobs {
    int dim = 32;
    double separation = 3.0;
    double spread = 1.0;
    int views = 1;
    quint64 seed = 1;
    std::vector<cv::Mat> centres;

    LabelledEmbeddings make(const std::vector<int>& perClass, qint64 firstId = 0, quint64 sampleSeed = 2)
    {
        cv::RNG rng(seed);
        while (centres.size() < perClass.size()) {
            cv::Mat c(1, dim, CV_32F);
            rng.fill(c, cv::RNG::NORMAL, 0, separation / std::sqrt(2.0));
            centres.push_back(c);
        }
        cv::RNG noise(sampleSeed);
        LabelledEmbeddings d;
        qint64 id = firstId;
        for (size_t c = 0; c < perClass.size(); ++c)
            for (int i = 0; i < perClass[c]; ++i) {
                cv::Mat point(1, dim, CV_32F);
                noise.fill(point, cv::RNG::NORMAL, 0, spread);
                point += centres[c];
                cv::Mat v = cv::repeat(point, views, 1);
                for (int r = 1; r < views; ++r) {
                    cv::Mat jitter(1, dim, CV_32F);
                    noise.fill(jitter, cv::RNG::NORMAL, 0, 0.2 * spread);
                    v.row(r) += jitter;
                }
                d.add(v, int(c), id++);
            }
        return d;
    }
};

} // namespace pc
