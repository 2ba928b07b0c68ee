#pragma once
// The threads that run predictions: one per core, each with a single torch thread (workers, not
// torch's intra-op threads, use the cores), separate from the pool that does database and disk
// work so a burst of predictions never starves label posts. The queue is bounded: tryStart()
// refuses work past it, and the caller answers 503 with Retry-After instead of growing memory.
#include <QThreadPool>
#include <atomic>
#include <functional>

namespace pc::server {

class InferencePool {
public:
    // workers 0: one per core. queue: how many may wait beyond the ones running.
    explicit InferencePool(int workers = 0, int queue = 0);
    ~InferencePool();

    // False when `workers + queue` jobs are already waiting or running.
    bool tryStart(std::function<void()> job);
    int workers() const { return m_workers; }
    int capacity() const { return m_capacity; }
    int pending() const { return m_pending.load(); }
    void waitForDone() { m_pool.waitForDone(); }

private:
    QThreadPool m_pool;
    int m_workers = 1;
    int m_capacity = 1;
    std::atomic<int> m_pending{0};
};

} // namespace pc::server
