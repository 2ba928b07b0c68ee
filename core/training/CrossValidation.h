#pragma once
// Stratified k-fold splits: every class spread over the folds as evenly as it can be, so each
// held-out fold has every breed the data has (given at least k images of it).
#include <random>
#include <vector>

namespace pc {

// The fold (0…folds−1) of each row, for rows with these class labels. Within a class, rows are
// dealt round-robin after a shuffle by `rng`: the same rng state gives the same folds.
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int folds, std::mt19937& rng);

} // namespace pc
