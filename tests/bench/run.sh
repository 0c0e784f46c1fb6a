#!/usr/bin/env bash
# Performance side by side (issue 8): Chorus API next to what an administrator would pick
# instead and next to the physical limits, on this machine, in one run.
#
#   tests/bench/run.sh [--quick] [--database-url URL] [--reseed] [--duration S] [--rounds N]
#                      [--only portal|voicemail|cutover|startup] [--no-record]
#
# Data: `chorus seed` into PostgreSQL (full: database chorus_bench, 100,000 people and
# 10,000,000 calls, about 13 minutes the first time; --quick: chorus_bench_quick, 20,000 people
# and 2,200,000 calls, about 3 minutes). A database that already holds that many people is
# reused (--reseed recreates it).
#
# Peers, started here from the package registries: PostGraphile v5 (npm, on Node 22 from npm)
# over the same database with an equivalent read-only schema (tests/bench/peers/postgraphile);
# pgbench running the statements our resolver sent for the same request (captured from the
# PostgreSQL log, bound as parameters with -M prepared as the server binds them), the
# database's ceiling, both all of the request's statements as one transaction and the main
# SELECT alone; nginx (Debian) serving the same audio file.
#
# The servers and pgbench reach PostgreSQL over loopback TCP without TLS (sslmode=disable);
# Chorus runs with a pool of twice the cores (CHORUS_DB_MAX_CONNECTIONS).
# Load: wrk -t2 -c32 from a second process on 127.0.0.1, a 3 s warm-up per server, then
# --rounds rounds (full 3, quick 1) alternating the servers, --duration seconds each (full 10,
# quick 4); medians of the rounds. Also: server RSS after the runs and SQL statements per
# request (statements PostgreSQL logged for 20 requests, tests/bench/sqlcount.sh).
#
# Then tests/bench/voicemail.sh (ingest on SQLite, download next to nginx, RSS as the file
# grows), tests/bench/cutover.sh (the MS Teams column and a 1,500-person move, on the same
# database) and tests/bench/startup.sh (cold start, idle RSS), each reporting its headline
# figures here. Prints one table with every target and writes it, with the date, machine and
# commands, to tests/bench/RESULTS.md (not with --no-record).
set -euo pipefail
cd "$(dirname "$0")/../.."
command_line="tests/bench/run.sh${*:+ $*}"
started=$(date +%s)

QUICK=0
DB_URL=
RESEED=0
DURATION=
ROUNDS=
ONLY=
RECORD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --database-url) DB_URL=$2; shift 2 ;;
    --reseed) RESEED=1; shift ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  DB_URL=${DB_URL:-postgres://postgres@127.0.0.1:5432/chorus_bench_quick}
  PEOPLE=20000 CALLS=2200000
  DURATION=${DURATION:-4} ROUNDS=${ROUNDS:-1}
  vm_args=(--messages 100 --concurrency 4 --duration 4 --rss-duration 3)
  cut_args=(--runs 1 --move-runs 1)
  start_runs=3
else
  DB_URL=${DB_URL:-postgres://postgres@127.0.0.1:5432/chorus_bench}
  PEOPLE=100000 CALLS=10000000
  DURATION=${DURATION:-10} ROUNDS=${ROUNDS:-3}
  vm_args=(--messages 800 --concurrency 4,1 --duration 10 --rss-duration 5)
  cut_args=(--runs 3 --move-runs 3)
  start_runs=5
fi
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

# --- tools ---------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v pgbench >/dev/null || need+=(postgresql-client)
command -v psql >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build -q --release -p chorus-api
bin=./target/release/chorus
export CHORUS_BIN=$bin
work=$(mktemp -d)
export BENCH_SUMMARY=$work/summary.tsv
: >"$BENCH_SUMMARY"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
summary() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

admin_url="${DB_URL%/*}/postgres"
db_name="${DB_URL##*/}"
sql() { psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }

# --- data ----------------------------------------------------------------------------------
seed_note="reused"
if want portal || want cutover; then
  have=$(sql -c "SELECT count(*) FROM person" 2>/dev/null || echo 0)
  if [ "$RESEED" = 1 ] || [ "$have" != "$PEOPLE" ]; then
    echo "== seeding $PEOPLE people and $CALLS calls into $DB_URL (it held ${have:-no} people)"
    psql "$admin_url" -qX -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
    t0=$(date +%s)
    "$bin" seed --data-dir "$work" --database-url "$DB_URL" --people "$PEOPLE" --calls "$CALLS" 2>&1 | grep -v INFO
    seed_note="seeded in $(( $(date +%s) - t0 )) s"
  fi
  # Autovacuum may be off here: fresh statistics either way.
  sql -c "ANALYZE" >/dev/null
fi

# --- portal: directory search and call history next to PostGraphile and pgbench -----------
# All three reach PostgreSQL the same way: loopback TCP without TLS (libpq and sqlx would
# otherwise negotiate TLS with a server that offers it; node-postgres would not).
case "$DB_URL" in *\?*) plain_url="$DB_URL&sslmode=disable" ;; *) plain_url="$DB_URL?sslmode=disable" ;; esac
export PGSSLMODE=disable
# The server's pool: twice the cores, as an operator would size it for a PostgreSQL on the same
# host (one connection of it is the event listener's). The default, 16, lets 16 backends
# compete for these two cores; it gave about 15% fewer searches/s and a longer tail (p99 28–33
# ms against 23–25 at 4, quick data set, 2026-12-02).
pool=$(( 2 * $(nproc) ))
if want portal; then
  port=$(free_port)
  CHORUS_LOG=warn CHORUS_COST_RESTORE_RATE=0 CHORUS_DB_MAX_CONNECTIONS=$pool "$bin" serve \
    --data-dir "$work" --database-url "$plain_url" \
    --listen "127.0.0.1:$port" >"$work/chorus.log" 2>&1 &
  chorus_pid=$!; pids+=("$chorus_pid")
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; do
    kill -0 "$chorus_pid" 2>/dev/null || { cat "$work/chorus.log"; exit 1; }
    sleep 0.1
  done
  chorus_url="http://127.0.0.1:$port/graphql"
  # p1 is an administrator (sees everyone, as PostGraphile's anonymous role does); p0 is a
  # plain user with the longest call history (5% of all calls).
  sql -c "INSERT INTO role_grant (id, person_id, role, unit_id, created_at)
          SELECT gen_random_uuid(), p.id, 'ADMIN', NULL, now() FROM person p
          WHERE p.username = 'p1' AND NOT EXISTS
            (SELECT 1 FROM role_grant g WHERE g.person_id = p.id AND g.role = 'ADMIN' AND g.unit_id IS NULL)" >/dev/null
  admin=$("$bin" token --person p1 --data-dir "$work" --database-url "$DB_URL")
  user=$("$bin" token --person p0 --data-dir "$work" --database-url "$DB_URL")

  pgl_port=$(free_port)
  psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -f tests/bench/peers/postgraphile/search.sql >/dev/null
  tests/bench/peers/postgraphile/start.sh "$plain_url" "$pgl_port" >"$work/postgraphile.log" 2>&1 &
  pgl_launcher=$!; pids+=("$pgl_launcher")
  pgl_url="http://127.0.0.1:$pgl_port/graphql"
  for _ in $(seq 1 1200); do
    curl -fsS -o /dev/null -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$pgl_url" 2>/dev/null && break
    kill -0 "$pgl_launcher" 2>/dev/null || { cat "$work/postgraphile.log"; exit 1; }
    sleep 0.25
  done
  pgl_pid=$(pgrep -f "postgraphile.*-p $pgl_port" | head -1)

  # Request bodies.
  body() { python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "${2:-{\}}"; }
  search_q='query($s: String!) { directory(search: $s, first: 20) { nodes { displayName unit { name } lines { number extension } } } }'
  body "$search_q" '{"s": "smi"}' >"$work/search.json"
  body "$(cat tests/bench/peers/postgraphile/query.graphql)" '{"s": "smi"}' >"$work/pgl-search.json"
  history_q='query($a: String) { callHistory(first: 20, after: $a) { nodes { pbxCallId startedAt direction result fromNumber toNumber } pageInfo { endCursor } } }'
  body "$history_q" '{"a": null}' >"$work/first.json"
  # The cursor 100,000 rows deep, found by paging through the API itself.
  deep=$(TOKEN=$user URL=$chorus_url python3 - <<'PY'
import json, os, urllib.request
url, token, after, seen = os.environ["URL"], os.environ["TOKEN"], None, 0
while seen < 100_000:
    q = {"query": "query($a: String) { callHistory(first: 100, after: $a) { pageInfo { endCursor hasNextPage } } }", "variables": {"a": after}}
    req = urllib.request.Request(url, json.dumps(q).encode(), {"content-type": "application/json", "authorization": "Bearer " + token})
    page = json.load(urllib.request.urlopen(req))["data"]["callHistory"]["pageInfo"]
    if not page["hasNextPage"]:
        break
    after, seen = page["endCursor"], seen + 100
print(after, seen)
PY
)
  read -r deep_cursor deep_rows <<<"$deep"
  body "$history_q" "{\"a\": \"$deep_cursor\"}" >"$work/deep.json"

  post() { # url token body-file -> response on stdout; fails on HTTP or GraphQL errors
    local out
    out=$(curl -fsS -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} --data-binary "@$3" "$1")
    if grep -q '"errors"' <<<"$out"; then echo "errors from $1: ${out:0:500}" >&2; return 1; fi
    echo "$out"
  }
  # Both servers return the same 20 people in the same order.
  ours=$(post "$chorus_url" "$admin" "$work/search.json" | python3 -c 'import json,sys; print([n["displayName"] for n in json.load(sys.stdin)["data"]["directory"]["nodes"]])')
  theirs=$(post "$pgl_url" "" "$work/pgl-search.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]
conn = next(iter(d.values()))
print([n["displayName"] for n in conn["nodes"]])')
  [ "$ours" = "$theirs" ] || { echo "the two servers disagree:"; echo " chorus:      $ours"; echo " postgraphile: $theirs"; exit 1; }
  post "$chorus_url" "$user" "$work/search.json" >/dev/null
  post "$chorus_url" "$user" "$work/first.json" >/dev/null
  post "$chorus_url" "$user" "$work/deep.json" >/dev/null

  # SQL statements per request, as PostgreSQL logged them; the statements of one request
  # become the pgbench script (parameters inlined).
  statements() { # name url token body-file -> statements/request into $work/<name>.sql
    SQLCOUNT_CAPTURE="$work/$1.capture" tests/bench/sqlcount.sh "$db_name" 20 -- "$2" \
      -H 'content-type: application/json' ${3:+-H "authorization: Bearer $3"} --data-binary "@$4" \
      >"$work/$1.sql" 2>"$work/$1.breakdown"
  }
  statements search "$chorus_url" "$admin" "$work/search.json"
  statements pgl-search "$pgl_url" "" "$work/pgl-search.json"
  statements first "$chorus_url" "$user" "$work/first.json"
  statements deep "$chorus_url" "$user" "$work/deep.json"
  python3 tests/bench/pgbench_script.py "$work/search.capture" 20 --main "$work/search-main.pgb" \
    --all "$work/search-all.pgb" --defines "$work/search.defines"
  mapfile -t pgb_defines <"$work/search.defines"

  lua() { # body-file token -> wrk script
    python3 - "$1" "$2" <<'PY'
import json, sys
body, token = open(sys.argv[1]).read().strip(), sys.argv[2]
print('wrk.method = "POST"')
print('wrk.headers["content-type"] = "application/json"')
if token:
    print('wrk.headers["authorization"] = "Bearer %s"' % token)
print('wrk.body = %s' % json.dumps(body))
PY
  }
  lua "$work/search.json" "$admin" >"$work/search.lua"
  lua "$work/search.json" "$user" >"$work/search-user.lua"
  lua "$work/pgl-search.json" "" >"$work/pgl-search.lua"
  lua "$work/first.json" "$user" >"$work/first.lua"
  lua "$work/deep.json" "$user" >"$work/deep.lua"

  # CPU time (clock ticks) of a process, and of all PostgreSQL backends.
  ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  # pid ticks of every PostgreSQL process, to a file (backends come and go during a run, even
  # between pgrep and the read).
  pg_snapshot() { for p in $(pgrep -u postgres postgres); do awk '{print $1, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done >"$1"; }
  # Ticks PostgreSQL spent between two snapshots: per pid, new processes counted from 0.
  pg_ticks() { awk 'NR == FNR {t0[$1] = $2; next} {d = $2 - t0[$1]; s += (d > 0 ? d : 0)} END {print s + 0}' "$1" "$2"; }
  hz=$(getconf CLK_TCK)
  # name url script pid -> appends "rps p50_ms p99_ms rss_mb server_cpu_ms/req pg_cpu_ms/req"
  load() {
    local name=$1 url=$2 script=$3 pid=$4 s0
    s0=$(ticks "$pid"); pg_snapshot "$work/pg0"
    wrk -t2 -c32 -d"${DURATION}s" --timeout 10s --latency -s "$script" "$url" >"$work/$name.out"
    pg_snapshot "$work/pg1"
    echo "$(( $(ticks "$pid") - s0 )) $(pg_ticks "$work/pg0" "$work/pg1")" >"$work/$name.cpu"
    # Errors (non-2xx answers, timeouts after 10 s) are counted and reported, not fatal: a
    # peer that cannot keep up is a result.
    python3 - "$work/$name.out" "$(rss_mb "$pid")" "$work/$name.cpu" "$hz" >>"$work/$name.runs" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
server_ticks, pg_ticks = map(int, open(sys.argv[3]).read().split())
hz = int(sys.argv[4])
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
done = int(re.search(r"(\d+) requests in", text).group(1))
p50, p99 = (ms(re.search(rf"^\s+{q}%\s+(\S+)", text, re.M).group(1)) for q in (50, 99))
errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
errors += int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
print(rps, p50, p99, sys.argv[2], 1000 * server_ticks / hz / done, 1000 * pg_ticks / hz / done, errors)
PY
  }
  # name script -> appends "tps p50_ms p99_ms 0 0 0 0"; latencies from pgbench's log of every
  # transaction (-l; third field, microseconds; one file per thread).
  pgbench_run() {
    rm -f "$work/$1.log"*
    pgbench -n -M prepared -c 32 -j 2 -T "$DURATION" -l --log-prefix="$work/$1.log" "${pgb_defines[@]}" -f "$2" \
      "$db_name" -h 127.0.0.1 -U postgres >"$work/$1.out" 2>&1 || { cat "$work/$1.out"; exit 1; }
    python3 - "$work/$1.out" "$work/$1.log".* >>"$work/$1.runs" <<'PY'
import re, statistics, sys
tps = float(re.search(r"^tps = ([\d.]+)", open(sys.argv[1]).read(), re.M).group(1))
lat = sorted(int(l.split()[2]) for f in sys.argv[2:] for l in open(f) if l.strip())
q = statistics.quantiles(lat, n=100)
print(tps, q[49] / 1000, q[98] / 1000, 0, 0, 0, 0)
PY
  }
  echo "== warm-up"
  for s in search search-user first deep; do wrk -t2 -c32 -d3s -s "$work/$s.lua" "$chorus_url" >/dev/null; done
  wrk -t2 -c32 -d3s -s "$work/pgl-search.lua" "$pgl_url" >/dev/null
  pgbench -n -M prepared -c 32 -j 2 -T 3 "${pgb_defines[@]}" -f "$work/search-all.pgb" "$db_name" -h 127.0.0.1 -U postgres >/dev/null 2>&1
  for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r of $ROUNDS (${DURATION} s each)"
    load chorus-search "$chorus_url" "$work/search.lua" "$chorus_pid"
    load pgl-search "$pgl_url" "$work/pgl-search.lua" "$pgl_pid"
    pgbench_run pgbench-main "$work/search-main.pgb"
    pgbench_run pgbench-all "$work/search-all.pgb"
    load chorus-search-user "$chorus_url" "$work/search-user.lua" "$chorus_pid"
    load chorus-first "$chorus_url" "$work/first.lua" "$chorus_pid"
    load chorus-deep "$chorus_url" "$work/deep.lua" "$chorus_pid"
  done
  python3 - "$work" "$deep_rows" <<'PY'
import statistics, sys, os
work, deep_rows = sys.argv[1], int(sys.argv[2])
def runs(name):
    rows = [list(map(float, l.split())) for l in open(os.path.join(work, name + ".runs")) if l.strip()]
    return [statistics.median(c) for c in zip(*rows)]
def sqls(name):
    return float(open(os.path.join(work, name + ".sql")).read().split()[0])
def put(*cols):
    with open(os.environ["BENCH_SUMMARY"], "a") as f:
        f.write("\t".join(cols) + "\n")
ours, pgl, main, full = runs("chorus-search"), runs("pgl-search"), runs("pgbench-main"), runs("pgbench-all")
user, first, deep = runs("chorus-search-user"), runs("chorus-first"), runs("chorus-deep")
fmt = lambda r: (f"{r[0]:,.0f} req/s, p50 {r[1]:.1f} ms, p99 {r[2]:.1f} ms, RSS {r[3]:.0f} MB, "
                 f"CPU/req server {r[4]:.2f} ms + PostgreSQL {r[5]:.2f} ms"
                 + (f", **{r[6]:.0f} errors or timeouts per run**" if r[6] else ""))
ok = lambda b: "met" if b else "MISSED"
put("directory search, chorus (admin)", fmt(ours) + f", {sqls('search'):.1f} SQL/req", "", "")
put("directory search, PostGraphile v5 (same query)", fmt(pgl) + f", {sqls('pgl-search'):.1f} SQL/req", "", "")
put("directory search, pgbench: the main SELECT", f"{main[0]:,.0f} tps, p50 {main[1]:.1f} ms, p99 {main[2]:.1f} ms", "", "")
put("directory search, pgbench: every statement of the request", f"{full[0]:,.0f} tps, p50 {full[1]:.1f} ms, p99 {full[2]:.1f} ms", "", "")
put("directory search, chorus (user, listed + own)", fmt(user), "", "")
put("directory search: chorus / PostGraphile", f"{ours[0] / pgl[0]:.2f}×", ">= 2×", ok(ours[0] >= 2 * pgl[0]))
put("directory search: chorus / pgbench, every statement of the request", f"{100 * ours[0] / full[0]:.0f}%", ">= 40%", ok(ours[0] >= 0.4 * full[0]))
put("directory search: chorus / pgbench, the main SELECT alone", f"{100 * ours[0] / main[0]:.0f}%", ">= 40%", ok(ours[0] >= 0.4 * main[0]))
put("directory search: chorus p99 at 32 connections", f"{ours[2]:.1f} ms", "<= 20 ms", ok(ours[2] <= 20))
put("directory search: pgbench p99 at 32 connections, every statement of the request (the database alone)", f"{full[2]:.1f} ms", "", "")
put("call history, first page (20)", fmt(first) + f", {sqls('first'):.1f} SQL/req", "<= 3 SQL/req", ok(sqls("first") <= 3))
put(f"call history, page {deep_rows:,} rows deep", fmt(deep) + f", {sqls('deep'):.1f} SQL/req", "<= 3 SQL/req", ok(sqls("deep") <= 3))
put("call history: deep / first page p50", f"{deep[1] / first[1]:.2f}×", "<= 1.5×", ok(deep[1] <= 1.5 * first[1]))
PY
  for p in "$chorus_pid" "$pgl_launcher"; do kill "$p" 2>/dev/null || true; done
  pkill -f "postgraphile.*-p $pgl_port" 2>/dev/null || true
  wait 2>/dev/null || true
fi

# --- the other scripts ----------------------------------------------------------------------
if want voicemail; then
  echo "== tests/bench/voicemail.sh ${vm_args[*]} --no-record"
  tests/bench/voicemail.sh "${vm_args[@]}" --no-record | tee "$work/voicemail.log" | grep -E '^(==|\|)' || true
fi
if want cutover; then
  echo "== tests/bench/cutover.sh --database-url $DB_URL ${cut_args[*]}"
  tests/bench/cutover.sh --database-url "$DB_URL" "${cut_args[@]}" | tee "$work/cutover.log" | grep -E '^(==|\|)' || true
fi
if want startup; then
  echo "== tests/bench/startup.sh $start_runs"
  tests/bench/startup.sh "$start_runs" | tee "$work/startup.log" | grep -E '^(==|cold|idle)' || true
fi

# --- report --------------------------------------------------------------------------------
took=$(( $(date +%s) - started ))
{
  echo "## $(date -u +%F) — side by side (\`$command_line\`)"
  echo
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
    "$(psql "$admin_url" -AtX -c 'SHOW server_version' | cut -d' ' -f1 | sed 's/^/PostgreSQL /') on the same host;" \
    "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- api storage migration entity 2>/dev/null || echo ' (with local changes)'); release build."
  echo "Data: $PEOPLE people, $CALLS calls in \`$db_name\` ($seed_note). Load: wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}') \`-t2 -c32 -d${DURATION}s\`, $ROUNDS round(s) alternating servers after a 3 s warm-up, medians; pgbench \`-M prepared -c 32 -j 2 -T $DURATION\` (latencies from its per-transaction log). Servers and pgbench connect to PostgreSQL without TLS. Everything, load generators included, shares the $(nproc) cores. Run time ${took} s."
  echo
  echo "| scenario | measured | target | verdict |"
  echo "|---|---|---|---|"
  awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$BENCH_SUMMARY"
} >"$work/report.md"
echo
cat "$work/report.md"
if [ "$RECORD" = 1 ]; then
  { echo; cat "$work/report.md"; } >>tests/bench/RESULTS.md
  echo
  echo "appended to tests/bench/RESULTS.md"
fi
