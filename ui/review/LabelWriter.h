#pragma once
// Writes the curator's labels (and removals of images) to the workspace on one background thread,
// in order, so a key press never waits for the database. The label log is append-only: undo marks
// the event rejected (the current label falls back to the one before), redo approves it again.
#include "concurrency/WorkQueue.h"
#include "workspace/Workspace.h"

#include <QObject>
#include <atomic>
#include <memory>

namespace pc {

struct LabelTicket {
    qint64 imageId = 0;
    QString breed;
    QString author;
    std::atomic<qint64> eventId{0}; // set by the first apply
};

class LabelWriter : public QObject {
    Q_OBJECT
public:
    explicit LabelWriter(std::shared_ptr<Workspace> workspace, QObject* parent = nullptr);
    ~LabelWriter() override;

    void apply(const std::shared_ptr<LabelTicket>& ticket);  // add the event, or approve it again
    void revert(const std::shared_ptr<LabelTicket>& ticket); // reject the event
    // Re-reads an image's current label and history (labelState follows).
    void refresh(qint64 imageId);
    // Takes images out of the workspace or puts them back, in order with the label writes.
    void setImagesRemoved(const QVector<qint64>& imageIds, bool removed);

    int pending() const { return m_pending.load(); }
    void waitForIdle();

Q_SIGNALS:
    // The stored state of an image after a write (or a refresh).
    void labelState(qint64 imageId, bool hasLabel, const pc::LabelEvent& current, const QVector<pc::LabelEvent>& history);
    // A new curator label event was written (not a redo).
    void newLabelStored(qint64 imageId, const QString& breed);
    void writeFailed(const QString& message);
    // Images were taken out of the workspace, or put back.
    void removalStored(const QVector<qint64>& imageIds, bool removed);
    void idle();

private:
    void finishJob();
    void enqueue(std::function<void(Workspace&, QString* error, bool* isNew)> job, qint64 imageId, const QString& breed);

    std::shared_ptr<Workspace> m_workspace;
    std::atomic_int m_pending{0};
    WorkQueue m_queue; // one writer: the events keep the order of the key presses. Last: goes first
};

} // namespace pc
