// Compiled with -fopenmp (core/model/CMakeLists.txt): torch's inline at::parallel_for runs serially
// in a translation unit built without it, so it can't reach the team.
#include "model/OpenMpTeam.h"

#include "concurrency/ThreadPriority.h"

#include <omp.h>

namespace pc {

void lowerOpenMpTeamPriority(ThreadPriority priority, int threads)
{
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    lowerCurrentThreadPriority(priority);
}

} // namespace pc
