#!/usr/bin/env bash
# petcurator-server figures on loopback with wrk (Debian's wrk): label posts (batches of 1 and
# 50) and label pulls (pages of 100), 32 connections, on SQLite and on a throwaway PostgreSQL
# cluster (TECH-NOTES recipe). Prints req/s and p99 per case; targets on a 2-core machine with
# SQLite: >= 1,500 single-event posts/s at p99 <= 50 ms, >= 3,000 pulls/s.
#
# Predictions (issue 13, SQLite): POST /api/v1/predict with sample photos at 1, 8 and 32
# connections (predictions/s, p50, p99), compared with `petcurator-cli bench` throughput on the
# same photos (target: >= 80 % at 8 connections); then 8 connections while 20 models are
# published and withdrawn one after another: every answer must be a 200 that names a model
# (tests/TestServerPredict checks, in addition, that each named model was live and that its
# probabilities are that model's own).
#
#   scripts/server-bench.sh [--seconds N] [--engines "sqlite postgresql"] [--threads N] [--cases "labels predict"]
# Needs a built build/app/petcurator-server (and, for predictions, build/app/petcurator-cli and
# build/tests/server-predict-bundles). Leaves nothing running.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/common.sh
source scripts/common.sh

SECONDS_PER_CASE=10
ENGINES="sqlite postgresql"
SERVER_THREADS=8
CONNECTIONS=32
CASES="labels predict"
while (($#)); do
  case $1 in
    --cases) CASES=$2; shift 2 ;;
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

[[ " $CASES " == *" labels "* ]] || ENGINES=""
((${#ENGINES})) && echo "petcurator-server benchmark: $(nproc) cores, $CONNECTIONS connections, ${SECONDS_PER_CASE}s per case, $SERVER_THREADS server threads"
((${#ENGINES})) && printf '%-11s %-22s %10s %10s  %s\n' engine case "req/s" "p99 ms" "errors"
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

[[ " $CASES " == *" predict "* ]] || exit 0

# --- predictions -------------------------------------------------------------------------------
CLI=$PC_BUILD_DIR/app/petcurator-cli
BUNDLER=$PC_BUILD_DIR/tests/server-predict-bundles
[[ -x $CLI && -x $BUNDLER ]] || pc_die "build petcurator-cli and server-predict-bundles first: ninja -C build petcurator-cli server-predict-bundles"

# wrk's latency percentile line ("50%", "99%") in milliseconds.
percentile_ms() {
  awk -v q="$2" '$1 == q {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.1f", v}' "$1"
}

mkdir -p "$WORK/photos"
cp "${IMAGE_FILES[@]:0:50}" "$WORK/photos/"
ls "$WORK"/photos/*.jpg >"$WORK/photos.txt"
echo
echo "predictions: $(nproc) cores, $(wc -l <"$WORK/photos.txt") sample photos, ${SECONDS_PER_CASE}s per case, SQLite"
CLI_JSON=$("$CLI" bench --json --images "$WORK/photos" --latency-images 20 2>/dev/null)
CLI_IPS=$(grep -o '"throughput_img_per_s":[0-9.]*' <<<"$CLI_JSON" | cut -d: -f2)
echo "petcurator-cli bench: ${CLI_IPS} images/s (batched, all cores)"

DATA=$WORK/data-predict
TOKEN=$("$SERVER" user add bench --role curator --data-dir "$DATA" 2>/dev/null)
PUBLISHER=$("$SERVER" user add publisher --role reviewer --data-dir "$DATA" 2>/dev/null)
"$SERVER" --listen 127.0.0.1:0 --port-file "$WORK/port" --data-dir "$DATA" 2>"$WORK/server-predict.log" &
SERVER_PID=$!
for _ in $(seq 300); do [[ -s $WORK/port ]] && break; sleep 0.1; done
PORT=$(cat "$WORK/port"); rm -f "$WORK/port"
URL=http://127.0.0.1:$PORT
export TOKEN PHOTOS=$WORK/photos.txt
for _ in 1 2 3; do curl -sf -X POST --data-binary @"$(head -n 1 "$PHOTOS")" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/predict" >/dev/null; done

printf '%-26s %10s %9s %9s %7s  %s\n' case "pred/s" "p50 ms" "p99 ms" "vs CLI" "errors"
for C in 1 8 32; do
  T=$((C < 2 ? 1 : 2))
  wrk -t"$T" -c"$C" -d"${SECONDS_PER_CASE}s" --latency -s scripts/bench/predict.lua "$URL" >"$WORK/predict-$C.txt"
  RPS=$(awk '/^Requests\/sec/ {print $2}' "$WORK/predict-$C.txt")
  FAILED=$(awk '/^PREDICT/ {sub("failed=","",$2); print $2}' "$WORK/predict-$C.txt")
  BUSY=$(awk '/^PREDICT/ {sub("busy=","",$4); print $4}' "$WORK/predict-$C.txt")
  SOCKET=$(awk '/Socket errors/ {sub(/^ *Socket errors: */,""); print}' "$WORK/predict-$C.txt")
  printf '%-26s %10s %9s %9s %6s%%  %s\n' "$C connection(s)" "$RPS" "$(percentile_ms "$WORK/predict-$C.txt" 50%)" \
    "$(percentile_ms "$WORK/predict-$C.txt" 99%)" "$(awk -v a="$RPS" -v b="$CLI_IPS" 'BEGIN {printf "%.0f", 100*a/b}')" "${FAILED:-?} failed, ${BUSY:-?} busy (503)${SOCKET:+, socket errors: $SOCKET}"
done

# Hot swap under load: a base model, then 20 models each published and withdrawn (rolled back).
"$BUNDLER" "$WORK/bundles" 21 >"$WORK/bundles.txt" 2>/dev/null || pc_die "server-predict-bundles failed"
publish() {
  curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$1" -H "Authorization: Bearer $PUBLISHER" \
    -H "X-Checksum-Sha256: $2" -H "Content-Type: application/octet-stream" "$URL/api/v1/models"
}
SWAP_ERRORS=0
read -r BASE_PATH BASE_SHA < <(head -n 1 "$WORK/bundles.txt")
[[ $(publish "$BASE_PATH" "$BASE_SHA") == 201 ]] || SWAP_ERRORS=$((SWAP_ERRORS + 1))
SWAP_SECONDS=$((SECONDS_PER_CASE > 25 ? SECONDS_PER_CASE : 25))
wrk -t2 -c8 -d"${SWAP_SECONDS}s" --latency -s scripts/bench/predict.lua "$URL" >"$WORK/predict-swap.txt" &
WRK_PID=$!
sleep 1
VERSION=1
while read -r BUNDLE_PATH BUNDLE_SHA; do
  VERSION=$((VERSION + 1))
  [[ $(publish "$BUNDLE_PATH" "$BUNDLE_SHA") == 201 ]] || SWAP_ERRORS=$((SWAP_ERRORS + 1))
  sleep 0.4
  CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $PUBLISHER" "$URL/api/v1/models/$VERSION/withdraw")
  [[ $CODE == 200 ]] || SWAP_ERRORS=$((SWAP_ERRORS + 1))
  sleep 0.4
done < <(tail -n +2 "$WORK/bundles.txt")
wait "$WRK_PID"
RPS=$(awk '/^Requests\/sec/ {print $2}' "$WORK/predict-swap.txt")
read -r FAILED MODELS BUSY < <(awk '/^PREDICT/ {sub("failed=","",$2); sub("models=","",$3); sub("busy=","",$4); print $2, $3, $4}' "$WORK/predict-swap.txt")
SOCKET=$(awk '/Socket errors/ {sub(/^ *Socket errors: */,""); print}' "$WORK/predict-swap.txt")
printf '%-26s %10s %9s %9s %6s%%  %s\n' "8, 20 publish+withdraw" "$RPS" "$(percentile_ms "$WORK/predict-swap.txt" 50%)" \
  "$(percentile_ms "$WORK/predict-swap.txt" 99%)" "$(awk -v a="$RPS" -v b="$CLI_IPS" 'BEGIN {printf "%.0f", 100*a/b}')" \
  "${FAILED:-?} failed, ${BUSY:-?} busy, ${MODELS:-?} models answered, $SWAP_ERRORS publish/withdraw errors${SOCKET:+, socket errors: $SOCKET}"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || pc_warn "server exited with $?"
SERVER_PID=
