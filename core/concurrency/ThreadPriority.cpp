#include "concurrency/ThreadPriority.h"

#include <algorithm>
#include <cerrno>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pc {

int currentThreadNice()
{
#ifdef __linux__
    // On Linux, PRIO_PROCESS with a thread id addresses that one thread.
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    return errno == 0 ? nice : 0;
#else
    return 0;
#endif
}

void lowerCurrentThreadNice(int nice)
{
#ifdef __linux__
    nice = std::clamp(nice, 0, 19);
    if (currentThreadNice() < nice)
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), nice); // best effort
#else
    (void)nice;
#endif
}

void lowerCurrentThreadPriority(ThreadPriority priority)
{
    lowerCurrentThreadNice(static_cast<int>(priority));
}

} // namespace pc
