#!/usr/bin/env bash
# Saves PNG screenshots of the desktop app's main views into docs/screenshots/, with real photos:
# runs petcurator under Xvfb on a fresh temporary workspace, imports the Oxford-IIIT Pet sample,
# trains once, and lets petcurator-screenshots (devtools/) show each view and grab it
# (welcome, gallery + detail, breed picker, training dashboard, model history, dark theme), then
# the gallery once more at 200 % scale.
#
#   scripts/screenshots.sh                 # set up and build like run.sh, then take the pictures
#   PETCURATOR_EXE=build-ui/app/petcurator-screenshots scripts/screenshots.sh   # use an existing build
#
# Needs xvfb-run (Debian: xvfb, in the package list of scripts/common.sh).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
cd "$PC_ROOT"

exe=${PETCURATOR_EXE:-}
if [[ -z $exe ]]; then
  pc_setup
  exe=$PC_BUILD_DIR/app/petcurator-screenshots
else
  pc_fetch_weights
  [[ $exe == /* ]] || exe=$PC_ROOT/$exe
fi
[[ -x $exe ]] || pc_die "no petcurator-screenshots executable at $exe"
command -v xvfb-run >/dev/null 2>&1 || pc_die "xvfb-run not found (Debian package: xvfb)"

sample=${PETCURATOR_SAMPLE_DIR:-}
for candidate in "$sample" "$PC_ROOT/../shared/datasets/oxford-iiit-pet-sample" /work/shared/datasets/oxford-iiit-pet-sample; do
  if [[ -n $candidate && -f $candidate/annotations/list.txt ]]; then
    sample=$(cd "$candidate" && pwd -P)
    break
  fi
done
[[ -n $sample && -f $sample/annotations/list.txt ]] || pc_die "Oxford-IIIT Pet sample not found: set PETCURATOR_SAMPLE_DIR"

out=$PC_ROOT/docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A clean slate: no preferences of the person running this, no theme from their desktop.
export XDG_CONFIG_HOME=$tmp/config XDG_RUNTIME_DIR=$tmp/runtime
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset QT_QPA_PLATFORM QT_STYLE_OVERRIDE QT_SCALE_FACTOR
export QT_QPA_PLATFORM=xcb

pc_log "screenshots: importing $sample, training once, saving into $out (a few minutes)"
xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$exe" --workspace "$tmp/workspace" --sample "$sample" "$out"

# The same workspace at 200 %: only the gallery picture is kept.
pc_log "screenshots: the gallery at 200 % scale"
QT_SCALE_FACTOR=2 xvfb-run -a -s "-screen 0 3200x2000x24" \
  "$exe" --workspace "$tmp/workspace" --quick "$tmp/scaled"
cp "$tmp/scaled/gallery.png" "$out/gallery-200pct.png"
ls -l "$out"
