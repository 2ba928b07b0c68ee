#!/usr/bin/env bash
# Builds the .deb (CPack), unpacks it into a temporary root with dpkg-deb -x, and runs the installed
# petcurator-cli from there: --version, and predict on a sample photo with the packaged weights, no
# weights cache and no npm on the PATH. Then lintian. CI runs it after the tests.
#   scripts/package-check.sh            # uses build/ (set up like test.sh)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
cd "$PC_ROOT"
pc_setup

out=$PC_BUILD_DIR/package
rm -rf "$out"
pc_log "package: cpack → $out"
cpack --config "$PC_BUILD_DIR/CPackConfig.cmake" -B "$out" >/dev/null
debs=("$out"/*.deb)
[[ -f ${debs[0]} ]] || pc_die "cpack made no .deb in $out"
deb=${debs[0]}
pc_log "package: $(basename "$deb"), $(du -h "$deb" | cut -f1)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root/pkg"
mkdir -p "$root/home"
for f in usr/bin/petcurator usr/bin/petcurator-cli usr/bin/petcurator-server \
         usr/share/petcurator/weights/model.json usr/share/doc/petcurator/copyright \
         usr/share/man/man1/petcurator.1.gz usr/share/man/man1/petcurator-cli.1.gz \
         usr/share/man/man8/petcurator-server.8.gz usr/share/bash-completion/completions/petcurator-cli \
         usr/share/applications/io.petcurator.PetCurator.desktop lib/systemd/system/petcurator-server.service; do
  [[ -e $root/pkg/$f ]] || pc_die "the package lacks /$f"
done

# Nothing of this machine's set-up: an empty home (no weights cache), only the package's bin/ on
# the PATH (so no npm), no PETCURATOR_* variables.
installed() {
  env -i HOME="$root/home" XDG_CACHE_HOME="$root/home/.cache" PATH="$root/pkg/usr/bin" LANG=C.UTF-8 "$@"
}
cli=$root/pkg/usr/bin/petcurator-cli
installed "$cli" --version
sample=$(pc_sample_photo)
pc_log "package: predict $sample with the packaged weights"
prediction=$(installed "$cli" predict --top 1 "$sample")
echo "$prediction"
[[ -n $prediction ]] || pc_die "the installed petcurator-cli predicted nothing"
[[ ! -e $root/home/.cache/petcurator ]] || pc_die "the installed CLI wrote a weights cache"

pc_log "package: lintian"
lintian --fail-on error --info --display-level ">=warning" "$deb"
pc_log "package: OK"
