#pragma once
// The gallery: a QListView in a wrapping grid with uniform tiles and batched layout, so 10,000
// images scroll smoothly. Typing letters opens the breed picker (type-ahead) instead of jumping.
#include <QListView>

namespace pc {

class GalleryDelegate;

class GalleryView : public QListView {
    Q_OBJECT
public:
    explicit GalleryView(QWidget* parent = nullptr);

    GalleryDelegate* tileDelegate() const { return m_delegate; }
    // Thumbnail edge in device pixels for the current screen.
    int thumbnailDevicePixels() const;
    void updateGrid();
    // Moves the current index by `step` rows of the proxy (wrapping stops at the ends).
    bool moveCurrent(int step);

Q_SIGNALS:
    void typeAhead(const QString& text);

public:
    void keyboardSearch(const QString& search) override;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void startDrag(Qt::DropActions supportedActions) override;

private:
    GalleryDelegate* m_delegate;
};

} // namespace pc
