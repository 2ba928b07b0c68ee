#include "ImageView.h"

#include <QPainter>
#include <QResizeEvent>

namespace pc {

ImageView::ImageView(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAccessibleName(tr("Image"));
    setToolTip(tr("Double-click for the full-size view"));
}

QSize ImageView::sizeHint() const { return QSize(fontMetrics().height() * 22, fontMetrics().height() * 18); }
QSize ImageView::minimumSizeHint() const { return QSize(fontMetrics().height() * 8, fontMetrics().height() * 6); }

void ImageView::setImage(const QImage& image)
{
    m_image = image;
    m_scaled = QPixmap();
    m_placeholder.clear();
    update();
}

void ImageView::setPlaceholder(const QString& text)
{
    m_image = QImage();
    m_scaled = QPixmap();
    m_placeholder = text;
    update();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (!m_image.isNull())
        Q_EMIT doubleClicked();
    QWidget::mouseDoubleClickEvent(event);
}

void ImageView::resizeEvent(QResizeEvent* event)
{
    m_scaled = QPixmap();
    QWidget::resizeEvent(event);
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRect area = rect();
    if (m_image.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    const qreal dpr = devicePixelRatioF();
    const QSize target = QSizeF(m_image.size()).scaled(QSizeF(area.size()) * dpr, Qt::KeepAspectRatio).toSize();
    if (m_scaled.isNull() || m_scaled.size() != target) {
        m_scaled = QPixmap::fromImage(target == m_image.size() ? m_image
                                                                : m_image.scaled(target, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        m_scaled.setDevicePixelRatio(dpr);
    }
    const QSizeF logical = QSizeF(m_scaled.size()) / dpr;
    QRectF r(QPointF(0, 0), logical);
    r.moveCenter(QRectF(area).center());
    p.drawPixmap(r.topLeft(), m_scaled);
}

} // namespace pc
