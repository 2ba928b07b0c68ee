#pragma once
// Gives what a burst of work freed back to the system (releaseFreeMemory, MemoryPolicy.h) on a
// thread of its own at normal priority, once `quiet` has passed since the last request.
//
// Why its own thread: malloc_trim holds each arena's lock for its whole walk, and the UI thread
// shares an arena with the workers (MemoryPolicy.h). On a background (SCHED_IDLE) thread the lock
// can wait for a core while the UI thread waits for it in free(); the learning loop trimmed on its
// idle-priority thread after every run. Why later: the gallery re-sorts and repaints at the end of
// a burst of predictions, and a trim then made it wait for the lock even at normal priority (19 ms
// in _int_free, perf sched_switch stacks in bench-ui).
//
// Construct it on a thread at normal priority (its thread inherits it): main() or the UI thread.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace pc {

class FreeMemoryRelease {
public:
    explicit FreeMemoryRelease(std::chrono::milliseconds quiet = std::chrono::milliseconds(1500));
    // A release still waiting is dropped; a running one finishes first.
    ~FreeMemoryRelease();
    FreeMemoryRelease(const FreeMemoryRelease&) = delete;
    FreeMemoryRelease& operator=(const FreeMemoryRelease&) = delete;

    // Any thread: release once `quiet` has passed without another request.
    void request();
    int releases() const; // how many have run (tests)

private:
    void run();

    using Clock = std::chrono::steady_clock;
    const std::chrono::milliseconds m_quiet;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::optional<Clock::time_point> m_due; // of the release asked for; none: nothing asked
    int m_releases = 0;
    bool m_stopping = false;
    std::thread m_thread; // last: it uses everything above
};

} // namespace pc
