#pragma once
// Shows one picture upright and fitted to the widget, keeping its aspect ratio; sharp at any scale
// factor (the image is loaded at the panel's device-pixel size, off the UI thread). A double click
// asks for the full-size view.
#include <QImage>
#include <QWidget>

namespace pc {

class ImageView : public QWidget {
    Q_OBJECT
public:
    explicit ImageView(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    void setPlaceholder(const QString& text);
    const QImage& image() const { return m_image; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void doubleClicked();

protected:
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QImage m_image;
    QPixmap m_scaled; // cache for the current size
    QString m_placeholder;
};

} // namespace pc
