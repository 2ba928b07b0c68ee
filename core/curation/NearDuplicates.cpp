#include "curation/NearDuplicates.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace pc {

Expected<std::vector<NearDuplicatePair>> findNearDuplicates(const cv::Mat& rows, float threshold)
{
    if (!(threshold > 0.f && threshold <= 1.f))
        return Error{QStringLiteral("the near-duplicate threshold must be a cosine in (0, 1] (got %1)").arg(threshold)};
    std::vector<NearDuplicatePair> pairs;
    if (rows.empty())
        return pairs;
    if (rows.dims != 2 || rows.type() != CV_32F)
        return Error{QStringLiteral("near-duplicates need a rows × dim float matrix")};
    const cv::Mat continuous = rows.isContinuous() ? rows : rows.clone();
    at::Tensor x = at::from_blob(continuous.data, {continuous.rows, continuous.cols}, at::kFloat).clone();
    x = x / x.norm(2, 1, true).clamp_min(1e-12);
    const int64_t n = x.size(0);
    constexpr int64_t kBlock = 1024;
    for (int64_t start = 0; start < n; start += kBlock) {
        const int64_t end = std::min(n, start + kBlock);
        // Row r of the block is image start + r, column c image start + c: only the columns after
        // the row's own (each pair once, half the products).
        const at::Tensor scores = x.slice(0, start, end).mm(x.slice(0, start, n).t()).triu(1);
        const at::Tensor hits = (scores >= threshold).nonzero().contiguous();
        const int64_t* h = hits.data_ptr<int64_t>();
        const auto score = scores.accessor<float, 2>();
        for (int64_t i = 0; i < hits.size(0); ++i) {
            const int64_t r = h[2 * i], c = h[2 * i + 1];
            pairs.push_back({int(start + r), int(start + c), std::min(1.f, score[r][c])});
        }
    }
    std::sort(pairs.begin(), pairs.end(), [](const NearDuplicatePair& p, const NearDuplicatePair& q) {
        return p.cosine != q.cosine ? p.cosine > q.cosine : std::pair(p.a, p.b) < std::pair(q.a, q.b);
    });
    return pairs;
}

} // namespace pc
