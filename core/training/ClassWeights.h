#pragma once
// Inverse-frequency class weights: each class present in the training data carries the same total
// weight, so three breeds with ~100 images don't drown the ones with 7–14. Absent classes get 0.
#include <vector>

namespace pc {

inline std::vector<int> classCounts(const std::vector<int>& labels, int classes)
{
    std::vector<int> counts(size_t(classes), 0);
    for (int l : labels)
        if (l >= 0 && l < classes)
            ++counts[size_t(l)];
    return counts;
}

// weight_c = N / (present classes · n_c): the mean weight over all samples stays 1.
inline std::vector<float> inverseFrequencyWeights(const std::vector<int>& counts)
{
    long total = 0;
    int present = 0;
    for (int n : counts) {
        total += n;
        present += n > 0;
    }
    std::vector<float> w(counts.size(), 0.0f);
    for (size_t c = 0; c < counts.size(); ++c)
        if (counts[c] > 0)
            w[c] = float(double(total) / (double(present) * counts[c]));
    return w;
}

} // namespace pc
