#pragma once
// OpenBLAS (libtorch's BLAS on Debian) runs matrix products on a thread pool of its own, at normal
// priority, whose threads keep spinning for a while after each call. In the app every product is
// small (a head over one image's embedding) and runs on idle-priority prediction workers, so those
// spinning threads took the CPU the predictions were meant to get (bench-ui, 1,500 new photos:
// 36–43 img/s; 71 img/s with one BLAS thread). The app keeps OpenBLAS to the calling thread.
namespace pc {

// Returns false where libtorch uses another BLAS (nothing to do then).
bool useOneBlasThread();

} // namespace pc
