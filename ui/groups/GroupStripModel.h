#pragma once
// The gallery rows of one group, in the group's order (most typical first), so a group's strip
// shows the same live tiles as the gallery: labels and predictions update in place.
#include <QHash>
#include <QSortFilterProxyModel>
#include <QVector>

namespace pc {

class GroupStripModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit GroupStripModel(QObject* parent = nullptr);

    void setMembers(const QVector<qint64>& imageIds); // in display order
    qint64 imageIdAt(int row) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QHash<qint64, int> m_rank;
};

} // namespace pc
