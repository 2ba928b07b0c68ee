#pragma once
// Paints one gallery tile: the thumbnail, a badge with the predicted breed and its confidence,
// a badge for the label status (unlabelled, labelled, disagreeing with the model, pending review),
// a marker when the image has a near-duplicate, and the label or file name. Sizes follow the
// font, so the tiles scale with the screen.
#include <QHash>
#include <QPixmap>
#include <QStaticText>
#include <QStyledItemDelegate>
#include <functional>
#include <vector>

namespace pc {

class GalleryDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit GalleryDelegate(QObject* parent = nullptr);

    // Thumbnail edge in logical pixels.
    void setThumbnailEdge(int edge) { m_edge = edge; }
    int thumbnailEdge() const { return m_edge; }
    QSize tileSize(const QFontMetrics& fm) const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    // The prediction badge's text in at most `maxLines` lines of `width`, broken between words, so
    // a long breed name stays whole ("Staffordshire Bull / Terrier 34.5%"); only what still
    // doesn't fit is elided.
    static QStringList badgeLines(const QString& text, const QFontMetrics& fm, int width, int maxLines = 2);
    static QString statusSymbol(int status);
    static QString nearDuplicateSymbol(); // the marker on a tile that has a near-duplicate
    static QString statusText(int status);

private:
    static QPixmap roundedThumbnail(const QPixmap& pm, QSize size, qreal radius, const QColor& background, qreal dpr);
    std::vector<QStaticText> laidOut(const QString& key, const QFont& font, const std::function<QStringList()>& lines) const;
    std::vector<QStaticText> badgeText(const QString& text, const QFont& font, int width) const;
    std::vector<QStaticText> elidedLine(const QString& text, const QFont& font, int width) const;

    int m_edge = 148;
    mutable QHash<QString, std::vector<QStaticText>> m_text; // key: kind, width, text, font
};

} // namespace pc
