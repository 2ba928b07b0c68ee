#include "GalleryView.h"

#include "gallery/GalleryDelegate.h"

#include <QEvent>
#include <QScrollBar>

namespace pc {

GalleryView::GalleryView(QWidget* parent) : QListView(parent)
{
    setObjectName(QStringLiteral("gallery"));
    m_delegate = new GalleryDelegate(this);
    setItemDelegate(m_delegate);
    setViewMode(QListView::ListMode);
    setFlow(QListView::LeftToRight);
    setWrapping(true);
    setResizeMode(QListView::Adjust);
    setMovement(QListView::Static);
    setUniformItemSizes(true);
    setLayoutMode(QListView::Batched);
    setBatchSize(500);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSelectionRectVisible(true);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn); // a stable width for the grid
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setMouseTracking(true);
    setDragEnabled(false);
    setAcceptDrops(false); // drops go to the main window
    setAccessibleName(tr("Gallery"));
    viewport()->setAttribute(Qt::WA_Hover, true);
    updateGrid();
}

int GalleryView::thumbnailDevicePixels() const
{
    return qRound(m_delegate->thumbnailEdge() * devicePixelRatioF());
}

void GalleryView::updateGrid()
{
    // Columns fill the width: the spare pixels are shared between the cells.
    const QSize tile = m_delegate->tileSize(fontMetrics());
    const int available = std::max(tile.width(), viewport()->width() - 2);
    const int columns = std::max(1, available / tile.width());
    const QSize grid(available / columns, tile.height());
    if (grid != gridSize())
        setGridSize(grid);
    verticalScrollBar()->setSingleStep(tile.height() / 4);
}

void GalleryView::resizeEvent(QResizeEvent* event)
{
    QListView::resizeEvent(event);
    updateGrid();
}

bool GalleryView::moveCurrent(int step)
{
    if (!model() || model()->rowCount() == 0)
        return false;
    const int row = currentIndex().isValid() ? currentIndex().row() : -1;
    const int next = std::clamp(row + step, 0, model()->rowCount() - 1);
    if (next == row)
        return false;
    const QModelIndex i = model()->index(next, 0);
    setCurrentIndex(i);
    scrollTo(i);
    return true;
}

void GalleryView::keyboardSearch(const QString& search)
{
    // Letters pick a breed for the current image rather than jumping to a file name.
    if (!search.isEmpty() && search.at(0).isLetter())
        Q_EMIT typeAhead(search);
}

void GalleryView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        updateGrid();
    QListView::changeEvent(event);
}

void GalleryView::startDrag(Qt::DropActions) {}

} // namespace pc
