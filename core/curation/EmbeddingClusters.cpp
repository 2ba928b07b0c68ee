#include "curation/EmbeddingClusters.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace pc {

namespace {

at::Tensor normalisedRows(const cv::Mat& rows)
{
    const cv::Mat continuous = rows.isContinuous() ? rows : rows.clone();
    const at::Tensor t = at::from_blob(continuous.data, {continuous.rows, continuous.cols}, at::kFloat).clone();
    return t / t.norm(2, 1, true).clamp_min(1e-12);
}

bool cancelled(const ClusterOptions& options) { return options.cancel && options.cancel->load(); }

// k-means++ seeding on the cosine distance 1 − cos: each next centre is drawn with probability
// proportional to its squared distance from the nearest centre chosen so far.
at::Tensor seedCentres(const at::Tensor& x, int k, std::mt19937& rng)
{
    const int64_t n = x.size(0);
    std::vector<int64_t> chosen{std::uniform_int_distribution<int64_t>(0, n - 1)(rng)};
    at::Tensor nearest = (1 - x.mv(x[chosen[0]])).clamp_min(0).contiguous();
    while (int(chosen.size()) < k) {
        const float* d = nearest.data_ptr<float>();
        double total = 0;
        for (int64_t i = 0; i < n; ++i)
            total += double(d[i]) * d[i];
        int64_t next = -1;
        if (total > 0) {
            double r = std::uniform_real_distribution<double>(0, total)(rng);
            for (int64_t i = 0; i < n && next < 0; ++i) {
                r -= double(d[i]) * d[i];
                if (r <= 0 && d[i] > 0)
                    next = i;
            }
        }
        if (next < 0) { // every row sits on a centre already: any row not chosen yet
            for (int64_t i = 0; i < n && next < 0; ++i)
                if (std::find(chosen.cbegin(), chosen.cend(), i) == chosen.cend())
                    next = i;
        }
        chosen.push_back(next);
        nearest = at::minimum(nearest, (1 - x.mv(x[next])).clamp_min(0)).contiguous();
    }
    return x.index_select(0, at::tensor(chosen, at::kLong));
}

struct Lloyd {
    at::Tensor centres;    // k × D, unit rows
    at::Tensor assignment; // N, long
    at::Tensor best;       // N, cosine to the own centre
    int iterations = 0;
    bool cancelled = false;
};

Lloyd lloyd(const at::Tensor& x, int k, int maxIterations, quint32 seed, const ClusterOptions& options)
{
    std::mt19937 rng(seed);
    Lloyd r;
    r.centres = seedCentres(x, k, rng);
    for (int it = 0; it < maxIterations; ++it) {
        if (cancelled(options)) {
            r.cancelled = true;
            return r;
        }
        auto [best, assignment] = x.mm(r.centres.t()).max(1);
        r.best = best;
        const bool settled = r.assignment.defined() && at::equal(assignment, r.assignment);
        r.assignment = assignment;
        r.iterations = it + 1;
        if (settled)
            break;
        at::Tensor sums = at::zeros_like(r.centres).index_add_(0, assignment, x);
        const at::Tensor counts = at::bincount(assignment, {}, k);
        // An empty group takes the row that fits its own group worst, so k stays k.
        const at::Tensor empty = (counts == 0).nonzero().flatten();
        if (empty.numel() > 0) {
            const at::Tensor worst = std::get<1>(best.topk(std::min<int64_t>(empty.numel(), best.numel()), 0, false));
            for (int64_t e = 0; e < worst.numel(); ++e)
                sums[empty[e].item<int64_t>()] = x[worst[e].item<int64_t>()];
        }
        r.centres = sums / sums.norm(2, 1, true).clamp_min(1e-12);
    }
    return r;
}

// Mean over rows of (b − a) / max(a, b), with a and b the cosine distances to the nearest and the
// second nearest centre: the silhouette with centres standing in for the groups' members.
double simplifiedSilhouette(const at::Tensor& x, const at::Tensor& centres)
{
    const at::Tensor top = std::get<0>(x.mm(centres.t()).topk(2, 1));
    const at::Tensor a = (1 - top.select(1, 0)).clamp_min(0);
    const at::Tensor b = (1 - top.select(1, 1)).clamp_min(0);
    const at::Tensor m = at::maximum(a, b);
    const at::Tensor s = at::where(m > 0, (b - a) / m.clamp_min(1e-12), at::zeros_like(m));
    return s.mean().item<double>();
}

int autoK(const at::Tensor& all, const ClusterOptions& options)
{
    const int64_t n = all.size(0);
    if (n < 3)
        return int(n);
    constexpr int64_t kSample = 2000;
    const at::Tensor x = n <= kSample ? all : all.index_select(0, at::linspace(0, double(n - 1), kSample).round().to(at::kLong));
    const int limit = int(std::min<int64_t>(options.maxK, x.size(0) / 3));
    int bestK = std::min(2, int(n));
    double bestScore = -2;
    for (int k : {2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 128}) {
        if (k > limit || cancelled(options))
            break;
        const Lloyd l = lloyd(x, k, 20, options.seed, options);
        if (l.cancelled)
            break;
        const double score = simplifiedSilhouette(x, l.centres);
        if (score > bestScore) {
            bestScore = score;
            bestK = k;
        }
    }
    return bestK;
}

} // namespace

int automaticK(const cv::Mat& rows, const ClusterOptions& options)
{
    if (rows.empty() || rows.type() != CV_32F)
        return 0;
    return autoK(normalisedRows(rows), options);
}

Expected<EmbeddingClusters> clusterEmbeddings(const cv::Mat& rows, const ClusterOptions& options)
{
    if (rows.empty() || rows.dims != 2 || rows.type() != CV_32F)
        return Error{QStringLiteral("nothing to group: no embeddings")};
    if (options.k < 0)
        return Error{QStringLiteral("the number of groups must be positive (got %1)").arg(options.k)};
    const at::Tensor x = normalisedRows(rows);
    EmbeddingClusters out;
    out.automatic = options.k == 0;
    out.k = std::min(out.automatic ? autoK(x, options) : options.k, rows.rows);
    if (cancelled(options))
        return Error{QStringLiteral("grouping cancelled")};
    const Lloyd l = lloyd(x, out.k, options.maxIterations, options.seed, options);
    if (l.cancelled)
        return Error{QStringLiteral("grouping cancelled")};
    out.iterations = l.iterations;
    // The last assignment was made against the centres before the final update: score against the
    // centres it was made for, so every member's similarity is to the centre it chose.
    const at::Tensor assignment = l.assignment.contiguous();
    const at::Tensor best = l.best.contiguous();
    const int64_t* a = assignment.data_ptr<int64_t>();
    const float* s = best.data_ptr<float>();
    std::vector<std::vector<int>> groups(out.k);
    for (int i = 0; i < rows.rows; ++i)
        groups[a[i]].push_back(i);
    std::erase_if(groups, [](const std::vector<int>& g) { return g.empty(); });
    for (auto& g : groups)
        std::stable_sort(g.begin(), g.end(), [&](int i, int j) { return s[i] > s[j]; });
    std::stable_sort(groups.begin(), groups.end(), [](const auto& g, const auto& h) {
        return g.size() != h.size() ? g.size() > h.size() : g.front() < h.front();
    });
    double total = 0;
    for (const auto& g : groups) {
        std::vector<float> sim;
        sim.reserve(g.size());
        for (int i : g) {
            sim.push_back(s[i]);
            total += s[i];
        }
        out.similarity.push_back(std::move(sim));
    }
    out.groups = std::move(groups);
    out.k = int(out.groups.size());
    out.meanSimilarity = total / rows.rows;
    return out;
}

} // namespace pc
