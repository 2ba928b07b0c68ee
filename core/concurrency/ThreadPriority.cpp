#include "concurrency/ThreadPriority.h"

#include <cerrno>

#ifdef __linux__
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pc {

#ifdef __linux__
namespace {
constexpr int kLowestNice = 19;

// On Linux, scheduling calls with a thread id (0: the caller) address that one thread.
int currentNice()
{
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    return errno == 0 ? nice : 0;
}
} // namespace
#endif

ThreadPriority currentThreadPriority()
{
#ifdef __linux__
    if (::sched_getscheduler(0) == SCHED_IDLE || currentNice() >= kLowestNice)
        return ThreadPriority::Background;
#endif
    return ThreadPriority::Normal;
}

void lowerCurrentThreadPriority(ThreadPriority priority)
{
#ifdef __linux__
    if (priority != ThreadPriority::Background || currentThreadPriority() == ThreadPriority::Background)
        return;
    const sched_param param{};
    if (::sched_setscheduler(0, SCHED_IDLE, &param) != 0) // best effort: a sandbox may refuse it
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kLowestNice);
#else
    (void)priority;
#endif
}

} // namespace pc
