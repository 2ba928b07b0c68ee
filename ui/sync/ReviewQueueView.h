#pragma once
// The reviewer's tab: the server's review queue (disputed images first), the image, every label
// it got (who, which breed, its status), and a verdict with one key: A approves the selected
// label, R rejects it. Approving one label of a disputed image rejects the others (the server's
// rule). The network runs on pool threads; this widget only shows results.
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonObject>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace pc {

class ReviewQueueView : public QWidget {
    Q_OBJECT
public:
    explicit ReviewQueueView(QWidget* parent = nullptr);

    // Where to ask; without it, the view reads the app's settings and token when first shown.
    void setServer(const QString& url, const QString& token);
    int queueSize() const;
    QString statusText() const;

public Q_SLOTS:
    void refresh();
    void approveSelected();
    void rejectSelected();

Q_SIGNALS:
    void verdictGiven(); // a sync brings the verdicts into the workspace

protected:
    void showEvent(QShowEvent* event) override;

private:
    void showQueue(const QJsonArray& items, const QString& error, const QString& agreement);
    void showItem(int row);
    void decide(bool approve);
    void say(const QString& text);

    QString m_url, m_token;
    bool m_loaded = false;
    QJsonArray m_items;
    QListWidget* m_queue = nullptr;
    QLabel* m_image = nullptr;
    QListWidget* m_labels = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_agreement = nullptr;
    QPushButton* m_approve = nullptr;
    QPushButton* m_reject = nullptr;
    int m_imageRequest = 0; // the latest image request; older answers are dropped
};

} // namespace pc
