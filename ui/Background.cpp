#include "Background.h"

#include <algorithm>
#include <cerrno>

#include <QDir>
#include <QFile>
#include <QMutex>
#include <QSemaphore>
#include <QTimerEvent>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pc {

void lowerCurrentThreadPriority(int niceIncrement)
{
#ifdef __linux__
    thread_local bool done = false;
    if (done)
        return;
    done = true;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + niceIncrement));
#else
    (void)niceIncrement;
#endif
}


UiPriorityGuard::UiPriorityGuard(int backgroundNice, QObject* parent) : QObject(parent), m_nice(backgroundNice)
{
#ifdef __linux__
    m_protected << qint64(::syscall(SYS_gettid)); // the UI thread (we are constructed on it)
    // Start every thread of the global pool (the raster engine's helpers) and remember them.
    QThreadPool* global = QThreadPool::globalInstance();
    global->setExpiryTimeout(-1);
    const int n = std::max(1, global->maxThreadCount());
    QSemaphore started, release;
    QMutex mutex;
    QList<qint64> tids;
    for (int i = 0; i < n; ++i)
        global->start([&] {
            {
                QMutexLocker lock(&mutex);
                tids << qint64(::syscall(SYS_gettid));
            }
            started.release();
            release.acquire(); // hold the thread so the next task gets another one
        });
    started.acquire(n);
    release.release(n);
    global->waitForDone(1000);
    m_protected += tids;
    lowerBackgroundThreads();
    startTimer(1000);
#endif
}

int UiPriorityGuard::lowerBackgroundThreads()
{
    int changed = 0;
#ifdef __linux__
    static const char* const keep[] = {"QXcb", "QDBus", "gmain", "gdbus", "dconf", "QWayland", "thumbnails", "ui-io", "label-writer", "predictions", "prediction-refr"};
    const QStringList tasks = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& t : tasks) {
        bool ok = false;
        const qint64 tid = t.toLongLong(&ok);
        if (!ok || m_protected.contains(tid))
            continue;
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(t));
        if (!comm.open(QIODevice::ReadOnly))
            continue;
        const QByteArray name = comm.readAll().trimmed();
        if (std::any_of(std::begin(keep), std::end(keep), [&](const char* k) { return name.startsWith(k); }))
            continue;
        errno = 0;
        const int current = ::getpriority(PRIO_PROCESS, id_t(tid));
        if (errno != 0 || current >= m_nice)
            continue;
        if (::setpriority(PRIO_PROCESS, id_t(tid), m_nice) == 0)
            ++changed;
    }
#endif
    return changed;
}

void UiPriorityGuard::timerEvent(QTimerEvent*)
{
    lowerBackgroundThreads();
}

} // namespace pc
