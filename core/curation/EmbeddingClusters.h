#pragma once
// Groups of similar images: spherical k-means (cosine) over embedding rows, with k-means++ seeding
// and an automatic k. Deterministic for a given seed and input order. Runs on libtorch's matrix
// products, so 10,000 × 1280 rows cluster in well under a second per k on two cores.
#include "Expected.h"

#include <opencv2/core/mat.hpp>

#include <atomic>
#include <vector>

namespace pc {

struct ClusterOptions {
    int k = 0;            // 0: chosen automatically (automaticK)
    int maxK = 64;        // the largest k the automatic choice tries
    int maxIterations = 40;
    quint32 seed = 1;
    const std::atomic_bool* cancel = nullptr;
};

struct EmbeddingClusters {
    int k = 0;
    bool automatic = false;
    // Row indices per group, largest group first; inside a group, most typical first (highest
    // cosine to the group's centre), so the odd ones out come last.
    std::vector<std::vector<int>> groups;
    std::vector<std::vector<float>> similarity; // cosine of each member to its group's centre
    double meanSimilarity = 0; // mean cosine of every row to its group's centre
    int iterations = 0;
};

// rows: N × D, CV_32F (any norm: rows are normalised here). Needs N ≥ 1; k is capped at N.
Expected<EmbeddingClusters> clusterEmbeddings(const cv::Mat& rows, const ClusterOptions& options = {});

// The k with the best simplified silhouette (cosine to the own centre against the second nearest)
// among 2…maxK, judged on an evenly spaced sample of at most 2,000 rows.
int automaticK(const cv::Mat& rows, const ClusterOptions& options = {});

} // namespace pc
