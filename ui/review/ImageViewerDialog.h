#pragma once
// The full-size view of one image: opens fitted to the window, then zooms with the wheel, Ctrl+wheel,
// +/− and 0 (fit) / 1 (100 %), and pans by dragging. The file is decoded upright, at full
// resolution, off the UI thread.
#include <QDialog>

class QGraphicsPixmapItem;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QThreadPool;

namespace pc {

class ImageViewerDialog : public QDialog {
    Q_OBJECT
public:
    ImageViewerDialog(const QString& path, const QString& title, QThreadPool* io, QWidget* parent = nullptr);

    // 1.0: one image pixel per device pixel.
    double zoom() const;
    bool isFitted() const { return m_fitted; }
    bool hasImage() const;
    void zoomBy(double factor);
    void fitToWindow();
    void showActualSize();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void setZoom(double zoom);
    void updateCaption();

    QGraphicsView* m_view;
    QGraphicsScene* m_scene;
    QGraphicsPixmapItem* m_item = nullptr;
    QLabel* m_caption;
    QString m_size;
    bool m_fitted = true;
};

} // namespace pc
