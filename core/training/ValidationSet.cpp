#include "ValidationSet.h"

#include "model/BreedCatalog.h"
#include "training/TrainingLabels.h"
#include "workspace/Workspace.h"

namespace pc {

Expected<LabelledEmbeddings> validationEmbeddings(const Workspace& workspace, const QString& weightsHash, const QStringList& classes,
                                                  int width)
{
    LabelledEmbeddings set;
    const auto stored = workspace.split().get();
    if (!stored)
        return stored.error();
    const std::optional<ValidationSplit>& split = *stored;
    if (!split)
        return set;
    // selectTrainingLabels speaks Oxford class order; a head may list its classes in another.
    const auto selected = selectTrainingLabels(workspace);
    if (!selected)
        return selected.error();
    const QHash<qint64, int>& labels = *selected;
    const BreedCatalog& breeds = BreedCatalog::oxford();
    for (qint64 id : split->imageIds) {
        const auto label = labels.constFind(id);
        if (label == labels.constEnd())
            continue;
        const int cls = int(classes.indexOf(breeds.at(label.value()).id));
        if (cls < 0)
            continue;
        const auto read = workspace.embeddings().views(id, weightsHash);
        if (!read)
            return read.error();
        const std::optional<cv::Mat>& views = *read;
        if (!views || views->empty() || views->cols != width)
            continue;
        set.add(views->row(0).clone(), cls, id);
    }
    return set;
}

} // namespace pc
