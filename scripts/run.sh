#!/usr/bin/env bash
# Quick start: install the Debian packages, fetch + verify the pretrained weights, build (build/,
# Ninja, Release), then start the GUI. Arguments go to petcurator. Re-runs only do what is needed.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

# A GUI without a display would only fail after the whole set-up (or hang): say so now.
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} && -z ${QT_QPA_PLATFORM:-} ]]; then
  printf '%s\n' "petcurator: no display (\$DISPLAY and \$WAYLAND_DISPLAY are unset): use 'xvfb-run -a scripts/run.sh' or 'QT_QPA_PLATFORM=offscreen scripts/run.sh'" >&2
  exit 1
fi

cd "$PC_ROOT"
pc_setup
exe=$PC_BUILD_DIR/app/petcurator
[[ -x $exe ]] || pc_die "the build produced no $exe"
pc_log "starting $exe (weights: $PETCURATOR_WEIGHTS_DIR)"
exec "$exe" "$@"
