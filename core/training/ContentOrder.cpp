#include "training/ContentOrder.h"

#include "workspace/Workspace.h"

#include <QHash>
#include <algorithm>

namespace pc {

Expected<QList<qint64>> inContentOrder(const Workspace& workspace, QList<qint64> ids)
{
    const auto images = workspace.images();
    if (!images)
        return images.error();
    QHash<qint64, QString> sha;
    sha.reserve(images->size());
    for (const ImageRecord& r : *images)
        sha.insert(r.id, r.sha256);
    std::sort(ids.begin(), ids.end(), [&](qint64 a, qint64 b) {
        const auto x = sha.constFind(a), y = sha.constFind(b);
        const bool knownA = x != sha.cend(), knownB = y != sha.cend();
        if (knownA != knownB)
            return knownA;
        if (knownA && *x != *y)
            return *x < *y;
        return a < b;
    });
    return ids;
}

} // namespace pc
