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

} // namespace pc
