#include "model/FreeMemoryRelease.h"

#include "model/MemoryPolicy.h"

#ifdef __linux__
#include <pthread.h>
#endif

namespace pc {

FreeMemoryRelease::FreeMemoryRelease(std::chrono::milliseconds quiet) : m_quiet(quiet), m_thread([this] { run(); }) {}

FreeMemoryRelease::~FreeMemoryRelease()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void FreeMemoryRelease::request()
{
    {
        std::lock_guard lock(m_mutex);
        m_due = Clock::now() + m_quiet;
    }
    m_changed.notify_all();
}

int FreeMemoryRelease::releases() const
{
    std::lock_guard lock(m_mutex);
    return m_releases;
}

void FreeMemoryRelease::run()
{
#ifdef __linux__
    pthread_setname_np(pthread_self(), "free-memory");
#endif
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [this] { return m_stopping || m_due.has_value(); });
        if (m_stopping)
            return;
        if (Clock::now() < *m_due) { // a later request moves the release on
            m_changed.wait_until(lock, *m_due);
            continue;
        }
        m_due.reset();
        lock.unlock();
        releaseFreeMemory();
        lock.lock();
        ++m_releases;
    }
}

} // namespace pc
