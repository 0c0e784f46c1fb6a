#!/usr/bin/env bash
# Cold start and idle memory (issue 2 targets: /readyz green in < 0.5 s, idle RSS < 60 MB).
#
#   tests/bench/startup.sh [runs]
#
# Measures, with the release binary, the time from exec to the first 200 from /readyz:
#   - on an empty data dir (creates the SQLite file, runs every migration, generates the secret);
#   - on a data dir already holding the demo university (seeded once beforehand);
# then the RSS of the idle server after a few requests. Prints the median of `runs` (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
# With BENCH_SUMMARY=file (tests/bench/run.sh), each headline figure is appended to it as
# "scenario<TAB>figure<TAB>target<TAB>verdict".
summary() { [ -z "${BENCH_SUMMARY:-}" ] || printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"; }
runs=${1:-5}
cargo build -q --release -p chorus-api
bin=./target/release/chorus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start_once() { # data-dir [--demo] -> prints ms to ready, leaves pid in $pid
  local dir=$1; shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local t0 t1
  t0=$(date +%s%N)
  CHORUS_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$port" "$@" >/dev/null 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; do sleep 0.005; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >"$work/last"
  echo "$port" >"$work/port"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

empty=()
for i in $(seq 1 "$runs"); do
  start_once "$work/empty$i"; kill $pid; wait $pid 2>/dev/null || true
  empty+=("$(cat "$work/last")")
done

# Seed the demo once (not timed), then time restarts on it.
start_once "$work/demo" --demo; kill $pid; wait $pid 2>/dev/null || true
demo=()
for i in $(seq 1 "$runs"); do
  start_once "$work/demo"
  demo+=("$(cat "$work/last")")
  last_pid=$pid
  [ "$i" = "$runs" ] || { kill $pid; wait $pid 2>/dev/null || true; }
done
port=$(cat "$work/port")
token=$("$bin" token --person demo-user --data-dir "$work/demo")
for _ in $(seq 1 20); do
  curl -fsS -o /dev/null -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"query":"{ me { displayName unit { name } lines { number } devices { kind } } }"}' "http://127.0.0.1:$port/graphql"
done
sleep 1
rss=$(ps -o rss= -p "$last_pid" | awk '{printf "%.1f", $1/1024}')
kill "$last_pid"; wait "$last_pid" 2>/dev/null || true

echo "== $(date -u +%FT%TZ) $(nproc) cores, release build, $runs runs each"
echo "cold start to /readyz, empty data dir: median $(printf '%s\n' "${empty[@]}" | median) ms (runs: ${empty[*]})"
echo "cold start to /readyz, demo data:      median $(printf '%s\n' "${demo[@]}" | median) ms (runs: ${demo[*]})"
echo "idle RSS after 20 requests on the demo: $rss MB"
cold=$(printf '%s\n' "${empty[@]}" | median)
summary "cold start to /readyz, empty data dir (median of $runs)" "$cold ms" "<= 500 ms" "$([ "$cold" -le 500 ] && echo met || echo MISSED)"
summary "idle RSS after 20 requests" "$rss MB" "<= 60 MB" "$(awk -v r="$rss" 'BEGIN {print (r <= 60 ? "met" : "MISSED")}')"
