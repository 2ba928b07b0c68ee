#include "curation/ImageGroups.h"

#include "curation/NearDuplicates.h"
#include "model/Backbone.h"
#include "model/ClassifierHead.h"
#include "training/EmbeddingCache.h"
#include "workspace/Workspace.h"

#include <QHash>
#include <opencv2/core.hpp>

namespace pc {

Expected<QVector<qint64>> imagesIn(const Workspace& workspace, ImageScope scope)
{
    auto images = workspace.images();
    if (!images)
        return images.error();
    QHash<qint64, LabelEvent> labelled;
    if (scope == ImageScope::Unlabelled) {
        auto current = workspace.labels().currentByImage();
        if (!current)
            return current.error();
        labelled = std::move(*current);
    }
    QVector<qint64> out;
    for (const ImageRecord& image : *images)
        if (!labelled.contains(image.id))
            out.append(image.id);
    std::sort(out.begin(), out.end());
    return out;
}

Expected<CentreEmbeddings> loadCentreEmbeddings(const Workspace& workspace, const QString& weightsHash,
                                                const QVector<qint64>& imageIds)
{
    auto cached = workspace.embeddings().centreViews(weightsHash);
    if (!cached)
        return cached.error();
    CentreEmbeddings out;
    int dim = 0;
    for (qint64 id : imageIds) {
        const auto it = cached->constFind(id);
        if (it == cached->cend() || (dim && it->cols != dim)) {
            out.missing.append(id);
            continue;
        }
        dim = it->cols;
        out.imageIds.append(id);
    }
    out.rows.create(int(out.imageIds.size()), dim, CV_32F);
    for (int i = 0; i < out.imageIds.size(); ++i)
        cached->value(out.imageIds[i]).copyTo(out.rows.row(i));
    return out;
}

Expected<CentreEmbeddings> computeCentreEmbeddings(Workspace& workspace, const Backbone& backbone,
                                                   const QVector<qint64>& imageIds, const EmbeddingCacheOptions& options)
{
    EmbeddingCacheOptions centreOnly = options;
    centreOnly.augmentedViews = 0; // the augmented views are the learning loop's to add
    auto cache = updateEmbeddingCache(workspace, backbone, centreOnly);
    if (!cache)
        return cache.error();
    if (cache->cancelled)
        return Error{QStringLiteral("cancelled while computing embeddings")};
    return loadCentreEmbeddings(workspace, backbone.weightsHash(), imageIds);
}

QStringList topBreeds(const ClassifierHead& head, const cv::Mat& rows)
{
    QStringList out;
    if (!head.isValid() || rows.empty() || rows.cols != head.inputSize())
        return out;
    const cv::Mat p = head.probabilities(rows);
    for (int i = 0; i < p.rows; ++i) {
        cv::Point best;
        cv::minMaxLoc(p.row(i), nullptr, nullptr, nullptr, &best);
        out.append(head.classes().value(best.x));
    }
    return out;
}

int breedsSeen(const QStringList& topBreed)
{
    QHash<QString, int> votes;
    for (const QString& breed : topBreed)
        if (!breed.isEmpty())
            ++votes[breed];
    return int(std::count_if(votes.cbegin(), votes.cend(), [](int n) { return n >= 2; }));
}

Expected<ImageGrouping> groupImages(const CentreEmbeddings& embeddings, const QStringList& topBreed, const ClusterOptions& options)
{
    ClusterOptions chosen = options;
    bool byBreeds = false;
    if (options.k == 0) {
        // The groups are there to be named by breed: as many as the breeds the model sees among
        // these images. Only without predictions is the shape of the embeddings left to choose.
        if (const int breeds = breedsSeen(topBreed); breeds >= 2) {
            chosen.k = std::min(breeds, options.maxK);
            byBreeds = true;
        }
    }
    auto clusters = clusterEmbeddings(embeddings.rows, chosen);
    if (!clusters)
        return clusters.error();
    ImageGrouping out;
    out.k = clusters->k;
    out.automatic = clusters->automatic || byBreeds;
    for (size_t g = 0; g < clusters->groups.size(); ++g) {
        ImageGroup group;
        QHash<QString, int> votes;
        for (size_t m = 0; m < clusters->groups[g].size(); ++m) {
            const int row = clusters->groups[g][m];
            group.imageIds.append(embeddings.imageIds[row]);
            group.similarity.append(clusters->similarity[g][m]);
            if (const QString breed = topBreed.value(row); !breed.isEmpty())
                ++votes[breed];
        }
        // Most votes first; ties go to the breed of the more typical member (met first).
        for (int row : clusters->groups[g]) {
            const QString breed = topBreed.value(row);
            if (!breed.isEmpty() && !group.suggestions.contains(breed))
                group.suggestions.append(breed);
        }
        std::stable_sort(group.suggestions.begin(), group.suggestions.end(),
                         [&](const QString& a, const QString& b) { return votes.value(a) > votes.value(b); });
        group.suggestions = group.suggestions.mid(0, 3);
        for (const QString& breed : std::as_const(group.suggestions))
            group.votes.append(votes.value(breed));
        out.groups.append(std::move(group));
    }
    return out;
}

Expected<QVector<NearDuplicateImages>> nearDuplicateImages(const CentreEmbeddings& embeddings, float threshold)
{
    auto pairs = findNearDuplicates(embeddings.rows, threshold);
    if (!pairs)
        return pairs.error();
    QVector<NearDuplicateImages> out;
    out.reserve(qsizetype(pairs->size()));
    for (const NearDuplicatePair& p : *pairs)
        out.append({embeddings.imageIds[p.a], embeddings.imageIds[p.b], p.cosine});
    return out;
}

} // namespace pc
