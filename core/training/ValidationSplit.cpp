#include "training/ValidationSplit.h"

#include "training/ContentOrder.h"

#include <QMap>
#include <random>

namespace pc {

// How many of a class's n images belong in validation: at least one once there are two, and never
// all of them.
static int quotaFor(int n, double fraction)
{
    if (n < 2)
        return 0;
    return std::clamp(int(std::lround(fraction * n)), 1, n - 1);
}

Expected<ValidationSplit> ensureValidationSplit(Workspace& workspace, const QHash<qint64, int>& labels, double fraction)
{
    const auto stored = workspace.split().get();
    if (!stored)
        return stored.error();
    std::optional<ValidationSplit> existing = *stored;
    // Each class's ids in content order: the same labelled images give the same split, whatever
    // order they were imported in.
    const auto ordered = inContentOrder(workspace, labels.keys());
    if (!ordered)
        return ordered.error();
    QMap<int, QVector<qint64>> byClass;
    for (qint64 id : *ordered)
        byClass[labels.value(id)].append(id);

    if (!existing) {
        ValidationSplit split;
        split.id = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        std::mt19937 rng(20121); // fixed: the same labels give the same split
        for (auto it = byClass.begin(); it != byClass.end(); ++it) {
            QVector<qint64> ids = it.value();
            std::shuffle(ids.begin(), ids.end(), rng);
            for (int i = 0; i < quotaFor(int(ids.size()), fraction); ++i)
                split.imageIds.insert(ids[i]);
        }
        if (auto s = workspace.split().set(split); !s)
            return s.error();
        return split;
    }

    QSet<qint64> added;
    for (auto it = byClass.cbegin(); it != byClass.cend(); ++it) {
        QVector<qint64> ids = it.value();
        const auto inVal = std::count_if(ids.cbegin(), ids.cend(), [&](qint64 id) { return existing->imageIds.contains(id); });
        int missing = quotaFor(int(ids.size()), fraction) - int(inVal);
        std::sort(ids.begin(), ids.end(), std::greater<>()); // newest first
        for (qint64 id : ids) {
            if (missing <= 0)
                break;
            if (!existing->imageIds.contains(id)) {
                added.insert(id);
                --missing;
            }
        }
    }
    if (!added.isEmpty()) {
        if (auto s = workspace.split().add(added); !s)
            return s.error();
        existing->imageIds.unite(added);
    }
    return *existing;
}

} // namespace pc
