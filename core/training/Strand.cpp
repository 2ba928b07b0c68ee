#include "training/Strand.h"

namespace pc {

Strand::Strand(std::function<void()> onStart)
{
    m_thread = std::thread([this, onStart = std::move(onStart)] { run(onStart); });
}

Strand::~Strand()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void Strand::post(std::function<void()> job)
{
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void Strand::waitForIdle()
{
    if (isCurrentThread())
        return; // the job asking is the one running: nothing before it is left
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_jobs.empty() && !m_running; });
}

void Strand::run(std::function<void()> onStart)
{
    if (onStart)
        onStart();
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
        if (m_jobs.empty())
            break; // stopping, and nothing left to run
        std::function<void()> job = std::move(m_jobs.front());
        m_jobs.pop_front();
        m_running = true;
        lock.unlock();
        job();
        job = nullptr; // what the job captured goes now, on this thread
        lock.lock();
        m_running = false;
        if (m_jobs.empty())
            m_idle.notify_all();
    }
    m_idle.notify_all();
}

} // namespace pc
