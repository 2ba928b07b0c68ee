#include "SyncService.h"

#include "SyncWorker.h"

#include "sync/ClientSettings.h"
#include "sync/SyncSession.h"
#include "sync/TokenStore.h"
#include "training/LearningLoop.h"
#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QFile>

namespace pc {

SyncService::SyncService(std::shared_ptr<Workspace> workspace, QObject* parent)
    : QObject(parent)
    , m_cancel(std::make_shared<std::atomic_bool>(false))
{
    qRegisterMetaType<pc::SyncStatus>();
    m_thread.setObjectName(QStringLiteral("team-sync"));
    m_worker = new SyncWorker(std::move(workspace), m_cancel);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::started, m_worker, &SyncWorker::begin);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &SyncWorker::status, this, &SyncService::take);
    m_thread.start();
}

SyncService::~SyncService()
{
    // Cancel, join, then let the worker go (it is deleted on its own thread as it finishes).
    *m_cancel = true;
    QMetaObject::invokeMethod(m_worker, &SyncWorker::end, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void SyncService::attachLoop(LearningLoop* loop)
{
    m_worker->attachLoop(loop);
    syncNow(); // a server model may be waiting for the gate
}

void SyncService::syncNow() { QMetaObject::invokeMethod(m_worker, &SyncWorker::syncNow, Qt::QueuedConnection); }

void SyncService::reloadSettings() { QMetaObject::invokeMethod(m_worker, &SyncWorker::reloadSettings, Qt::QueuedConnection); }

void SyncService::take(const SyncStatus& status, bool changedLabels)
{
    m_status = status;
    Q_EMIT statusChanged(m_status);
    if (changedLabels)
        Q_EMIT labelsArrived();
}

// ---------------------------------------------------------------------------------------------

void SyncWorker::begin()
{
    QThread::currentThread()->setPriority(QThread::LowPriority); // never competes with the UI
    m_syncTimer = new QTimer(this);
    connect(m_syncTimer, &QTimer::timeout, this, &SyncWorker::syncNow);
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(5000);
    connect(m_refreshTimer, &QTimer::timeout, this, &SyncWorker::refreshStatus);
    m_refreshTimer->start();
    reloadSettings();
}

void SyncWorker::end()
{
    if (m_syncTimer)
        m_syncTimer->stop();
    if (m_refreshTimer)
        m_refreshTimer->stop();
}

void SyncWorker::reloadSettings()
{
    const sync::ClientSettings settings = sync::ClientSettings::load();
    m_syncTimer->setInterval(settings.intervalSeconds * 1000);
    if (settings.effectiveUrl().isEmpty())
        m_syncTimer->stop();
    else
        m_syncTimer->start();
    syncNow();
}

void SyncWorker::refreshStatus()
{
    SyncStatus s = m_last;
    s.configured = !sync::ClientSettings::load().effectiveUrl().isEmpty();
    if (auto state = SyncLedger(m_workspace).outboxState()) {
        s.queued = state->queued;
        s.refused = state->refused;
    }
    m_last = s;
    Q_EMIT status(s, false);
}

void SyncWorker::syncNow()
{
    if (m_cancel->load())
        return;
    if (m_syncing) {
        m_again = true;
        return;
    }
    m_syncing = true;
    do {
        m_again = false;
        syncOnce();
    } while (m_again && !m_cancel->load());
    m_syncing = false;
}

void SyncWorker::syncOnce()
{
    sync::ClientSettings settings = sync::ClientSettings::load();
    SyncStatus s = m_last;
    s.configured = !settings.effectiveUrl().isEmpty();
    if (!s.configured) {
        m_last = s;
        refreshStatus();
        return;
    }
    s.running = true;
    Q_EMIT status(s, false);

    sync::SyncOptions options;
    options.serverUrl = settings.effectiveUrl();
    const QString fromEnv = qEnvironmentVariable("PETCURATOR_TOKEN").trimmed();
    if (!fromEnv.isEmpty()) {
        options.token = fromEnv;
    } else if (auto stored = sync::TokenStore::read()) {
        options.token = stored->token;
    }
    // The gate runs on the learning loop; while it trains, the model waits for the next sync.
    // Before the network has loaded there is no gate: no model is fetched.
    LearningLoop* loop = m_loop.load();
    if (loop)
        options.admit = [loop, trust = settings.trustServerModels](const sync::FetchedModel& m) -> Expected<QString> {
        if (loop->isBusy())
            return Error{QStringLiteral("training is running; the model will be judged at the next sync")};
        auto outcome = loop->admitCandidate(m.path, QStringLiteral("server model %1").arg(m.serverVersion), trust);
        QFile::remove(m.path);
        if (!outcome)
            return outcome.error();
        return QStringLiteral("%1 as %2 (%3)").arg(outcome->activated ? QStringLiteral("activated") : QStringLiteral("kept as a candidate"),
                                                  outcome->version, outcome->verdict);
    };
    const sync::SyncReport report = sync::runSync(m_workspace, settings, options, m_cancel.get());
    s.running = false;
    s.online = report.reachedServer;
    s.queued = report.queued;
    s.error = !report.error.isEmpty() ? report.error : report.modelError;
    s.summary = report.summary();
    if (report.error.isEmpty())
        s.lastSync = report.finished.toLocalTime();
    m_last = s;
    Q_EMIT status(s, report.pulled > 0 || report.verdicts > 0);
}

} // namespace pc
