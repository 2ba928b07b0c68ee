#include "training/CrossValidation.h"

#include <algorithm>
#include <map>

namespace pc {

std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::mt19937& rng)
{
    std::map<int, std::vector<size_t>> rowsOf; // ordered by class: the rng is used in one order
    for (size_t i = 0; i < labels.size(); ++i)
        rowsOf[labels[i]].push_back(i);
    std::vector<int> fold(labels.size(), 0);
    for (auto& [label, rows] : rowsOf) {
        std::shuffle(rows.begin(), rows.end(), rng);
        for (size_t i = 0; i < rows.size(); ++i)
            fold[rows[i]] = int(i % size_t(std::max(1, folds)));
    }
    return fold;
}

} // namespace pc
