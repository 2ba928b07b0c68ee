#include "model/BlasThreads.h"

#include <dlfcn.h>

namespace pc {

bool useOneBlasThread()
{
    // Looked up at run time: OpenBLAS is libtorch's dependency, not ours, and may be absent.
    using SetThreads = void (*)(int);
    auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!set)
        return false;
    set(1);
    return true;
}

} // namespace pc
