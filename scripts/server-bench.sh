#!/usr/bin/env bash
# petcurator-server figures on loopback with wrk (Debian's wrk): label posts (batches of 1 and
# 50) and label pulls (pages of 100), 32 connections, on SQLite and on a throwaway PostgreSQL
# cluster (TECH-NOTES recipe). Prints req/s and p99 per case; targets on a 2-core machine with
# SQLite: >= 1,500 single-event posts/s at p99 <= 50 ms, >= 3,000 pulls/s.
#
#   scripts/server-bench.sh [--seconds N] [--engines "sqlite postgresql"] [--threads N]
# Needs a built build/app/petcurator-server. Leaves nothing running.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/common.sh
source scripts/common.sh

SECONDS_PER_CASE=10
ENGINES="sqlite postgresql"
SERVER_THREADS=8
CONNECTIONS=32
while (($#)); do
  case $1 in
    --seconds) SECONDS_PER_CASE=$2; shift 2 ;;
    --engines) ENGINES=$2; shift 2 ;;
    --threads) SERVER_THREADS=$2; shift 2 ;;
    *) pc_die "unknown option $1" ;;
  esac
done

SERVER=$PC_BUILD_DIR/app/petcurator-server
[[ -x $SERVER ]] || pc_die "build petcurator-server first: ninja -C build petcurator-server"
command -v wrk >/dev/null || pc_die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || pc_die "curl is not installed"

WORK=$(mktemp -d /tmp/pc-server-bench.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
PG_BIN=
cleanup() {
  [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [[ -n $PG_BIN && -d $WORK/pg ]]; then
    pg_run "$PG_BIN/pg_ctl -D $WORK/pg -m fast -w stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

pg_run() { if [[ $(id -u) -eq 0 ]]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }

start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $PG_BIN && -x $PG_BIN/initdb ]] || return 1
  PG_PORT=$((20000 + RANDOM % 20000))
  if [[ $(id -u) -eq 0 ]]; then
    install -d -o postgres -g postgres -m 700 "$WORK/pg"
    install -d -o postgres -g postgres "$WORK/sock"
    install -o postgres -g postgres -m 644 /dev/null "$WORK/pg.log"
  else
    mkdir -p "$WORK/pg" "$WORK/sock"
  fi
  pg_run "$PG_BIN/initdb -D $WORK/pg -U postgres --auth=trust -E UTF8 --no-locale" >/dev/null
  pg_run "$PG_BIN/pg_ctl -D $WORK/pg -l $WORK/pg.log -w -o '-p $PG_PORT -k $WORK/sock -c listen_addresses=127.0.0.1' start" >/dev/null
  pg_run "$PG_BIN/createdb -h $WORK/sock -p $PG_PORT petcurator"
}

# wrk's "Requests/sec" and the 99% latency line, in milliseconds.
summarise() {
  local out=$1 rps p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.1f", v}' "$out")
  errors=$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print "socket:" $0}' "$out" | paste -sd' ')
  printf '%-11s %-22s %10s %10s  %s\n' "$ENGINE" "$2" "$rps" "$p99" "${errors:-0 errors}"
}

SAMPLE=${PETCURATOR_SAMPLE_DIR:-$PC_ROOT/../shared/datasets/oxford-iiit-pet-sample}
[[ -d $SAMPLE/images ]] || SAMPLE=/work/shared/datasets/oxford-iiit-pet-sample
mapfile -t IMAGE_FILES < <(ls "$SAMPLE"/images/*.jpg | head -n 100)
((${#IMAGE_FILES[@]} > 0)) || pc_die "no sample photos in $SAMPLE/images (set PETCURATOR_SAMPLE_DIR)"
sha256sum "${IMAGE_FILES[@]}" | cut -d' ' -f1 >"$WORK/images.txt"

echo "petcurator-server benchmark: $(nproc) cores, $CONNECTIONS connections, ${SECONDS_PER_CASE}s per case, $SERVER_THREADS server threads"
printf '%-11s %-22s %10s %10s  %s\n' engine case "req/s" "p99 ms" "errors"
for ENGINE in $ENGINES; do
  DATA=$WORK/data-$ENGINE
  DB_ARGS=()
  if [[ $ENGINE == postgresql ]]; then
    if ! start_postgres; then
      echo "postgresql  (skipped: PostgreSQL binaries not installed)"
      continue
    fi
    DB_ARGS=(--database "postgresql://postgres@127.0.0.1:$PG_PORT/petcurator")
  fi
  TOKEN=$("$SERVER" user add bench --role curator --data-dir "$DATA" "${DB_ARGS[@]}" 2>/dev/null)
  "$SERVER" --listen 127.0.0.1:0 --port-file "$WORK/port" --threads "$SERVER_THREADS" --data-dir "$DATA" "${DB_ARGS[@]}" 2>"$WORK/server-$ENGINE.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do [[ -s $WORK/port ]] && break; sleep 0.1; done
  PORT=$(cat "$WORK/port"); rm -f "$WORK/port"
  URL=http://127.0.0.1:$PORT
  for f in "${IMAGE_FILES[@]}"; do # real photos, so labels spread over 100 images
    curl -sf -X PUT --data-binary @"$f" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/images/$(sha256sum "$f" | cut -d' ' -f1)" >/dev/null
  done

  export TOKEN IMAGES=$WORK/images.txt
  RUN=1 BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_CASE}s" --latency -s scripts/bench/label-post.lua "$URL" >"$WORK/post1.txt"
  summarise "$WORK/post1.txt" "post, batch 1"
  RUN=2 BATCH=50 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_CASE}s" --latency -s scripts/bench/label-post.lua "$URL" >"$WORK/post50.txt"
  summarise "$WORK/post50.txt" "post, batch 50"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_CASE}s" --latency -H "Authorization: Bearer $TOKEN" "$URL/api/v1/labels?since=0&limit=100" >"$WORK/pull.txt"
  summarise "$WORK/pull.txt" "pull, page of 100"

  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || pc_warn "server exited with $?"
  SERVER_PID=
done
