#pragma once
// SyncService's half on its worker thread: timers, settings and token reads, runSync, the gate.
// Everything here runs on that thread (SQL, keychain, network).
#include "SyncService.h"

#include <QTimer>

namespace pc {

class SyncWorker : public QObject {
    Q_OBJECT
public:
    SyncWorker(std::shared_ptr<Workspace> workspace, std::shared_ptr<std::atomic_bool> cancel)
        : m_workspace(std::move(workspace)), m_cancel(std::move(cancel))
    {
    }
    void attachLoop(LearningLoop* loop) { m_loop = loop; }

public Q_SLOTS:
    void begin();        // first slot on the thread: priority, timers, a first sync
    void syncNow();
    void reloadSettings();
    void refreshStatus(); // the outbox count between syncs (a label was just added)
    void end();

private:
    void syncOnce();

Q_SIGNALS:
    void status(const pc::SyncStatus& status, bool changedLabels);

private:
    SyncStatus m_last;
    // The network waits in local event loops, where timers and queued calls are delivered too:
    // a sync requested during a sync runs once after it instead of inside it.
    bool m_syncing = false;
    bool m_again = false;
    std::shared_ptr<Workspace> m_workspace;
    std::atomic<LearningLoop*> m_loop{nullptr}; // set from the UI thread once, read here
    std::shared_ptr<std::atomic_bool> m_cancel;
    QTimer* m_syncTimer = nullptr;
    QTimer* m_refreshTimer = nullptr;
};

} // namespace pc
