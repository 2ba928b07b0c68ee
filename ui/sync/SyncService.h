#pragma once
// The app's background sync with the team server: a worker thread (low priority) that runs
// core/sync's runSync every few minutes and on request, and reports a status for the indicator.
// A newer server model goes to the learning loop's gate (LearningLoop::admitCandidate).
// Owned by the main window; the destructor cancels and joins the thread.
#include <QDateTime>
#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>

namespace pc {

class LearningLoop;
class Workspace;

struct SyncStatus {
    bool configured = false; // a server URL is set
    bool running = false;
    bool online = false;     // the last attempt reached the server
    int queued = 0;          // label events waiting in the outbox
    int refused = 0;
    QDateTime lastSync;      // the last sync that got through (local time)
    QString error;           // why the last sync failed, in words; empty: it did not
    QString summary;         // what the last sync did, in words
};

class SyncWorker;

class SyncService : public QObject {
    Q_OBJECT
public:
    explicit SyncService(std::shared_ptr<Workspace> workspace, QObject* parent = nullptr);
    ~SyncService() override;

    const SyncStatus& status() const { return m_status; }
    // The learning loop, once the network has loaded: from then on server models are fetched and
    // judged by its gate. It must outlive this service.
    void attachLoop(LearningLoop* loop);

public Q_SLOTS:
    void syncNow();
    // After the settings changed: a new interval, and a sync with them.
    void reloadSettings();

Q_SIGNALS:
    void statusChanged(const pc::SyncStatus& status);
    void labelsArrived(); // pulled events or verdicts changed the workspace: views reload

private:
    void take(const SyncStatus& status, bool changedLabels);

    QThread m_thread;
    SyncWorker* m_worker = nullptr; // lives in m_thread
    std::shared_ptr<std::atomic_bool> m_cancel;
    SyncStatus m_status;
};

} // namespace pc

Q_DECLARE_METATYPE(pc::SyncStatus)
