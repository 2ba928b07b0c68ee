#pragma once
// The augmented views of the embedding cache, filled on a thread of their own (at its starter's
// priority: background in the app) while the first model, trained on centre views, already serves. The learning loop
// starts it after a centre-views-first training and trains again when it reports the views ready.
//
// It fills until every stored image has all 1 + K views (images imported meanwhile included), or
// until cancelled; what it stored stays (one transaction per image). It only adds views, never
// takes any away, so the loop may fill the cache itself at the same time: a centre view stored then
// never replaces the full entry written here (EmbeddingStore::putIfAbsent).
#include "Expected.h"
#include "training/EmbeddingCache.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace pc {

class Backbone;
class Workspace;
enum class ThreadPriority; // concurrency/ThreadPriority.h

class BackgroundViews {
public:
    // Runs on the fill's thread once it ends, cancelled or not, before wait() returns.
    using Finished = std::function<void(const Expected<EmbeddingCacheReport>&)>;
    using Progress = std::function<void(int done, int total)>; // on the fill's threads, per image

    BackgroundViews(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone);
    ~BackgroundViews(); // close()

    // Starts a fill of K augmented views per image, unless one with the same K is running (its
    // `finished` stands for both; false then). A fill with another K is cancelled first.
    bool start(int augmentedViews, Finished finished, Progress progress = {});
    bool isRunning() const;
    // Asks the running fill to stop after its current batch.
    void cancel();
    // Blocks until no fill is running; true when one was.
    bool wait();
    // Cancels, joins, and refuses every later start (the owner is going).
    void close();

private:
    void run(int augmentedViews, ThreadPriority priority, const Finished& finished, const Progress& progress);
    void joinFinished(std::unique_lock<std::mutex>& lock);

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    mutable std::mutex m_mutex;
    std::condition_variable m_ended;
    std::thread m_thread;
    std::atomic_bool m_cancel{false};
    bool m_running = false;
    bool m_closed = false;
    int m_views = 0; // K of the running fill
};

} // namespace pc
