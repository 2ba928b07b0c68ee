#include "server/InferencePool.h"

#include "model/Backbone.h"

#include <QThread>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pc::server {

namespace {

// Once per worker thread, on the thread itself: one torch thread, and a nice value 2 above the
// process's so the thread that accepts connections and answers 503 stays responsive under load.
void prepareWorkerThread()
{
    thread_local bool prepared = false;
    if (prepared)
        return;
    prepared = true;
    Backbone::useOneThreadHere();
    const pid_t tid = pid_t(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, id_t(tid));
    if (errno == 0)
        (void)::setpriority(PRIO_PROCESS, id_t(tid), std::min(19, current + 2));
}

} // namespace

InferencePool::InferencePool(int workers, int queue)
{
    m_workers = workers > 0 ? workers : std::max(1, QThread::idealThreadCount());
    m_capacity = m_workers + (queue > 0 ? queue : 16 * m_workers);
    m_pool.setMaxThreadCount(m_workers);
    m_pool.setExpiryTimeout(-1); // each worker's thread settings last for the server's life
    m_pool.setObjectName(QStringLiteral("pc-inference"));
}

InferencePool::~InferencePool() { m_pool.waitForDone(); }

bool InferencePool::tryStart(std::function<void()> job)
{
    int now = m_pending.load();
    do {
        if (now >= m_capacity)
            return false;
    } while (!m_pending.compare_exchange_weak(now, now + 1));
    m_pool.start([this, job = std::move(job)] {
        struct Done {
            std::atomic<int>& pending;
            ~Done() { --pending; } // also when the job throws
        } done{m_pending};
        prepareWorkerThread();
        job();
    });
    return true;
}

} // namespace pc::server
