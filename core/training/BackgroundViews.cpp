#include "training/BackgroundViews.h"

#include "concurrency/ThreadPriority.h"
#include "model/Backbone.h"
#include "workspace/Workspace.h"

#ifdef __linux__
#include <pthread.h>
#endif

namespace pc {

BackgroundViews::BackgroundViews(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone)
    : m_workspace(std::move(workspace)), m_backbone(std::move(backbone))
{
}

BackgroundViews::~BackgroundViews()
{
    close();
}

bool BackgroundViews::start(int augmentedViews, Finished finished, Progress progress)
{
    std::unique_lock lock(m_mutex);
    if (m_closed)
        return false;
    if (m_running && m_views == augmentedViews)
        return false;
    if (m_running)
        m_cancel = true;
    joinFinished(lock);
    m_cancel = false;
    m_running = true;
    m_views = augmentedViews;
    // At the starter's priority or lower: the learning loop's, which is background in the app.
    const ThreadPriority priority = currentThreadPriority();
    m_thread = std::thread([this, augmentedViews, priority, finished = std::move(finished), progress = std::move(progress)] {
        run(augmentedViews, priority, finished, progress);
    });
    return true;
}

// Waits for the fill to end, then joins its thread (which has nothing left to do by then).
void BackgroundViews::joinFinished(std::unique_lock<std::mutex>& lock)
{
    m_ended.wait(lock, [this] { return !m_running; });
    if (m_thread.joinable())
        m_thread.join();
}

bool BackgroundViews::isRunning() const
{
    std::lock_guard lock(m_mutex);
    return m_running;
}

void BackgroundViews::cancel()
{
    m_cancel = true;
}

bool BackgroundViews::wait()
{
    std::unique_lock lock(m_mutex);
    const bool was = m_running;
    m_ended.wait(lock, [this] { return !m_running; });
    return was;
}

void BackgroundViews::close()
{
    std::unique_lock lock(m_mutex);
    m_closed = true;
    m_cancel = true;
    joinFinished(lock);
}

void BackgroundViews::run(int augmentedViews, ThreadPriority priority, const Finished& finished, const Progress& progress)
{
#ifdef __linux__
    pthread_setname_np(pthread_self(), "learning-views");
#endif
    // The embedding workers start at this thread's priority. In the app that is background: the
    // curator has a model already, these views only make the next one better, so they take the CPU
    // nothing else wants. In the CLI the loop keeps the process's priority (someone waits for it).
    if (priority == ThreadPriority::Background)
        Backbone::lowerThreadPriorityHere(priority);
    EmbeddingCacheOptions options;
    options.augmentedViews = augmentedViews;
    options.cancel = &m_cancel;
    options.progress = progress;
    // Until a pass finds nothing left to do: images imported during a pass are filled by the next.
    EmbeddingCacheReport total;
    Expected<EmbeddingCacheReport> result = total;
    for (;;) {
        auto pass = updateEmbeddingCache(*m_workspace, *m_backbone, options);
        if (!pass) {
            result = pass.error();
            break;
        }
        total.computed += pass->computed;
        total.views += pass->views;
        total.seconds += pass->seconds;
        total.failed = pass->failed; // the last pass's: the same images fail every time
        total.failures = pass->failures;
        total.cancelled = pass->cancelled;
        total.alreadyCached = pass->alreadyCached;
        result = total;
        if (pass->cancelled || pass->computed == 0)
            break;
    }
    if (finished)
        finished(result);
    {
        std::lock_guard lock(m_mutex);
        m_running = false;
    }
    m_ended.notify_all();
}

} // namespace pc
