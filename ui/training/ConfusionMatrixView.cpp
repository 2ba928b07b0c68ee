#include "ConfusionMatrixView.h"
#include "model/BreedCatalog.h"

#include "gallery/GalleryModel.h"
#include "Theme.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace pc {

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("confusionMatrix"));
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAccessibleName(tr("Confusion matrix"));
    setAccessibleDescription(tr("Arrow keys move, Enter shows the images of a cell in the gallery"));
}

void ConfusionMatrixView::setData(const ConfusionData& data)
{
    m_data = data;
    m_shown.clear();
    const int n = data.n;
    for (int i = 0; i < n; ++i) {
        int rowSum = 0, colSum = 0;
        for (int j = 0; j < n; ++j) {
            rowSum += data.counts.value(i * n + j);
            colSum += data.counts.value(j * n + i);
        }
        if (rowSum > 0 || colSum > 0)
            m_shown << i;
    }
    m_cursorRow = m_cursorCol = 0;
    m_hoverRow = m_hoverCol = -1;
    updateGeometry();
    update();
}

QSize ConfusionMatrixView::sizeHint() const { return QSize(fontMetrics().height() * 26, fontMetrics().height() * 22); }
QSize ConfusionMatrixView::minimumSizeHint() const { return QSize(fontMetrics().height() * 12, fontMetrics().height() * 10); }

ConfusionMatrixView::Geometry ConfusionMatrixView::geometry() const
{
    Geometry g;
    g.font = font();
    const int k = std::max(1, int(m_shown.size()));
    // Twice at most: once with the widget's font, once with a font as small as the rows.
    for (int pass = 0; pass < 2; ++pass) {
        const QFontMetrics fm(g.font);
        int widest = 0;
        for (int c : m_shown)
            widest = std::max(widest, fm.horizontalAdvance(breedDisplayName(m_data.classes.value(c))));
        g.labelW = std::min(widest + fm.height() / 2, width() / 3);
        g.headerH = std::min(widest + fm.height() / 2, height() / 3);
        g.cellW = std::max(4, (width() - g.labelW - 1) / k);
        g.cellH = std::max(4, (height() - g.headerH - 1) / k);
        // Not more than twice as wide as tall (or the reverse): still a grid to read across.
        g.cellW = std::min(g.cellW, 2 * g.cellH);
        g.cellH = std::min(g.cellH, 2 * g.cellW);
        const int line = std::min(g.cellW, g.cellH);
        if (pass == 1 || fm.height() <= line)
            break;
        g.font.setPointSizeF(std::max(5.0, font().pointSizeF() * line / fm.height()));
    }
    g.origin = QPoint(g.labelW, g.headerH);
    return g;
}

QRect ConfusionMatrixView::cellRect(int trueClass, int predictedClass) const
{
    const int r = int(m_shown.indexOf(trueClass)), c = int(m_shown.indexOf(predictedClass));
    if (r < 0 || c < 0)
        return {};
    const Geometry g = geometry();
    return QRect(g.origin.x() + c * g.cellW, g.origin.y() + r * g.cellH, g.cellW, g.cellH);
}

bool ConfusionMatrixView::cellAt(const QPoint& pos, int* row, int* col) const
{
    const Geometry g = geometry();
    const QPoint p = pos - g.origin;
    if (p.x() < 0 || p.y() < 0)
        return false;
    const int c = p.x() / g.cellW, r = p.y() / g.cellH;
    if (r >= m_shown.size() || c >= m_shown.size())
        return false;
    *row = r;
    *col = c;
    return true;
}

void ConfusionMatrixView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    paintMatrix(p, true);
}

QImage ConfusionMatrixView::toImage(qreal devicePixelRatio) const
{
    QImage image(size() * devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatio);
    image.fill(palette().color(QPalette::Base)); // the chart's background too: white on a page
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing);
    paintMatrix(p, false);
    return image;
}

void ConfusionMatrixView::paintMatrix(QPainter& p, bool withCursor) const
{
    const QPalette& pal = palette();
    p.setFont(font());
    if (m_shown.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("The confusion matrix appears after a training run."));
        return;
    }
    const Geometry g = geometry();
    const int n = m_data.n;
    const int k = int(m_shown.size());
    const QFont small = g.font;
    const QFontMetrics sfm(small);
    const bool dark = Theme::isDark(pal);
    const QColor hot = dark ? QColor(90, 160, 255) : QColor(25, 90, 200);
    const QColor miss = dark ? QColor(255, 120, 90) : QColor(210, 60, 40);
    const QColor base = pal.color(QPalette::Base);

    for (int r = 0; r < k; ++r) {
        const int tr_ = m_shown[r];
        int rowSum = 0;
        for (int j = 0; j < n; ++j)
            rowSum += m_data.counts.value(tr_ * n + j);
        for (int c = 0; c < k; ++c) {
            const int pc_ = m_shown[c];
            const int count = m_data.counts.value(tr_ * n + pc_);
            const double share = rowSum > 0 ? double(count) / rowSum : 0.0;
            const QRect cell(g.origin.x() + c * g.cellW, g.origin.y() + r * g.cellH, g.cellW, g.cellH);
            const QColor ink = r == c ? hot : miss;
            QColor fill = QColor::fromRgbF(base.redF() + (ink.redF() - base.redF()) * share,
                                           base.greenF() + (ink.greenF() - base.greenF()) * share,
                                           base.blueF() + (ink.blueF() - base.blueF()) * share);
            p.fillRect(cell, fill);
            p.setPen(QPen(pal.color(QPalette::Mid), 0));
            p.drawRect(cell.adjusted(0, 0, -1, -1));
            const QString number = QString::number(count);
            if (count > 0 && g.cellH >= sfm.height() && g.cellW >= sfm.horizontalAdvance(number) + 2) {
                p.setFont(small);
                p.setPen(share > 0.5 ? Qt::white : pal.color(QPalette::Text));
                p.drawText(cell, Qt::AlignCenter, number);
            }
        }
    }
    // Labels: true breeds on the left, predicted ones rotated on top.
    p.setFont(small);
    p.setPen(pal.color(QPalette::WindowText));
    for (int r = 0; r < k; ++r) {
        const QRect lr(0, g.origin.y() + r * g.cellH, g.labelW - 4, g.cellH);
        p.drawText(lr, Qt::AlignRight | Qt::AlignVCenter, sfm.elidedText(breedDisplayName(m_data.classes.value(m_shown[r])), Qt::ElideRight, lr.width()));
    }
    for (int c = 0; c < k; ++c) {
        p.save();
        p.translate(g.origin.x() + c * g.cellW + g.cellW / 2 + sfm.ascent() / 2, g.headerH - 4);
        p.rotate(-90);
        p.drawText(QRect(0, -sfm.ascent(), g.headerH - 4, sfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   sfm.elidedText(breedDisplayName(m_data.classes.value(m_shown[c])), Qt::ElideRight, g.headerH - 4));
        p.restore();
    }
    // Keyboard cursor and hover.
    auto outline = [&](int r, int c, const QColor& color, int w) {
        if (r < 0 || c < 0 || r >= k || c >= k)
            return;
        p.setPen(QPen(color, w));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(g.origin.x() + c * g.cellW, g.origin.y() + r * g.cellH, g.cellW, g.cellH).adjusted(1, 1, -1, -1));
    };
    if (withCursor) {
        outline(m_hoverRow, m_hoverCol, pal.color(QPalette::Highlight), 1);
        if (hasFocus())
            outline(m_cursorRow, m_cursorCol, pal.color(QPalette::Highlight), 2);
    }
    // Axis captions, in the corner next to the grid.
    // On two lines when the breed names leave too narrow a corner for one.
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.setFont(font());
    const QRect corner(0, 0, g.labelW - 4, g.headerH - 4);
    const QFontMetrics fm(font());
    QString caption = tr("true ↓   predicted →");
    if (fm.horizontalAdvance(caption) > corner.width()) {
        QString predicted = tr("predicted →");
        if (fm.horizontalAdvance(predicted) > corner.width())
            predicted = tr("pred. →");
        caption = fm.elidedText(tr("true ↓"), Qt::ElideRight, corner.width()) + QLatin1Char('\n')
            + fm.elidedText(predicted, Qt::ElideRight, corner.width());
    }
    p.drawText(corner, Qt::AlignRight | Qt::AlignBottom, caption);
}

void ConfusionMatrixView::activate(int row, int col)
{
    if (row < 0 || col < 0 || row >= m_shown.size() || col >= m_shown.size())
        return;
    const int t = m_shown[row], pr = m_shown[col];
    Q_EMIT cellActivated(t, pr, m_data.cellImages.value(t * m_data.n + pr));
}

void ConfusionMatrixView::mousePressEvent(QMouseEvent* event)
{
    int r = 0, c = 0;
    if (event->button() == Qt::LeftButton && cellAt(event->position().toPoint(), &r, &c)) {
        m_cursorRow = r;
        m_cursorCol = c;
        update();
        activate(r, c);
    }
}

void ConfusionMatrixView::mouseMoveEvent(QMouseEvent* event)
{
    int r = -1, c = -1;
    if (!cellAt(event->position().toPoint(), &r, &c))
        r = c = -1;
    if (r != m_hoverRow || c != m_hoverCol) {
        m_hoverRow = r;
        m_hoverCol = c;
        setCursor(r >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void ConfusionMatrixView::keyPressEvent(QKeyEvent* event)
{
    const int k = int(m_shown.size());
    if (k == 0)
        return QWidget::keyPressEvent(event);
    switch (event->key()) {
    case Qt::Key_Left: m_cursorCol = std::max(0, m_cursorCol - 1); break;
    case Qt::Key_Right: m_cursorCol = std::min(k - 1, m_cursorCol + 1); break;
    case Qt::Key_Up: m_cursorRow = std::max(0, m_cursorRow - 1); break;
    case Qt::Key_Down: m_cursorRow = std::min(k - 1, m_cursorRow + 1); break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        activate(m_cursorRow, m_cursorCol);
        return;
    default:
        return QWidget::keyPressEvent(event);
    }
    update();
}

bool ConfusionMatrixView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        int r = 0, c = 0;
        if (cellAt(help->pos(), &r, &c)) {
            const int t = m_shown[r], pr = m_shown[c];
            const int count = m_data.counts.value(t * m_data.n + pr);
            QToolTip::showText(help->globalPos(),
                               tr("True %1, predicted %2: %n image(s)\nClick to show them in the gallery", nullptr, count)
                                   .arg(breedDisplayName(m_data.classes.value(t)), breedDisplayName(m_data.classes.value(pr))),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace pc
