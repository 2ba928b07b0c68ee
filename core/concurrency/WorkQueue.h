#pragma once
// One small work queue for the background work of the app: jobs run in order on a few threads of
// the queue's own, which set their priority when they start. Replaces the hand-made queues (each
// with its own mutex, deque and flags) of the prediction service, the thumbnail loader, the import
// controller and the label writer.
//
//   WorkQueue queue({.name = "thumbnails", .workers = 2, .order = WorkQueue::Order::NewestFirst,
//                    .capacity = 256});
//   queue.post([=] { … }, sha256);   // a key: posted once until it has run
//
// Results go back to the UI thread the Qt way (QMetaObject::invokeMethod on an object that owns
// the queue): the destructor drops the queued jobs and waits for the running ones, so an owner that
// declares its queue last (destroyed first) is alive whenever a job posts to it.
#include "concurrency/ThreadPriority.h"

#include <QSet>
#include <QString>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

class QThread;

namespace pc {

class WorkQueue {
public:
    using Job = std::function<void()>;
    enum class Order {
        OldestFirst, // first posted, first run: writes that must keep their order, imports, predictions
        NewestFirst, // last posted, first run: what is on screen now (thumbnails)
    };
    struct Options {
        QString name = QStringLiteral("work-queue"); // the threads' name (top -H, debuggers)
        int workers = 1;
        ThreadPriority priority = ThreadPriority::Normal; // each worker sets it when it starts
        Order order = Order::OldestFirst;
        int capacity = 0; // > 0: when more are queued, the job that would run last is dropped
    };

    explicit WorkQueue(Options options);
    // Drops the queued jobs, then waits for the running ones.
    ~WorkQueue();
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Queues a job. With a key, a job is not queued twice: while one of the same key is queued or
    // running, post() returns false (in a NewestFirst queue the queued one moves to the front).
    // Returns whether the job is queued now.
    bool post(Job job, const QString& key = {});
    bool contains(const QString& key) const; // queued or running
    // Drops every queued job (running ones finish); returns how many were dropped.
    int cancel();
    // Blocks until nothing is queued or running. Never call it from one of this queue's jobs.
    void waitForIdle();
    int pending() const; // queued + running
    bool isIdle() const { return pending() == 0; }
    // More workers start at the next post; fewer: the others wait until the count rises again.
    void setWorkers(int workers);
    int workers() const;

private:
    struct Entry {
        Job job;
        QString key;
    };
    void work(int index);
    void startThreadsLocked();

    Options m_options;
    // std:: rather than QMutex/QWaitCondition: QWaitCondition::wait releases and retakes the mutex
    // inside QtCore, which ThreadSanitizer cannot see unless Qt itself is instrumented; pthread's
    // hand-offs it sees, so a TSan run checks this queue's locking instead of reporting noise.
    mutable std::mutex m_mutex;
    std::condition_variable m_wake; // a job was posted, the worker count changed, or the queue is stopping
    std::condition_variable m_idle; // nothing queued or running
    std::deque<Entry> m_queue;
    QSet<QString> m_keys;  // of queued and running jobs
    std::vector<QThread*> m_threads;
    int m_running = 0;     // jobs being run
    int m_waiting = 0;     // threads waiting for a job
    bool m_stopping = false;
};

} // namespace pc
