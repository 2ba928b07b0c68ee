#include "groups/GroupStripModel.h"

#include "gallery/GalleryModel.h"

namespace pc {

GroupStripModel::GroupStripModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    // The order is the group's, fixed; a label or prediction update must not move a tile.
    setDynamicSortFilter(false);
}

void GroupStripModel::setMembers(const QVector<qint64>& imageIds)
{
    m_rank.clear();
    for (int i = 0; i < imageIds.size(); ++i)
        m_rank.insert(imageIds[i], i);
    invalidate();
    sort(0);
}

qint64 GroupStripModel::imageIdAt(int row) const
{
    return index(row, 0).data(GalleryModel::ImageIdRole).toLongLong();
}

bool GroupStripModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    return m_rank.contains(sourceModel()->index(sourceRow, 0, sourceParent).data(GalleryModel::ImageIdRole).toLongLong());
}

bool GroupStripModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    return m_rank.value(left.data(GalleryModel::ImageIdRole).toLongLong())
           < m_rank.value(right.data(GalleryModel::ImageIdRole).toLongLong());
}

} // namespace pc
