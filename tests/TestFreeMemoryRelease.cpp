// core/model/FreeMemoryRelease: a release after the quiet spell, none left waiting at destruction,
// and its thread at the priority of the thread that made it, whoever asks (a training thread at
// idle priority asks; the trim must not hold an arena's lock at idle priority).
#include "concurrency/ThreadPriority.h"
#include "model/FreeMemoryRelease.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

using namespace pc;
using namespace std::chrono_literals;

namespace {
constexpr int kHangMs = 30000; // a wait this long means the release is stuck

// The id of this process's thread named `name`, or 0.
int threadNamed(const QByteArray& name)
{
    const QStringList tasks = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& tid : tasks) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            return tid.toInt();
    }
    return 0;
}
} // namespace

class TestFreeMemoryRelease : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void releasesOnceAskedAndAgainWhenAskedAgain()
    {
        FreeMemoryRelease release(10ms);
        QCOMPARE(release.releases(), 0);
        release.request();
        release.request();
        QTRY_COMPARE_WITH_TIMEOUT(release.releases(), 1, kHangMs);
        release.request();
        QTRY_COMPARE_WITH_TIMEOUT(release.releases(), 2, kHangMs);
    }

    void destructionDropsAWaitingRelease()
    {
        QElapsedTimer clock;
        clock.start();
        {
            FreeMemoryRelease release(24h);
            release.request();
            QCOMPARE(release.releases(), 0);
        }
        QVERIFY2(clock.elapsed() < kHangMs, "the destructor waited for the quiet spell");
    }

    void releasesAtItsCreatorsPriorityWhoeverAsks()
    {
#ifndef __linux__
        QSKIP("thread priorities are per thread on Linux only");
#else
        if (currentThreadPriority() != ThreadPriority::Normal) // e.g. the whole suite run under nice
            QSKIP("this process started below normal priority, so there is no normal priority to compare with");
        QCOMPARE(threadNamed("free-memory"), 0);
        FreeMemoryRelease release(0ms);
        std::thread asker([&] {
            lowerCurrentThreadPriority(ThreadPriority::Background);
            release.request();
        });
        asker.join();
        QTRY_COMPARE_WITH_TIMEOUT(release.releases(), 1, kHangMs);
        const int tid = threadNamed("free-memory");
        QVERIFY(tid > 0);
        QVERIFY(::sched_getscheduler(tid) != SCHED_IDLE);
#endif
    }
};

QTEST_GUILESS_MAIN(TestFreeMemoryRelease)
#include "TestFreeMemoryRelease.moc"
