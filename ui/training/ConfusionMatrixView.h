#pragma once
// The validation confusion matrix as a heatmap (rows: true breed, columns: predicted; colour: share
// of the row). Only breeds that occur are shown. Clicking a cell, or Enter on the keyboard cursor,
// asks to show those images in the gallery. The grid fills the pane; labels shrink with the rows and
// a count is only drawn where it fits (the tooltip always has it).
#include <QFont>
#include <QImage>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QPainter;

namespace pc {

struct ConfusionData {
    QStringList classes;                // breed ids, in the model's class order
    int n = 0;                          // classes.size()
    QVector<int> counts;                // n × n, row = true, column = predicted
    QVector<QVector<qint64>> cellImages; // n × n, image ids per cell
};

class ConfusionMatrixView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);

    void setData(const ConfusionData& data);
    const ConfusionData& data() const { return m_data; }
    // Indices (into data().classes) of the rows/columns shown.
    const QVector<int>& shownClasses() const { return m_shown; }
    // The cell rectangle of (true, predicted) in widget coordinates; null when not shown.
    QRect cellRect(int trueClass, int predictedClass) const;

    // The matrix as it is on screen, at its size and `devicePixelRatio` times its pixels, without
    // the keyboard cursor or the hover outline: for a figure.
    QImage toImage(qreal devicePixelRatio) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void cellActivated(int trueClass, int predictedClass, const QVector<qint64>& imageIds);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Geometry {
        int labelW = 0, headerH = 0;
        int cellW = 0, cellH = 0; // the grid fills the pane: cells need not be square
        QPoint origin;
        QFont font;               // labels and counts, shrunk to the rows when they are small
    };
    Geometry geometry() const;
    void paintMatrix(QPainter& p, bool withCursor) const;
    bool cellAt(const QPoint& pos, int* row, int* col) const; // positions in m_shown
    void activate(int row, int col);

    ConfusionData m_data;
    QVector<int> m_shown;
    int m_cursorRow = 0, m_cursorCol = 0;
    int m_hoverRow = -1, m_hoverCol = -1;
};

} // namespace pc
