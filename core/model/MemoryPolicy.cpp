#include "model/MemoryPolicy.h"

#include <QThread>
#include <algorithm>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pc {

int applyMemoryPolicy()
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    // MALLOC_ARENA_MAX in the environment wins: it is how one measures other settings.
    if (qEnvironmentVariableIsSet("MALLOC_ARENA_MAX"))
        return qEnvironmentVariableIntValue("MALLOC_ARENA_MAX");
    const int arenas = std::max(2, QThread::idealThreadCount());
    return mallopt(M_ARENA_MAX, arenas) == 1 ? arenas : 0;
#else
    return 0;
#endif
}

void releaseFreeMemory()
{
#if defined(__GLIBC__)
    (void)malloc_trim(0);
#endif
}

} // namespace pc
