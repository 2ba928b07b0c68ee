// The one work queue of the app (core/concurrency/WorkQueue): order, keys, capacity, cancel,
// waiting for it to drain, destruction with work still queued, and the priority its threads set
// when they start. Jobs block on semaphores where a test needs them to overlap; no test depends
// on timing (the timeouts only turn a hang into a failure).
#include "concurrency/ThreadPriority.h"
#include "concurrency/WorkQueue.h"

#include <QMutex>
#include <QSemaphore>
#include <QTest>
#include <QThread>
#include <atomic>
#include <memory>
#include <thread>

#ifdef __linux__
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

using namespace pc;

namespace {
constexpr int kHangMs = 30000; // a wait this long means the queue is stuck

// Posts a job that blocks until `release` is released, and waits until it runs: everything
// posted afterwards is queued behind it.
void blockQueue(WorkQueue& queue, QSemaphore& release)
{
    QSemaphore started;
    queue.post([&started, &release] {
        started.release();
        release.acquire();
    });
    QVERIFY(started.tryAcquire(1, kHangMs));
}
} // namespace

class TestWorkQueue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oldestFirstRunsInPostOrder()
    {
        WorkQueue queue({.name = QStringLiteral("test-fifo")});
        QSemaphore release;
        blockQueue(queue, release);
        QList<int> ran;
        QMutex mutex;
        for (int i = 0; i < 100; ++i)
            QVERIFY(queue.post([&, i] {
                QMutexLocker lock(&mutex);
                ran << i;
            }));
        QCOMPARE(queue.pending(), 101);
        release.release();
        queue.waitForIdle();
        QList<int> expected;
        for (int i = 0; i < 100; ++i)
            expected << i;
        QCOMPARE(ran, expected);
        QVERIFY(queue.isIdle());
    }

    void newestFirstRunsLatestFirstAndDropsTheOldest()
    {
        WorkQueue queue({.name = QStringLiteral("test-lifo"), .order = WorkQueue::Order::NewestFirst, .capacity = 3});
        QSemaphore release;
        blockQueue(queue, release);
        QStringList ran;
        QMutex mutex;
        auto job = [&](const QString& key) {
            return [&, key] {
                QMutexLocker lock(&mutex);
                ran << key;
            };
        };
        for (const char* key : {"a", "b", "c", "d"})
            QVERIFY(queue.post(job(QString::fromLatin1(key)), QString::fromLatin1(key)));
        // Four posted, room for three: "a" (the one that would run last) was dropped, its key freed.
        QVERIFY(!queue.contains(QStringLiteral("a")));
        QVERIFY(queue.contains(QStringLiteral("b")));
        // "b" again: not queued twice, but to the front.
        QVERIFY(!queue.post(job(QStringLiteral("b")), QStringLiteral("b")));
        release.release();
        queue.waitForIdle();
        QCOMPARE(ran, (QStringList{QStringLiteral("b"), QStringLiteral("d"), QStringLiteral("c")}));
        QVERIFY(!queue.contains(QStringLiteral("b")));
    }

    void aKeyIsQueuedOnceUntilItsJobHasRun()
    {
        WorkQueue queue({.name = QStringLiteral("test-keys")});
        QSemaphore started, release;
        std::atomic_int runs{0};
        auto job = [&] {
            ++runs;
            started.release();
            release.acquire();
        };
        QVERIFY(queue.post(job, QStringLiteral("7")));
        QVERIFY(started.tryAcquire(1, kHangMs));
        QVERIFY(queue.contains(QStringLiteral("7"))); // running counts
        QVERIFY(!queue.post(job, QStringLiteral("7")));
        release.release();
        queue.waitForIdle();
        QCOMPARE(runs.load(), 1);
        QVERIFY(queue.post(job, QStringLiteral("7"))); // done: may come again
        release.release();
        queue.waitForIdle();
        QCOMPARE(runs.load(), 2);
    }

    void cancelDropsQueuedJobsAndLetsTheRunningOneFinish()
    {
        WorkQueue queue({.name = QStringLiteral("test-cancel")});
        QSemaphore started, release;
        std::atomic_bool firstFinished{false};
        std::atomic_int others{0};
        queue.post([&] {
            started.release();
            release.acquire();
            firstFinished = true;
        });
        QVERIFY(started.tryAcquire(1, kHangMs));
        for (int i = 0; i < 10; ++i)
            queue.post([&] { ++others; }, QString::number(i));
        QCOMPARE(queue.cancel(), 10);
        QVERIFY(!queue.contains(QStringLiteral("3")));
        QCOMPARE(queue.pending(), 1);
        release.release();
        queue.waitForIdle();
        QVERIFY(firstFinished);
        QCOMPARE(others.load(), 0);
        // Still usable after a cancel.
        queue.post([&] { ++others; });
        queue.waitForIdle();
        QCOMPARE(others.load(), 1);
    }

    void waitForIdleDrainsEveryWorker()
    {
        WorkQueue queue({.name = QStringLiteral("test-drain"), .workers = 3});
        std::atomic_int done{0};
        for (int i = 0; i < 300; ++i)
            queue.post([&] {
                QThread::yieldCurrentThread();
                ++done;
            });
        queue.waitForIdle();
        QCOMPARE(done.load(), 300);
        QCOMPARE(queue.pending(), 0);
    }

    void workersRunSideBySide()
    {
        // Two jobs that each wait for the other: they finish only if two workers run them at once.
        WorkQueue queue({.name = QStringLiteral("test-parallel"), .workers = 1});
        queue.setWorkers(2);
        QCOMPARE(queue.workers(), 2);
        QSemaphore a, b;
        std::atomic_int met{0};
        queue.post([&] {
            a.release();
            if (b.tryAcquire(1, kHangMs))
                ++met;
        });
        queue.post([&] {
            b.release();
            if (a.tryAcquire(1, kHangMs))
                ++met;
        });
        queue.waitForIdle();
        QCOMPARE(met.load(), 2);
    }

    void moreWorkersPickUpWorkAlreadyQueued()
    {
        WorkQueue queue({.name = QStringLiteral("test-grow"), .workers = 1});
        QSemaphore a, b;
        std::atomic_int met{0};
        queue.post([&] {
            a.release();
            if (b.tryAcquire(1, kHangMs))
                ++met;
        });
        QVERIFY(a.tryAcquire(1, kHangMs)); // the only worker is busy with the first job
        a.release();
        queue.post([&] {
            b.release();
            if (a.tryAcquire(1, kHangMs))
                ++met;
        });
        queue.setWorkers(2); // starts a second thread for the queued job
        queue.waitForIdle();
        QCOMPARE(met.load(), 2);
    }

    void destructionDropsQueuedWorkAndWaitsForTheRunningJob()
    {
        auto ranAfter = std::make_shared<std::atomic_int>(0);
        auto finished = std::make_shared<std::atomic_bool>(false);
        std::weak_ptr<int> capture;
        QSemaphore started, release;
        std::thread releaser;
        {
            WorkQueue queue({.name = QStringLiteral("test-destroy")});
            queue.post([&started, &release, finished] {
                started.release();
                release.acquire();
                *finished = true;
            });
            QVERIFY(started.tryAcquire(1, kHangMs));
            auto owned = std::make_shared<int>(1);
            capture = owned;
            for (int i = 0; i < 50; ++i)
                queue.post([ranAfter, owned] { ++*ranAfter; });
            owned.reset();
            QVERIFY(!capture.expired()); // the queued jobs hold it
            // Let the running job go only once the destructor is (most likely) under way.
            releaser = std::thread([&release] {
                QThread::msleep(50);
                release.release();
            });
        } // ~WorkQueue: drops the 50, waits for the running one
        releaser.join();
        QVERIFY(*finished);
        QCOMPARE(ranAfter->load(), 0);
        QVERIFY(capture.expired()); // the dropped jobs' captures are freed
    }

    void workersSetTheirPriorityWhenTheyStart()
    {
#ifndef __linux__
        QSKIP("thread priorities are per thread on Linux only");
#endif
        if (currentThreadPriority() != ThreadPriority::Normal) // e.g. the whole suite run under nice
            QSKIP("this process started below normal priority, so there is no normal priority to compare with");
        std::atomic_int seenPolicy{-1};
        std::atomic<ThreadPriority> seen{ThreadPriority::Normal}, normalSeen{ThreadPriority::Background};
        {
            WorkQueue queue({.name = QStringLiteral("test-idle"), .priority = ThreadPriority::Background});
            queue.post([&] {
                seen = currentThreadPriority();
                seenPolicy = ::sched_getscheduler(0);
            });
            queue.waitForIdle();
            WorkQueue normal({.name = QStringLiteral("test-normal")});
            normal.post([&] { normalSeen = currentThreadPriority(); });
            normal.waitForIdle();
        }
        QCOMPARE(seen.load(), ThreadPriority::Background);
        QVERIFY(seenPolicy == SCHED_IDLE || seenPolicy == SCHED_OTHER); // SCHED_OTHER: refused, nice 19 instead
        QCOMPARE(normalSeen.load(), ThreadPriority::Normal);
        QCOMPARE(currentThreadPriority(), ThreadPriority::Normal); // the poster keeps its own
        // Lowering never raises, and a thread started by a background thread is background too.
        std::atomic<ThreadPriority> after{ThreadPriority::Normal}, child{ThreadPriority::Normal};
        std::thread t([&] {
            lowerCurrentThreadPriority(ThreadPriority::Background);
            lowerCurrentThreadPriority(ThreadPriority::Normal);
            after = currentThreadPriority();
            std::thread c([&] { child = currentThreadPriority(); });
            c.join();
        });
        t.join();
        QCOMPARE(after.load(), ThreadPriority::Background);
        QCOMPARE(child.load(), ThreadPriority::Background);
    }

    void aNormalQueueStaysNormalWhenABackgroundThreadStartsIt()
    {
#ifndef __linux__
        QSKIP("thread priorities are per thread on Linux only");
#else
        if (currentThreadPriority() != ThreadPriority::Normal) // e.g. the whole suite run under nice
            QSKIP("this process started below normal priority, so there is no normal priority to compare with");
        rlimit nice{};
        if (::geteuid() != 0 && (::getrlimit(RLIMIT_NICE, &nice) != 0 || nice.rlim_cur < 20))
            QSKIP("leaving idle priority needs CAP_SYS_NICE or RLIMIT_NICE ≥ 20 (the thread then inherits it)");
        std::atomic<ThreadPriority> seen{ThreadPriority::Background};
        WorkQueue queue({.name = QStringLiteral("test-start")});
        std::thread background([&] {
            lowerCurrentThreadPriority(ThreadPriority::Background);
            queue.post([&] { seen = currentThreadPriority(); }); // this post starts the queue's thread
        });
        background.join();
        queue.waitForIdle();
        QCOMPARE(seen.load(), ThreadPriority::Normal);
#endif
    }
};

QTEST_GUILESS_MAIN(TestWorkQueue)
#include "TestWorkQueue.moc"
