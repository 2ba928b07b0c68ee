#include "GalleryDelegate.h"

#include "gallery/GalleryModel.h"
#include "Percent.h"
#include "Theme.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace pc {

GalleryDelegate::GalleryDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QSize GalleryDelegate::tileSize(const QFontMetrics& fm) const
{
    const int pad = std::max(4, fm.height() / 3);
    return QSize(m_edge + 2 * pad, m_edge + 2 * pad + fm.height() + pad / 2);
}

QSize GalleryDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    return tileSize(option.fontMetrics);
}

QStringList GalleryDelegate::badgeLines(const QString& text, const QFontMetrics& fm, int width, int maxLines)
{
    QStringList lines;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    qsizetype i = 0;
    while (i < words.size()) {
        QString line = words[i++];
        const bool last = lines.size() + 1 >= maxLines; // takes the rest of the words
        while (i < words.size() && (last || fm.horizontalAdvance(line + QLatin1Char(' ') + words[i]) <= width))
            line += QLatin1Char(' ') + words[i++];
        // Elided in the middle, so the percentage at the end stays.
        lines << fm.elidedText(line, Qt::ElideMiddle, width);
    }
    return lines;
}

QString GalleryDelegate::statusSymbol(int status)
{
    switch (TileStatus(status)) {
    case TileStatus::Unlabelled: return QStringLiteral("○");
    case TileStatus::Labelled: return QStringLiteral("✓");
    case TileStatus::Disagreeing: return QStringLiteral("≠");
    case TileStatus::Pending: return QStringLiteral("?");
    }
    return {};
}

QString GalleryDelegate::statusText(int status)
{
    switch (TileStatus(status)) {
    case TileStatus::Unlabelled: return tr("unlabelled");
    case TileStatus::Labelled: return tr("labelled");
    case TileStatus::Disagreeing: return tr("disagrees with the model");
    case TileStatus::Pending: return tr("pending review");
    }
    return {};
}

static QColor statusColor(int status, const QPalette& pal)
{
    switch (TileStatus(status)) {
    case TileStatus::Unlabelled: return Theme::unlabelledColor(pal);
    case TileStatus::Labelled: return Theme::labelledColor(pal);
    case TileStatus::Disagreeing: return Theme::disagreeColor(pal);
    case TileStatus::Pending: return Theme::pendingColor(pal);
    }
    return Theme::unlabelledColor(pal);
}

void GalleryDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QPalette& pal = option.palette;
    const QFontMetrics& fm = option.fontMetrics;
    const int pad = std::max(4, fm.height() / 3);
    // The tile, centred in its grid cell (cells share the spare width of the row).
    const QSize size = tileSize(fm);
    const QRect cell = option.rect;
    const QRect tile = QRect(cell.x() + std::max(0, (cell.width() - size.width()) / 2), cell.y(), std::min(size.width(), cell.width()),
                             std::min(size.height(), cell.height()))
                           .adjusted(1, 1, -1, -1);
    const bool selected = option.state & QStyle::State_Selected;
    const bool current = option.state & QStyle::State_HasFocus;
    const bool hover = option.state & QStyle::State_MouseOver;

    p->save();
    p->setRenderHint(QPainter::Antialiasing, true);
    p->setRenderHint(QPainter::SmoothPixmapTransform, true);

    // Tile background.
    const qreal radius = pad;
    if (selected || hover) {
        QColor bg = pal.color(QPalette::Highlight);
        bg.setAlphaF(selected ? 0.35f : 0.12f);
        p->setPen(Qt::NoPen);
        p->setBrush(bg);
        p->drawRoundedRect(tile, radius, radius);
    }
    if (current) {
        QPen pen(pal.color(QPalette::Highlight), std::max(2, pad / 2));
        p->setPen(pen);
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(tile.adjusted(1, 1, -1, -1), radius, radius);
    }

    // Thumbnail (aspect-fitted) or a placeholder while it loads.
    const QRect box(tile.left() + pad - 1, tile.top() + pad - 1, m_edge, m_edge);
    const QPixmap pm = index.data(Qt::DecorationRole).value<QPixmap>();
    if (!pm.isNull() && pm.width() > 1) {
        QSizeF s = QSizeF(pm.size()).scaled(QSizeF(box.size()), Qt::KeepAspectRatio);
        QRectF r(QPointF(0, 0), s);
        r.moveCenter(QRectF(box).center());
        QPainterPath clip;
        clip.addRoundedRect(r, pad / 2.0, pad / 2.0);
        p->save();
        p->setClipPath(clip);
        p->drawPixmap(r, pm, QRectF(pm.rect()));
        p->restore();
    } else {
        QColor ph = pal.color(QPalette::Mid);
        ph.setAlphaF(0.35f);
        p->setPen(Qt::NoPen);
        p->setBrush(ph);
        p->drawRoundedRect(box.adjusted(pad, pad, -pad, -pad), pad, pad);
    }

    QFont small = option.font;
    small.setPointSizeF(std::max(6.0, option.font.pointSizeF() * 0.85));
    QFontMetrics sfm(small);
    const int badgeH = sfm.height() + 2;

    // Prediction badge: breed and confidence, bottom of the thumbnail.
    const bool hasPrediction = index.data(GalleryModel::HasPredictionRole).toBool();
    {
        QString text;
        QColor bg;
        if (hasPrediction) {
            const float conf = index.data(GalleryModel::ConfidenceRole).toFloat();
            text = QStringLiteral("%1 %2").arg(index.data(GalleryModel::PredictedNameRole).toString(), percentText(conf));
            bg = Theme::confidenceColor(conf, pal);
        } else {
            text = tr("predicting…");
            bg = QColor(90, 90, 90);
        }
        bg.setAlphaF(0.92f);
        const int maxW = box.width() - 2 * pad;
        const QStringList lines = badgeLines(text, sfm, maxW - pad - 2);
        int textW = 0;
        for (const QString& l : lines)
            textW = std::max(textW, sfm.horizontalAdvance(l));
        const int w = std::min(maxW, textW + pad + 2);
        const int h = badgeH + sfm.height() * int(lines.size() - 1);
        const QRect badge(box.left() + pad, box.bottom() - pad - h, w, h);
        p->setPen(Qt::NoPen);
        p->setBrush(bg);
        p->drawRoundedRect(badge, badgeH / 2.0, badgeH / 2.0);
        p->setFont(small);
        p->setPen(Qt::white);
        p->drawText(badge, Qt::AlignCenter, lines.join(QLatin1Char('\n')));
    }

    // Label-status badge, top-left of the thumbnail.
    const int status = index.data(GalleryModel::StatusRole).toInt();
    {
        const QRect badge(box.left() + pad, box.top() + pad, badgeH, badgeH);
        QColor bg = statusColor(status, pal);
        p->setPen(QPen(QColor(255, 255, 255, 200), 1));
        p->setBrush(bg);
        p->drawEllipse(badge);
        QFont bold = small;
        bold.setBold(true);
        p->setFont(bold);
        p->setPen(Qt::white);
        p->drawText(badge, Qt::AlignCenter, statusSymbol(status));
    }

    // Caption: the label when there is one, else the file name.
    const QString label = index.data(GalleryModel::LabelNameRole).toString();
    QFont captionFont = option.font;
    captionFont.setBold(!label.isEmpty());
    p->setFont(captionFont);
    p->setPen(pal.color(selected ? QPalette::Text : QPalette::WindowText));
    const QRect caption(tile.left() + pad, box.bottom() + pad / 2, tile.width() - 2 * pad, fm.height());
    const QString text = label.isEmpty() ? index.data(GalleryModel::NameRole).toString() : label;
    p->drawText(caption, Qt::AlignHCenter | Qt::AlignVCenter, QFontMetrics(captionFont).elidedText(text, Qt::ElideMiddle, caption.width()));

    p->restore();
}

} // namespace pc
