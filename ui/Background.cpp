#include "Background.h"

#include <algorithm>
#include <cerrno>

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

} // namespace pc
