#include "model/TopGuesses.h"

#include "model/BreedCatalog.h"
#include "model/ClassifierHead.h"

#include <algorithm>

namespace pc {

namespace {
// The k best of the candidate indices, best first; ties keep the lower index first.
std::vector<int> bestOf(std::vector<int> idx, const float* p, int k)
{
    k = std::clamp(k, 0, int(idx.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [p](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    idx.resize(size_t(k));
    return idx;
}
} // namespace

std::vector<Guess> topBreeds(const ClassifierHead& head, const float* probabilities, int k)
{
    const QStringList& classes = head.classes();
    const std::vector<bool>& learned = head.learned();
    std::vector<int> candidates;
    candidates.reserve(size_t(classes.size()));
    for (int i = 0; i < classes.size(); ++i)
        if (size_t(i) >= learned.size() || learned[size_t(i)])
            candidates.push_back(i);
    const BreedCatalog& breeds = BreedCatalog::oxford();
    std::vector<Guess> out;
    for (int i : bestOf(std::move(candidates), probabilities, k)) {
        const int b = breeds.indexOf(classes[i]);
        out.push_back(Guess{classes[i], b >= 0 ? breeds.at(b).name : classes[i], probabilities[i]});
    }
    return out;
}

std::vector<Guess> topImageNet(const QStringList& labels, const float* probabilities, int k)
{
    std::vector<int> candidates(size_t(labels.size()));
    for (int i = 0; i < labels.size(); ++i)
        candidates[size_t(i)] = i;
    std::vector<Guess> out;
    for (int i : bestOf(std::move(candidates), probabilities, k))
        out.push_back(Guess{labels[i], labels[i].section(QLatin1Char(','), 0, 0), probabilities[i]});
    return out;
}

} // namespace pc
