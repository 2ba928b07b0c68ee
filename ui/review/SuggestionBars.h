#pragma once
// The model's top-3 for one image as labelled bars with percentages, each with the key that
// accepts it (1, 2, 3). Clicking a bar accepts it too.
#include "model/Predictor.h"

#include <QWidget>

namespace pc {

class SuggestionBars : public QWidget {
    Q_OBJECT
public:
    explicit SuggestionBars(QWidget* parent = nullptr);

    void setSuggestions(const std::vector<Guess>& top, const QString& currentLabel);
    const std::vector<Guess>& suggestions() const { return m_top; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void suggestionClicked(int index); // 0-based

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    int rowHeight() const;

    std::vector<Guess> m_top;
    QString m_label;
};

} // namespace pc
