#include "groups/GroupStrip.h"

#include "gallery/GalleryDelegate.h"
#include "gallery/GalleryModel.h"
#include "groups/GroupStripModel.h"
#include "model/BreedCatalog.h"

#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QScrollBar>
#include <QVBoxLayout>

namespace pc {

GroupStrip::GroupStrip(GalleryModel* gallery, QWidget* parent) : QFrame(parent), m_model(new GroupStripModel(this))
{
    setObjectName(QStringLiteral("groupStrip"));
    setFrameShape(QFrame::StyledPanel);
    m_model->setSourceModel(gallery);
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("groupHeader"));
    m_header->setTextFormat(Qt::RichText);
    m_list = new QListView(this);
    m_list->setObjectName(QStringLiteral("groupImages"));
    auto* delegate = new GalleryDelegate(m_list);
    m_list->setItemDelegate(delegate);
    m_list->setModel(m_model);
    m_list->setViewMode(QListView::ListMode);
    m_list->setFlow(QListView::LeftToRight);
    m_list->setWrapping(false);
    m_list->setUniformItemSizes(true);
    m_list->setMovement(QListView::Static);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn); // a stable height
    const QSize tile = delegate->tileSize(m_list->fontMetrics());
    m_list->setGridSize(tile);
    m_list->setFixedHeight(tile.height() + m_list->horizontalScrollBar()->sizeHint().height() + 2 * m_list->frameWidth() + 2);
    m_list->installEventFilter(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addWidget(m_header);
    layout->addWidget(m_list);
    setFocusProxy(m_list);
}

void GroupStrip::setGroup(const QString& title, const QVector<qint64>& imageIds, const QStringList& suggestions, const QVector<int>& counts)
{
    m_title = title;
    m_ids = imageIds;
    m_suggestions = suggestions;
    m_counts = counts;
    m_named.clear();
    m_model->setMembers(imageIds);
    m_list->setAccessibleName(tr("%1: %n image(s)", nullptr, int(imageIds.size())).arg(title));
    updateHeader();
    selectAllImages();
}

void GroupStrip::updateHeader()
{
    QStringList parts{QStringLiteral("<b>%1</b>").arg(m_title.toHtmlEscaped()), tr("%n image(s)", nullptr, int(m_ids.size()))};
    if (!m_named.isEmpty()) {
        parts << tr("named <b>%1</b>").arg(breedDisplayName(m_named).toHtmlEscaped());
    } else if (m_suggestions.isEmpty()) {
        parts << tr("no suggestion yet: type a breed name");
    } else {
        for (int i = 0; i < m_suggestions.size(); ++i)
            parts << tr("<b>%1</b> %2 (%3)").arg(i + 1).arg(breedDisplayName(m_suggestions[i]).toHtmlEscaped()).arg(m_counts.value(i));
    }
    m_header->setText(parts.join(QStringLiteral(" · ")));
}

void GroupStrip::setNamed(const QString& breedId)
{
    m_named = breedId;
    updateHeader();
}

QVector<qint64> GroupStrip::selectedImageIds() const
{
    QVector<qint64> out;
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_list->selectionModel()->isSelected(m_model->index(row, 0)))
            out.append(m_model->imageIdAt(row));
    return out;
}

void GroupStrip::selectAllImages()
{
    m_list->selectAll();
    if (m_model->rowCount() > 0)
        m_list->selectionModel()->setCurrentIndex(m_model->index(0, 0), QItemSelectionModel::NoUpdate);
}

bool GroupStrip::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_list && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const Qt::KeyboardModifiers mods = key->modifiers() & ~Qt::KeypadModifier;
        if (mods == Qt::NoModifier && key->key() >= Qt::Key_1 && key->key() <= Qt::Key_3) {
            const int i = key->key() - Qt::Key_1;
            if (i < m_suggestions.size())
                Q_EMIT nameRequested(m_suggestions[i]);
            return true;
        }
        if (mods == Qt::NoModifier && (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
            if (!m_suggestions.isEmpty())
                Q_EMIT nameRequested(m_suggestions.front());
            return true;
        }
        if (mods == Qt::NoModifier && key->key() == Qt::Key_Delete) {
            Q_EMIT removeRequested();
            return true;
        }
        // Letters name the group by typing a breed (the same type-ahead as the gallery's).
        const QString text = key->text();
        if ((mods & ~Qt::ShiftModifier) == Qt::NoModifier && !text.isEmpty() && text.at(0).isLetter()) {
            Q_EMIT typeAhead(text);
            return true;
        }
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace pc
