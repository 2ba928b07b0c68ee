#!/usr/bin/env bash
# Quick start for the tests: install the Debian packages, fetch + verify the pretrained weights,
# build (build/, Ninja, Release), then run ctest. Extra arguments go to ctest (e.g. -R Decoder).
# Exit status: ctest's.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

cd "$PC_ROOT"
pc_setup
# Tests that start Qt GUI classes must not look for a display that is not there.
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
fi
pc_log "running ctest (weights: $PETCURATOR_WEIGHTS_DIR)"
exec ctest --test-dir "$PC_BUILD_DIR" --output-on-failure -j2 "$@"
