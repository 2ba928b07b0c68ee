#include "GalleryDelegate.h"

#include "gallery/GalleryModel.h"
#include "Percent.h"
#include "Theme.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>
#include <QPixmapCache>
#include <QtMath>

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

// Laid-out text, kept between paints: shaping the same badge and caption again on every repaint
// was most of the UI thread's time while predictions streamed in. UI thread only.
std::vector<QStaticText> GalleryDelegate::laidOut(const QString& key, const QFont& font, const std::function<QStringList()>& lines) const
{
    const QString fullKey = key + QLatin1Char('\x1f') + font.key();
    if (auto it = m_text.constFind(fullKey); it != m_text.constEnd())
        return *it;
    if (m_text.size() > 4096) // what is on screen is laid out again at the next paint
        m_text.clear();
    std::vector<QStaticText> out;
    for (const QString& l : lines()) {
        QStaticText t(l);
        t.setTextFormat(Qt::PlainText);
        t.prepare(QTransform(), font);
        out.push_back(std::move(t));
    }
    if (out.empty())
        out.emplace_back();
    return *m_text.insert(fullKey, std::move(out));
}

std::vector<QStaticText> GalleryDelegate::badgeText(const QString& text, const QFont& font, int width) const
{
    return laidOut(QStringLiteral("b%1|%2").arg(width).arg(text), font, [&] { return badgeLines(text, QFontMetrics(font), width); });
}

std::vector<QStaticText> GalleryDelegate::elidedLine(const QString& text, const QFont& font, int width) const
{
    return laidOut(QStringLiteral("c%1|%2").arg(width).arg(text), font,
                   [&] { return QStringList{QFontMetrics(font).elidedText(text, Qt::ElideMiddle, width)}; });
}

QString GalleryDelegate::nearDuplicateSymbol() { return QStringLiteral("≈"); }

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

// The thumbnail at its size on screen with its corners rounded onto the tile's colour, made once
// per pixmap, size and colour. Opaque on purpose: Qt 6.4's raster engine splits an alpha blend or a
// translucent fill taller than about 90 rows into segments on its GUI thread pool and the UI thread
// waits for them, while an opaque pixmap is a row copy (100 µs and 2 thread hand-offs against 5 µs
// and none per 150-row tile, measured; in bench-ui the UI thread waited 4,500 times in 14 s of
// import). A rounded clip and a scaled draw on every paint cost a mask and a filtered scale more.
QPixmap GalleryDelegate::roundedThumbnail(const QPixmap& pm, QSize size, qreal radius, const QColor& background, qreal dpr)
{
    const QString key = QStringLiteral("pc-tile-%1-%2x%3-%4-%5-%6")
                            .arg(pm.cacheKey())
                            .arg(size.width())
                            .arg(size.height())
                            .arg(radius)
                            .arg(dpr)
                            .arg(background.rgb());
    QPixmap out;
    if (QPixmapCache::find(key, &out))
        return out;
    QImage image((QSizeF(size) * dpr).toSize(), QImage::Format_RGB32);
    image.setDevicePixelRatio(dpr);
    image.fill(background);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing, true);
        painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
        QPainterPath clip;
        clip.addRoundedRect(QRectF(QPointF(0, 0), QSizeF(size)), radius, radius);
        painter.setClipPath(clip);
        painter.drawPixmap(QRectF(QPointF(0, 0), QSizeF(size)), pm, QRectF(pm.rect()));
    }
    out = QPixmap::fromImage(std::move(image));
    QPixmapCache::insert(key, out);
    return out;
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

    // Tile background. Every large fill is opaque: see roundedThumbnail().
    const qreal radius = pad;
    const QColor base = pal.color(QPalette::Base);
    QColor tileColor = base;
    if (selected || hover) {
        QColor tint = pal.color(QPalette::Highlight);
        tint.setAlphaF(selected ? 0.35f : 0.12f);
        tileColor = Theme::over(tint, base);
        p->setPen(Qt::NoPen);
        p->setBrush(tileColor);
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
        const QSize s = pm.size().scaled(box.size(), Qt::KeepAspectRatio);
        const QPixmap rounded = roundedThumbnail(pm, s, pad / 2.0, tileColor, p->device()->devicePixelRatioF());
        p->drawPixmap(box.x() + (box.width() - s.width()) / 2, box.y() + (box.height() - s.height()) / 2, rounded);
    } else {
        QColor ph = pal.color(QPalette::Mid);
        ph.setAlphaF(0.35f);
        p->setPen(Qt::NoPen);
        p->setBrush(Theme::over(ph, tileColor));
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
        const int maxW = box.width() - 2 * pad;
        const std::vector<QStaticText> lines = badgeText(text, small, maxW - pad - 2);
        int textW = 0;
        for (const QStaticText& l : lines)
            textW = std::max(textW, qCeil(l.size().width()));
        const int w = std::min(maxW, textW + pad + 2);
        const int h = badgeH + sfm.height() * int(lines.size() - 1);
        const QRect badge(box.left() + pad, box.bottom() - pad - h, w, h);
        p->setPen(Qt::NoPen);
        p->setBrush(bg);
        p->drawRoundedRect(badge, badgeH / 2.0, badgeH / 2.0);
        p->setFont(small);
        p->setPen(Qt::white);
        const int top = badge.top() + (badge.height() - sfm.height() * int(lines.size())) / 2;
        for (size_t i = 0; i < lines.size(); ++i)
            p->drawStaticText(QPointF(badge.left() + (badge.width() - lines[i].size().width()) / 2.0, top + sfm.height() * int(i)), lines[i]);
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

    // Near-duplicate marker, top-right of the thumbnail: another image here is nearly the same
    // (the tooltip names it; View ▸ Show ▸ Near-duplicates lists them together).
    if (index.data(GalleryModel::NearDuplicateRole).toBool()) {
        const QRect badge(box.right() - pad - badgeH, box.top() + pad, badgeH, badgeH);
        p->setPen(QPen(QColor(255, 255, 255, 200), 1));
        p->setBrush(QColor(123, 31, 162)); // purple: unlike every status and confidence colour
        p->drawRoundedRect(badge, badgeH / 4.0, badgeH / 4.0);
        QFont bold = small;
        bold.setBold(true);
        p->setFont(bold);
        p->setPen(Qt::white);
        p->drawText(badge, Qt::AlignCenter, nearDuplicateSymbol());
    }

    // Caption: the label when there is one, else the file name.
    const QString label = index.data(GalleryModel::LabelNameRole).toString();
    QFont captionFont = option.font;
    captionFont.setBold(!label.isEmpty());
    p->setFont(captionFont);
    p->setPen(pal.color(selected ? QPalette::Text : QPalette::WindowText));
    const QRect caption(tile.left() + pad, box.bottom() + pad / 2, tile.width() - 2 * pad, fm.height());
    const QString text = label.isEmpty() ? index.data(GalleryModel::NameRole).toString() : label;
    const std::vector<QStaticText> captionText = elidedLine(text, captionFont, caption.width());
    const QSizeF captionSize = captionText.front().size();
    p->drawStaticText(QPointF(caption.left() + (caption.width() - captionSize.width()) / 2.0, caption.top() + (caption.height() - captionSize.height()) / 2.0),
                      captionText.front());

    p->restore();
}

} // namespace pc
