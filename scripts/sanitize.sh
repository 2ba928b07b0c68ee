#!/usr/bin/env bash
# Build the project with sanitizers in its own build folder and run the tests under them.
#
#   scripts/sanitize.sh [address,undefined|thread] [ctest -R regex]
#
#   address,undefined (default)  ASan + LSan + UBSan in build-asan/
#   thread                       TSan in build-tsan/
#
# Any report fails the test: ASan and TSan halt on the first error, UBSan is built with
# -fno-sanitize-recover. Suppressions for libraries we do not own live in tests/sanitizers/, one
# commented entry each. Environment: PETCURATOR_JOBS (build jobs), PC_SANITIZE_BUILD_TYPE
# (default RelWithDebInfo at -O1: line numbers in the stacks, tolerable speed),
# PC_SANITIZE_TIMEOUT_FACTOR (every test's TIMEOUT times this; default 4 for ASan, 10 for TSan),
# PC_SANITIZE_TEST_JOBS (parallel tests, default 1).
# Exit status: ctest's.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

sanitizers=${1:-address,undefined}
regex=${2:-}
case $sanitizers in
  address,undefined | undefined,address | address) build=$PC_ROOT/build-asan ;;
  thread) build=$PC_ROOT/build-tsan ;;
  *) pc_die "unknown sanitizer set '$sanitizers': use 'address,undefined' or 'thread'" ;;
esac
supp=$PC_ROOT/tests/sanitizers

cd "$PC_ROOT"
pc_install_deps
pc_fetch_weights

pc_log "configuring $build (-DPC_SANITIZE=$sanitizers)"
cmake -S "$PC_ROOT" -B "$build" -G Ninja -DPC_SANITIZE="$sanitizers" \
  -DCMAKE_BUILD_TYPE="${PC_SANITIZE_BUILD_TYPE:-RelWithDebInfo}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  ${PC_SANITIZE_TIMEOUT_FACTOR:+-DPC_TEST_TIMEOUT_FACTOR="$PC_SANITIZE_TIMEOUT_FACTOR"} >/dev/null
# With a regex, build only the matching tests (and what they depend on): a TSan run of a few tests
# need not instrument all of the app. The *Postgres tests run the executable of the same name.
targets=()
if [[ -n $regex ]]; then
  mapfile -t targets < <(ctest --test-dir "$build" -N -R "$regex" 2>/dev/null \
    | sed -n 's/^ *Test *#[0-9]*: //p' | sed 's/Postgres$//' | sort -u)
  ((${#targets[@]} > 0)) || pc_die "no test matches '$regex'"
fi
pc_log "building $build ($(pc_jobs) jobs)${targets:+: ${targets[*]}}"
cmake --build "$build" -j"$(pc_jobs)" ${targets:+--target "${targets[@]}"}

# Common to all: stacks on every report, symbolized, and a non-zero exit that ctest sees.
common="print_stacktrace=1:symbolize=1:halt_on_error=1:abort_on_error=0"
if [[ $sanitizers == thread ]]; then
  # libgomp and libtorch are not instrumented; see tsan.supp for what that costs. second_deadlock_stack
  # gives both stacks of a lock-order report.
  # Every report of a test, not just the first (exitcode still fails the test). Debian's Qt is not
  # instrumented: hand-offs through QFuture/QThreadPool/QWaitCondition (futexes inside QtCore) are
  # invisible to TSan and show up as races; read each report's stacks before believing it.
  # ignore_noninstrumented_modules: an intercepted call (free, memcpy, pthread_cond_wait…) made from
  # inside a library we don't build (Qt, libtorch, libgomp) is not an access TSan can order, as that
  # library's own synchronisation is invisible to it: QtTest's watchdog thread, joined by QtCore's
  # futex at the end of every test, was reported in every binary. Our code's accesses still count.
  export TSAN_OPTIONS="print_stacktrace=1:symbolize=1:halt_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1:suppressions=$supp/tsan.supp"
  # TSan cannot see libgomp's barriers (libgomp is not instrumented): torch's intra-op OpenMP pool
  # would only produce noise. One OpenMP thread in TSan runs: torch's default thread count comes from
  # OMP_NUM_THREADS, and the tests leave it at the default. Our own threads are what we test.
  export OMP_NUM_THREADS=1
else
  # detect_leaks: LSan runs at exit; one-time allocations of libraries we don't own are in lsan.supp.
  # new_delete_type_mismatch is off as a precaution: libtorch is not instrumented, and a sized-delete
  # mismatch reported inside its objects would be a false positive we cannot act on.
  export ASAN_OPTIONS="$common:detect_leaks=1:new_delete_type_mismatch=0:suppressions=$supp/asan.supp"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="$common:suppressions=$supp/ubsan.supp"
fi
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
fi

# QtTest's own watchdog ends a test function after 300 s; instrumented, fine-tuning takes longer
# (TestTrainer::fineTuneSmoke under ASan). Same factor as the ctest TIMEOUTs.
factor=${PC_SANITIZE_TIMEOUT_FACTOR:-$([[ $sanitizers == thread ]] && echo 10 || echo 4)}
export QTEST_FUNCTION_TIMEOUT=$((300000 * factor))
# Every test has its own TIMEOUT (times PC_TEST_TIMEOUT_FACTOR); ctest's --timeout would not apply.
args=(--test-dir "$build" --output-on-failure -j"${PC_SANITIZE_TEST_JOBS:-1}")
[[ -n $regex ]] && args+=(-R "$regex")
pc_log "running ctest under $sanitizers${regex:+ (-R $regex)}"
exec ctest "${args[@]}"
