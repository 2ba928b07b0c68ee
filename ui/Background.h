#pragma once
// Small helpers for running work off the UI thread and bringing results back to it.
#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <type_traits>
#include <utility>

namespace pc {

// Runs work() on `pool`, then then(result) on `context`'s thread. If `context` is destroyed first,
// `then` is never called (the watcher is its child); the work itself still runs to the end, so it
// must own (or share) everything it touches.
template <class Work, class Then>
void runInBackground(QThreadPool* pool, QObject* context, Work work, Then then)
{
    using R = std::invoke_result_t<Work>;
    auto* watcher = new QFutureWatcher<R>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context,
                     [watcher, then = std::move(then)]() mutable {
                         if constexpr (std::is_void_v<R>)
                             then();
                         else
                             then(watcher->result());
                         watcher->deleteLater();
                     });
    watcher->setFuture(QtConcurrent::run(pool, std::move(work)));
}

// Background threads on a 2-core machine compete with the UI thread for the CPU: give the calling
// thread a lower scheduling priority (Linux: per-thread nice value). Idempotent per thread.
void lowerCurrentThreadPriority(int niceIncrement = 5);

// Keeps the UI thread responsive while the process computes on every core. Qt 6's raster engine
// splits large fills into segments run on QThreadPool::globalInstance() and the UI thread waits
// for them, so a paint can take one scheduling delay per segment when worker threads keep the
// cores busy (measured: 30 such waits, 50–100 ms, in one paint during embedding). The guard pins
// the global pool's threads and, once a second, lowers the priority (nice) of every other thread
// of the process except the UI thread, the global pool and Qt's platform threads — the training,
// embedding, import and prediction workers of core/ and ui/ alike, including threads they start
// later. Linux only; a no-op elsewhere.
class UiPriorityGuard : public QObject {
public:
    explicit UiPriorityGuard(int backgroundNice = 5, QObject* parent = nullptr);
    // One pass now (the timer does it every second).
    int lowerBackgroundThreads();

private:
    void timerEvent(QTimerEvent* event) override;
    QList<qint64> m_protected; // thread ids that keep their priority
    int m_nice;
};

} // namespace pc
