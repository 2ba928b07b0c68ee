#include "concurrency/WorkQueue.h"

#include <QThread>
#include <exception>

namespace pc {

namespace {
thread_local const WorkQueue* t_queue = nullptr; // the queue whose worker this thread is
}

WorkQueue::WorkQueue(Options options) : m_options(std::move(options))
{
    m_options.workers = std::max(1, m_options.workers);
}

WorkQueue::~WorkQueue()
{
    Q_ASSERT(t_queue != this);
    std::deque<Entry> dropped;
    {
        std::unique_lock lock(m_mutex);
        m_stopping = true;
        dropped.swap(m_queue);
        m_wake.notify_all();
    }
    dropped.clear(); // the jobs' captures go outside the lock
    for (QThread* t : m_threads) {
        t->wait();
        delete t;
    }
    // QThread::wait() joins inside QtCore, where ThreadSanitizer cannot see it; each worker's last
    // step was to release m_mutex, so taking it once orders all of their work before the members go.
    std::lock_guard joined(m_mutex);
}

bool WorkQueue::post(Job job, const QString& key)
{
    Entry dropped;
    bool queued = true;
    {
        std::unique_lock lock(m_mutex);
        if (m_stopping)
            return false;
        if (!key.isEmpty() && m_keys.contains(key)) {
            if (m_options.order == Order::NewestFirst) {
                // On screen again: to the front (the back of the deque runs first).
                auto it = std::find_if(m_queue.begin(), m_queue.end(), [&](const Entry& e) { return e.key == key; });
                if (it != m_queue.end() && std::next(it) != m_queue.end()) {
                    Entry e = std::move(*it);
                    m_queue.erase(it);
                    m_queue.push_back(std::move(e));
                }
            }
            return false;
        }
        if (!key.isEmpty())
            m_keys.insert(key);
        m_queue.push_back(Entry{std::move(job), key});
        if (m_options.capacity > 0 && int(m_queue.size()) > m_options.capacity) {
            const bool newestFirst = m_options.order == Order::NewestFirst;
            dropped = std::move(newestFirst ? m_queue.front() : m_queue.back());
            newestFirst ? m_queue.pop_front() : m_queue.pop_back();
            if (!dropped.key.isEmpty())
                m_keys.remove(dropped.key);
            queued = newestFirst; // else the job just posted was the one to drop
        }
        startThreadsLocked();
        m_wake.notify_all(); // a few threads at most; a worker above the count must not take the wake-up
    }
    return queued;
}

void WorkQueue::startThreadsLocked()
{
    // One more thread when every running one is busy, up to the worker count.
    if (m_waiting > 0 || int(m_threads.size()) >= m_options.workers || int(m_threads.size()) - m_waiting >= int(m_queue.size()) + m_running)
        return;
    const int index = int(m_threads.size());
    QThread* thread = QThread::create([this, index] { work(index); });
    thread->setObjectName(m_options.name);
    m_threads.push_back(thread);
    // A normal queue's thread must not inherit idle priority from a background thread posting to
    // it (best effort: without the right to, the thread inherits); a background one lowers itself.
    thread->start(m_options.priority == ThreadPriority::Normal ? QThread::NormalPriority : QThread::InheritPriority);
}

void WorkQueue::work(int index)
{
    t_queue = this;
    lowerCurrentThreadPriority(m_options.priority);
    std::unique_lock lock(m_mutex);
    for (;;) {
        while (!m_stopping && (m_queue.empty() || index >= m_options.workers)) {
            ++m_waiting;
            m_wake.wait(lock);
            --m_waiting;
        }
        if (m_stopping)
            return;
        Entry e;
        if (m_options.order == Order::NewestFirst) {
            e = std::move(m_queue.back());
            m_queue.pop_back();
        } else {
            e = std::move(m_queue.front());
            m_queue.pop_front();
        }
        ++m_running;
        lock.unlock();
        try {
            e.job();
        } catch (const std::exception& ex) {
            qWarning("%s: a job failed: %s", qPrintable(m_options.name), ex.what());
        } catch (...) {
            qWarning("%s: a job failed", qPrintable(m_options.name));
        }
        e.job = nullptr; // its captures go before the lock is taken again
        lock.lock();
        --m_running;
        if (!e.key.isEmpty())
            m_keys.remove(e.key);
        if (m_running == 0 && m_queue.empty())
            m_idle.notify_all();
    }
}

bool WorkQueue::contains(const QString& key) const
{
    std::unique_lock lock(m_mutex);
    return m_keys.contains(key);
}

int WorkQueue::cancel()
{
    std::deque<Entry> dropped;
    {
        std::unique_lock lock(m_mutex);
        dropped.swap(m_queue);
        for (const Entry& e : dropped)
            if (!e.key.isEmpty())
                m_keys.remove(e.key);
        if (m_running == 0)
            m_idle.notify_all();
    }
    return int(dropped.size());
}

void WorkQueue::waitForIdle()
{
    Q_ASSERT_X(t_queue != this, "WorkQueue::waitForIdle", "called from one of the queue's own jobs");
    std::unique_lock lock(m_mutex);
    while (m_running > 0 || !m_queue.empty())
        m_idle.wait(lock);
}

int WorkQueue::pending() const
{
    std::unique_lock lock(m_mutex);
    return int(m_queue.size()) + m_running;
}

void WorkQueue::setWorkers(int workers)
{
    std::unique_lock lock(m_mutex);
    m_options.workers = std::max(1, workers);
    if (!m_stopping) {
        // One more thread per round while that is still wanted (a waiting thread ends it: it takes the work).
        size_t before = 0;
        do {
            before = m_threads.size();
            startThreadsLocked();
        } while (m_threads.size() != before);
    }
    m_wake.notify_all();
}

int WorkQueue::workers() const
{
    std::unique_lock lock(m_mutex);
    return m_options.workers;
}

} // namespace pc
