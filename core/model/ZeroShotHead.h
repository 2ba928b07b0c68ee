#pragma once
// A 37-breed head made of ImageNet classifier rows (data/zero_shot_imagenet.tsv), so the app
// predicts breeds before any training. Breeds without a matching ImageNet class stay unlearned.
#include "Expected.h"
#include "model/ClassifierHead.h"

namespace pc {

class Backbone;

struct ZeroShotEntry {
    int breedIndex;    // into BreedCatalog::oxford()
    int imagenetClass; // 0..999
    QString match;     // "exact" or "close"
};

Expected<std::vector<ZeroShotEntry>> loadZeroShotMap(const QString& path = QStringLiteral(":/data/zero_shot_imagenet.tsv"));

// weight: 1000 × 1280, bias: 1 × 1000 (the backbone's ImageNet classifier).
ClassifierHead makeZeroShotHead(const cv::Mat& imagenetWeight, const cv::Mat& imagenetBias,
                                const std::vector<ZeroShotEntry>& map);
ClassifierHead makeZeroShotHead(const Backbone& backbone);

} // namespace pc
