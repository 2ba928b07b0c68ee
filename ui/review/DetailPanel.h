#pragma once
// The selected image in detail: the picture (upright, fitted), the top-3 as bars with percentages,
// the model version and the milliseconds the prediction took, the current label and its history.
#include "workspace/Workspace.h"

#include <QWidget>
#include <atomic>
#include <memory>

class QLabel;
class QListWidget;
class QPushButton;
class QThreadPool;

namespace pc {

class ImageView;
class SuggestionBars;
struct GalleryItem;

class DetailPanel : public QWidget {
    Q_OBJECT
public:
    DetailPanel(std::shared_ptr<const Workspace> workspace, QThreadPool* ioPool, QWidget* parent = nullptr);

    // nullptr: nothing selected. Same id again: refreshes the texts only.
    void setItem(const GalleryItem* item);
    qint64 imageId() const { return m_imageId; }
    void setHistory(qint64 imageId, const QVector<LabelEvent>& history);

    SuggestionBars* suggestions() const { return m_bars; }
    ImageView* imageView() const { return m_image; }
    QListWidget* history() const { return m_history; }
    QString modelText() const;
    static QString predictionTimeText(const QString& model, double ms, bool fromCache);
    static QString historyLine(const LabelEvent& event);

Q_SIGNALS:
    void suggestionAccepted(int index);
    void pickRequested();

private:
    void loadImage(qint64 id, const QString& sha256);
    void loadHistory(qint64 id);

    std::shared_ptr<const Workspace> m_workspace;
    QThreadPool* m_io;
    std::shared_ptr<std::atomic<qint64>> m_latest;
    qint64 m_imageId = 0;
    QLabel* m_title;
    QLabel* m_meta;
    ImageView* m_image;
    QLabel* m_label;
    SuggestionBars* m_bars;
    QLabel* m_model;
    QPushButton* m_pick;
    QListWidget* m_history;
};

} // namespace pc
