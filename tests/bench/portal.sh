#!/usr/bin/env bash
# Portal benchmark (issue 3): directory search and call history under load.
#
#   tests/bench/portal.sh [--database-url URL] [--people N] [--calls N] [--reuse] [--duration S]
#
# Seeds a synthetic data set with `chorus seed` (default 100,000 people and 10,000,000 calls
# on PostgreSQL database chorus_bench; --reuse keeps an existing one), starts the release
# server on a free loopback port, and runs wrk at 32 connections against:
#   1. directory search: directory(search: "smi", first: 20) with unit and lines;
#   2. call history, first page (20) of the heaviest person;
#   3. call history, a page 100,000 rows deep (cursor found by paging through the API).
# Prints requests/s and latency percentiles, and the deep/first p50 ratio (target <= 1.5).
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=postgres://postgres@127.0.0.1:5432/chorus_bench
PEOPLE=100000
CALLS=10000000
REUSE=0
DURATION=15
while [ $# -gt 0 ]; do
  case "$1" in
    --database-url) DB_URL=$2; shift 2 ;;
    --people) PEOPLE=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --duration) DURATION=$2; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

cargo build -q --release -p chorus-api
bin=./target/release/chorus
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

if [ "$REUSE" = 0 ]; then
  case "$DB_URL" in
    postgres*)
      admin="${DB_URL%/*}/postgres"; name="${DB_URL##*/}"
      psql "$admin" -qc "drop database if exists $name with (force)" -c "create database $name" ;;
    sqlite*) rm -f "${DB_URL#sqlite://}" ;;
  esac
  echo "== seeding $PEOPLE people and $CALLS calls into $DB_URL"
  /usr/bin/time -f "seed: %e s, max RSS %M KB" "$bin" seed --data-dir "$work" --database-url "$DB_URL" --people "$PEOPLE" --calls "$CALLS" 2>&1 | grep -v INFO
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# One token drives the whole load: its cost budget (a per-caller fairness rule) is turned off;
# the cost analysis itself still runs on every request.
CHORUS_LOG=warn CHORUS_COST_RESTORE_RATE=0 "$bin" serve --data-dir "$work" --database-url "$DB_URL" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$("$bin" token --person p0 --data-dir "$work" --database-url "$DB_URL")
url="http://127.0.0.1:$port/graphql"

# Finds the cursor 100,000 rows deep by paging (100 at a time) through the API itself.
deep_cursor=$(TOKEN=$token URL=$url python3 - <<'PY'
import json, os, urllib.request
url, token, after, seen = os.environ["URL"], os.environ["TOKEN"], None, 0
while seen < 100_000:
    q = {"query": "query($a: String) { callHistory(first: 100, after: $a) { pageInfo { endCursor hasNextPage } } }", "variables": {"a": after}}
    req = urllib.request.Request(url, json.dumps(q).encode(), {"content-type": "application/json", "authorization": "Bearer " + token})
    page = json.load(urllib.request.urlopen(req))["data"]["callHistory"]["pageInfo"]
    if not page["hasNextPage"]:
        break
    after, seen = page["endCursor"], seen + 100
print(after)
PY
)

lua() { # body -> lua script file
  local f="$work/$1.lua"
  python3 - "$2" "$token" >"$f" <<'PY'
import json, sys
body, token = sys.argv[1], sys.argv[2]
print('wrk.method = "POST"')
print('wrk.headers["content-type"] = "application/json"')
print('wrk.headers["authorization"] = "Bearer %s"' % token)
print('wrk.body = %s' % json.dumps(body))
PY
  echo "$f"
}
search=$(lua search '{"query":"{ directory(search: \"smi\", first: 20) { nodes { displayName unit { name } lines { number extension } } } }"}')
first=$(lua first '{"query":"{ callHistory(first: 20) { nodes { pbxCallId startedAt direction result fromNumber toNumber } pageInfo { endCursor } } }"}')
deep=$(lua deep "{\"query\":\"query(\$a: String) { callHistory(first: 20, after: \$a) { nodes { pbxCallId startedAt direction result fromNumber toNumber } pageInfo { endCursor } } }\",\"variables\":{\"a\":\"$deep_cursor\"}}")

# Sanity: each scenario answers without errors.
for f in "$search" "$first" "$deep"; do
  body=$(python3 -c 'import re,sys; s=open(sys.argv[1]).read(); import json; print(json.loads(re.search(r"wrk.body = (.*)", s).group(1)))' "$f")
  out=$(curl -fsS -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$body" "$url")
  echo "$out" | grep -q '"errors"' && { echo "scenario failed: $out"; exit 1; }
done

run() { # name script
  wrk -t2 -c32 -d3s -s "$2" "$url" >/dev/null   # warm-up
  wrk -t2 -c32 -d"${DURATION}s" --latency -s "$2" "$url" >"$work/$1.out"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.out")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.out")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.out")
  errors=$(grep -E "Non-2xx|Socket errors" "$work/$1.out" || true)
  printf '| %-28s | %10s | %8s | %8s | %s\n' "$1" "$rps" "$p50" "$p99" "$errors"
  echo "$p50" >"$work/$1.p50"
}
echo
echo "== $(date -u +%FT%TZ) $(nproc) cores, $PEOPLE people, $CALLS calls, $DB_URL, wrk -c32 -d${DURATION}s"
printf '| %-28s | %10s | %8s | %8s |\n' scenario "req/s" p50 p99
run directory-search "$search"
run call-history-first-page "$first"
run call-history-100k-deep "$deep"
to_ms() { python3 -c 'import sys,re; v=sys.argv[1]; m=re.match(r"([\d.]+)(us|ms|s)",v); n=float(m.group(1)); print(n/1000 if m.group(2)=="us" else n*1000 if m.group(2)=="s" else n)' "$1"; }
a=$(to_ms "$(cat "$work/call-history-first-page.p50")"); b=$(to_ms "$(cat "$work/call-history-100k-deep.p50")")
python3 -c "print(f'deep/first p50 ratio: {$b/$a:.2f} (target <= 1.5)')"
echo "server RSS after the runs: $(ps -o rss= -p $server | awk '{printf "%.1f MB", $1/1024}')"
