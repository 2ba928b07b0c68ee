#pragma once
// One worker thread that runs jobs one at a time, in the order they were posted: the single owner
// of whatever state its jobs touch. call() posts a job and blocks until it has run (inline when
// already on the strand, so a job may call back into its owner without deadlocking).
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>

namespace pc {

class Strand {
public:
    // onStart runs first on the new thread (its name, its priority: a thread sets its own).
    explicit Strand(std::function<void()> onStart = {});
    // Runs every job still queued, then joins: a caller blocked in call() always gets its answer.
    ~Strand();
    Strand(const Strand&) = delete;
    Strand& operator=(const Strand&) = delete;

    void post(std::function<void()> job);
    bool isCurrentThread() const { return std::this_thread::get_id() == m_thread.get_id(); }
    // Blocks until every job posted before this call has run.
    void waitForIdle();

    template <class F>
    auto call(F&& f) -> std::invoke_result_t<F>
    {
        using R = std::invoke_result_t<F>;
        if (isCurrentThread())
            return f();
        std::packaged_task<R()> task(std::forward<F>(f));
        std::future<R> result = task.get_future();
        // packaged_task is move-only; std::function needs a copyable callable.
        auto shared = std::make_shared<std::packaged_task<R()>>(std::move(task));
        post([shared] { (*shared)(); });
        return result.get();
    }

private:
    void run(std::function<void()> onStart);

    std::mutex m_mutex;
    std::condition_variable m_wake, m_idle;
    std::deque<std::function<void()>> m_jobs;
    bool m_running = false; // a job is running now
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace pc
