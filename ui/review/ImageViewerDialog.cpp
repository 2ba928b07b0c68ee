#include "ImageViewerDialog.h"

#include "Background.h"
#include "gallery/ImageLoading.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <cmath>

namespace pc {

namespace {
constexpr double kMinZoom = 0.02, kMaxZoom = 32.0, kStep = 1.25;
}

ImageViewerDialog::ImageViewerDialog(const QString& path, const QString& title, QThreadPool* io, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("imageViewer"));
    setWindowTitle(title);
    setAttribute(Qt::WA_DeleteOnClose);
    m_scene = new QGraphicsScene(this);
    m_view = new QGraphicsView(m_scene, this);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    m_view->setRenderHint(QPainter::SmoothPixmapTransform);
    m_view->setAlignment(Qt::AlignCenter);
    m_view->setAccessibleName(tr("Full-size image"));
    m_view->viewport()->installEventFilter(this);
    m_caption = new QLabel(tr("Loading…"), this);
    m_caption->setObjectName(QStringLiteral("zoomCaption"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 4);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_caption, 0, Qt::AlignHCenter);
    resize(fontMetrics().height() * 60, fontMetrics().height() * 42);

    runInBackground(io, this, [path] {
        QString error;
        QImage image = loadUprightImage(path, QSize(), &error);
        return std::make_pair(image, error);
    }, [this](const std::pair<QImage, QString>& loaded) {
        if (loaded.first.isNull()) {
            m_caption->setText(tr("This image can't be shown: %1").arg(loaded.second));
            return;
        }
        m_item = m_scene->addPixmap(QPixmap::fromImage(loaded.first));
        m_item->setTransformationMode(Qt::SmoothTransformation);
        m_scene->setSceneRect(m_item->boundingRect());
        m_size = tr("%1 × %2 px").arg(loaded.first.width()).arg(loaded.first.height());
        fitToWindow();
    });
}

bool ImageViewerDialog::hasImage() const { return m_item != nullptr; }

double ImageViewerDialog::zoom() const
{
    return m_view->transform().m11() * m_view->devicePixelRatioF();
}

void ImageViewerDialog::setZoom(double zoom)
{
    if (!m_item)
        return;
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    const double scale = zoom / m_view->devicePixelRatioF();
    m_view->setTransform(QTransform::fromScale(scale, scale));
    updateCaption();
}

void ImageViewerDialog::zoomBy(double factor)
{
    m_fitted = false;
    setZoom(zoom() * factor);
}

void ImageViewerDialog::fitToWindow()
{
    if (!m_item)
        return;
    m_fitted = true;
    m_view->fitInView(m_item, Qt::KeepAspectRatio);
    updateCaption();
}

void ImageViewerDialog::showActualSize()
{
    m_fitted = false;
    setZoom(1.0);
}

void ImageViewerDialog::updateCaption()
{
    m_caption->setText(tr("%1 — %2 % — wheel or +/− zoom, 0 fits, 1 is full size, drag to move")
                           .arg(m_size)
                           .arg(qRound(zoom() * 100)));
}

void ImageViewerDialog::resizeEvent(QResizeEvent* event)
{
    QDialog::resizeEvent(event);
    if (m_fitted)
        fitToWindow();
}

bool ImageViewerDialog::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Wheel) {
        const auto* wheel = static_cast<QWheelEvent*>(event);
        const int steps = wheel->angleDelta().y() / 120;
        if (steps != 0)
            zoomBy(std::pow(kStep, steps));
        return true;
    }
    return QDialog::eventFilter(watched, event);
}

void ImageViewerDialog::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(kStep);
        return;
    case Qt::Key_Minus:
        zoomBy(1 / kStep);
        return;
    case Qt::Key_0:
        fitToWindow();
        return;
    case Qt::Key_1:
        showActualSize();
        return;
    default:
        QDialog::keyPressEvent(event);
    }
}

} // namespace pc
