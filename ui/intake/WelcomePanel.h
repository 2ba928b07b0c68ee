#pragma once
// What an empty workspace shows: drop images here, or import a dataset. Predictions work at once
// through the zero-shot head, before any training.
#include <QWidget>

class QPushButton;

namespace pc {

class WelcomePanel : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePanel(QWidget* parent = nullptr);

    QPushButton* openButton() const { return m_open; }

Q_SIGNALS:
    void openRequested();
    void importOxfordRequested();
    void importFoldersRequested();

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QPushButton* m_open;
};

} // namespace pc
