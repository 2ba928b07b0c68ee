#pragma once
// A status-bar strip for long work: a caption, a progress bar and a Cancel button. Hidden when idle.
#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace pc {

class TaskProgress : public QWidget {
    Q_OBJECT
public:
    explicit TaskProgress(QWidget* parent = nullptr);

    // total ≤ 0: busy indicator.
    void setProgress(const QString& caption, int done, int total);
    void setCancellable(bool on);
    void finish();

    QProgressBar* bar() const { return m_bar; }
    QToolButton* cancelButton() const { return m_cancel; }

Q_SIGNALS:
    void cancelRequested();

private:
    QLabel* m_caption;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
};

} // namespace pc
