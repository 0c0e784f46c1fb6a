#!/usr/bin/env bash
# Cutover benchmark ("move to Teams"): the MS Teams column and one tranche move at full size.
#
#   tests/bench/cutover.sh [--database-url URL] [--people N] [--calls N] [--reseed]
#                          [--runs N] [--move-runs N] [--tranche-size N] [--group-people N]
#                          [--no-move] [--explain] [--out DIR]
#
# Uses PostgreSQL database chorus_bench_cutover. When it holds no people (or with --reseed) it
# is recreated, migrated and filled with `chorus seed` (default 100,000 people and 10,000,000
# calls: several minutes); otherwise it is reused as it is. Then it starts the release server
# on a free loopback port, makes `p1` an administrator (a role_grant row) and measures:
#   1. GET /v1/teams-column.csv, the whole column (every person), --runs times (default 5);
#   2. teamsEligibility(first: 20) with the counts (computes the whole column too), --runs times;
#   3. `chorus export teams-column > /dev/null` once;
#   4. executeTranche of a FROZEN tranche (number 99) of exactly --tranche-size people (1,500),
#      dry run and real run, --move-runs times (default 1). The tranche is made in SQL from
#      whole movement sets: people of MAIN-tenant units on CHORUS with a personal line, who
#      are no contact-centre agent, have no active device on a CRITICAL line and are in no hunt
#      group with a CRITICAL pilot; first whole hunt groups whose members are in no other hunt
#      group and no EA group, in name order while they fit (at most --group-people people,
#      default all of the tranche), then people in no hunt or EA group, in username order.
#      Everyone gets a `teams` licence and leaves the seeded tranches.
#      Before each run the previous tranche 99 is undone from snapshot tables
#      (bench_cutover_*: platform and preferred device, device status, group platform, pickup
#      memberships), so the move can run again on the same data set.
# Targets: the column (CSV) <= 5 s; the move of 1,500 people <= 2 s.
# Prints a table of min/median/max and the server's peak RSS (VmHWM). The column runs come
# first, so from the second run on they see the previous run's tranche 99 as moved. The server log, the
# responses and (with --explain) EXPLAIN ANALYZE of the column's facts query go to --out
# (default target/bench-cutover).
set -euo pipefail
cd "$(dirname "$0")/../.."
# With BENCH_SUMMARY=file (tests/bench/run.sh), each headline figure is appended to it as
# "scenario<TAB>figure<TAB>target<TAB>verdict".
summary() { [ -z "${BENCH_SUMMARY:-}" ] || printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"; }

DB_URL=postgres://postgres@127.0.0.1:5432/chorus_bench_cutover
PEOPLE=100000
CALLS=10000000
RESEED=0
RUNS=5
MOVE_RUNS=1
SIZE=1500
GROUP_PEOPLE=
MOVE=1
EXPLAIN=0
OUT=target/bench-cutover
while [ $# -gt 0 ]; do
  case "$1" in
    --database-url) DB_URL=$2; shift 2 ;;
    --people) PEOPLE=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --reseed) RESEED=1; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --move-runs) MOVE_RUNS=$2; shift 2 ;;
    --tranche-size) SIZE=$2; shift 2 ;;
    --group-people) GROUP_PEOPLE=$2; shift 2 ;;
    --no-move) MOVE=0; shift ;;
    --explain) EXPLAIN=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
GROUP_PEOPLE=${GROUP_PEOPLE:-$SIZE}
case "$DB_URL" in postgres*) ;; *) echo "cutover.sh needs a PostgreSQL --database-url"; exit 2 ;; esac

cargo build -q --release -p chorus-api
bin=./target/release/chorus
mkdir -p "$OUT"
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

sql() { PGOPTIONS='-c client_min_messages=warning' psql "$DB_URL" -v ON_ERROR_STOP=1 -qAtX "$@"; }
admin="${DB_URL%/*}/postgres"; name="${DB_URL##*/}"
have=0
if [ -n "$(psql "$admin" -qAtXc "select 1 from pg_database where datname = '$name'")" ]; then
  have=$(sql -c "select count(*) from person" 2>/dev/null || echo 0)
fi
if [ "$RESEED" = 1 ] || [ "$have" = 0 ]; then
  PGOPTIONS='-c client_min_messages=warning' psql "$admin" -qc "drop database if exists $name with (force)" -c "create database $name"
  "$bin" migrate --data-dir "$work" --database-url "$DB_URL"
  echo "== seeding $PEOPLE people and $CALLS calls into $DB_URL"
  /usr/bin/time -f "seed: %e s, max RSS %M KB" "$bin" seed --data-dir "$work" --database-url "$DB_URL" \
    --people "$PEOPLE" --calls "$CALLS" 2>&1 | grep -v INFO
  have=$(sql -c "select count(*) from person")
else
  echo "== reusing $DB_URL ($have people, $(sql -c 'select count(*) from call_record') calls)"
fi

# p1 becomes an administrator; the token's roles are read when it is minted.
sql <<'SQL'
INSERT INTO role_grant (id, person_id, role, unit_id, created_at)
SELECT gen_random_uuid(), p.id, 'ADMIN', NULL, now() FROM person p
WHERE p.username = 'p1'
  AND NOT EXISTS (SELECT 1 FROM role_grant r WHERE r.person_id = p.id AND r.role = 'ADMIN' AND r.unit_id IS NULL);
SQL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --data-dir "$work" --database-url "$DB_URL" --listen "127.0.0.1:$port" >"$OUT/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
token=$("$bin" token --person p1 --data-dir "$work" --database-url "$DB_URL" 2>/dev/null)
base="http://127.0.0.1:$port"
hwm() { awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$server/status"; }
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$server/status"; }
rss_start=$(rss)
echo "server pid $server on $base; RSS at start $rss_start"

# time_of FILE-with-seconds... -> min median max
stats() { python3 -c 'import sys,statistics as s; v=[float(x) for x in open(sys.argv[1]).read().split()]; print(f"{min(v):.3f} {s.median(v):.3f} {max(v):.3f} {len(v)}")' "$1"; }
gql() { # body-file out-file -> prints time_total; fails on HTTP errors
  local code t
  read -r code t < <(curl -sS -o "$2" -w '%{http_code} %{time_total}\n' -H 'content-type: application/json' \
    -H "authorization: Bearer $token" --data-binary "@$1" "$base/graphql")
  [ "$code" = 200 ] || { echo "HTTP $code: $(head -c 500 "$2")" >&2; return 1; }
  if grep -q '"errors"' "$2"; then echo "GraphQL errors: $(head -c 500 "$2")" >&2; return 1; fi
  echo "$t"
}

# 1. The column as CSV.
: >"$work/csv.t"
for i in $(seq 1 "$RUNS"); do
  read -r code t < <(curl -sS -o "$work/column.csv" -w '%{http_code} %{time_total}\n' \
    -H "authorization: Bearer $token" "$base/v1/teams-column.csv")
  [ "$code" = 200 ] || { echo "teams-column.csv: HTTP $code: $(head -c 500 "$work/column.csv")"; exit 1; }
  echo "$t" >>"$work/csv.t"
  echo "column CSV run $i: ${t} s"
done
csv_rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$work/column.csv")
csv_bytes=$(stat -c %s "$work/column.csv")
status_counts=$(python3 -c 'import csv,sys,collections; c=collections.Counter(r["status"] for r in csv.DictReader(open(sys.argv[1], newline=""))); print(", ".join(f"{k} {v}" for k,v in sorted(c.items())))' "$work/column.csv")
cp "$work/column.csv" "$OUT/teams-column.csv"

# 2. The GraphQL page (the whole column is computed for the counts).
echo '{"query":"{ teamsEligibility(first: 20) { counts { eligible notNeeded blocked moved } rows { totalCount } } }"}' >"$work/page.json"
: >"$work/page.t"
for i in $(seq 1 "$RUNS"); do
  t=$(gql "$work/page.json" "$work/page.out"); echo "$t" >>"$work/page.t"
  echo "teamsEligibility run $i: ${t} s"
done
page_out=$(cat "$work/page.out")
hwm_column=$(hwm); rss_column=$(rss)

# 3. The CLI export (its own process and connection pool).
/usr/bin/time -f "%e %M" -o "$work/export.time" "$bin" export teams-column --data-dir "$work" --database-url "$DB_URL" >"$work/export.csv"
read -r export_s export_kb <"$work/export.time"
export_rows=$(( $(wc -l <"$work/export.csv") - 1 ))
echo "chorus export teams-column: ${export_s} s, ${export_rows} rows, max RSS $((export_kb / 1024)) MB"

# EXPLAIN ANALYZE of the facts statement for everyone, as the server sends it.
if [ "$EXPLAIN" = 1 ]; then
  python3 - "$work/facts.sql" <<'PY'
import re, sys
src = open("api/src/services/cutover/column.rs").read()
sql = re.search(r'const FACTS_SQL: &str = "(.*?)";', src, re.S).group(1)
sql = sql.replace("{scope}", "1 = 1")
sql = sql.replace("?", "now() - interval '90 days'", 1)
sql = sql.replace("?", "(SELECT id FROM nomination_round ORDER BY created_at DESC LIMIT 1)", 1)
open(sys.argv[1], "w").write("EXPLAIN (ANALYZE, BUFFERS)" + sql + ";\n")
PY
  sql -f "$work/facts.sql" >"$OUT/explain-facts.txt"
  echo "EXPLAIN ANALYZE of FACTS_SQL: $(tail -1 "$OUT/explain-facts.txt") (in $OUT/explain-facts.txt)"
fi

# 4. The move.
setup_tranche() { # undoes the previous tranche 99, makes a new one; prints its id
  sql -v size="$SIZE" -v group_people="$GROUP_PEOPLE" <<'SQL'
BEGIN;
CREATE TABLE IF NOT EXISTS bench_cutover_person AS
  SELECT id, platform, preferred_device_id, updated_at, version FROM person WITH NO DATA;
CREATE TABLE IF NOT EXISTS bench_cutover_device AS SELECT id, status, version FROM device WITH NO DATA;
CREATE TABLE IF NOT EXISTS bench_cutover_hunt AS SELECT id, platform, version FROM hunt_group WITH NO DATA;
CREATE TABLE IF NOT EXISTS bench_cutover_ea AS SELECT id, platform, version FROM ea_group WITH NO DATA;
CREATE TABLE IF NOT EXISTS bench_cutover_pickup AS SELECT * FROM pickup_group_member WITH NO DATA;

-- Undo the previous run.
UPDATE person p SET platform = s.platform, preferred_device_id = s.preferred_device_id,
       updated_at = s.updated_at, version = s.version
  FROM bench_cutover_person s WHERE p.id = s.id;
UPDATE device d SET status = s.status, version = s.version FROM bench_cutover_device s WHERE d.id = s.id;
-- The Teams clients the move made. No call names them, so the foreign-key triggers are
-- skipped: call_record.device_id (ON DELETE SET NULL) has no index of its own, and each
-- deleted device would otherwise scan the whole call table (about 0.8 s per device).
SET LOCAL session_replication_role = replica;
DELETE FROM device d USING bench_cutover_person s
  WHERE d.owner_id = s.id AND d.kind = 'TEAMS_CLIENT'
    AND NOT EXISTS (SELECT 1 FROM bench_cutover_device x WHERE x.id = d.id);
SET LOCAL session_replication_role = origin;
UPDATE hunt_group g SET platform = s.platform, version = s.version FROM bench_cutover_hunt s WHERE g.id = s.id;
UPDATE ea_group g SET platform = s.platform, version = s.version FROM bench_cutover_ea s WHERE g.id = s.id;
INSERT INTO pickup_group_member SELECT * FROM bench_cutover_pickup ON CONFLICT DO NOTHING;
DELETE FROM notification WHERE tranche_id IN (SELECT id FROM tranche WHERE number = 99);
DELETE FROM tranche_member WHERE tranche_id IN (SELECT id FROM tranche WHERE number = 99);
DELETE FROM tranche WHERE number = 99;
TRUNCATE bench_cutover_person, bench_cutover_device, bench_cutover_hunt, bench_cutover_ea, bench_cutover_pickup;

-- Who may move on their own account.
CREATE TEMP TABLE cand ON COMMIT DROP AS
SELECT p.id, p.username FROM person p JOIN unit u ON u.id = p.unit_id
WHERE u.teams_tenant = 'MAIN' AND p.platform = 'CHORUS' AND p.username <> 'p1'
  AND EXISTS (SELECT 1 FROM line l WHERE l.owner_id = p.id AND l.kind = 'PERSONAL')
  AND NOT EXISTS (SELECT 1 FROM cc_agent a WHERE a.person_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM device d JOIN line l ON l.id = d.line_id
                  WHERE d.owner_id = p.id AND d.status = 'ACTIVE' AND l.kind = 'CRITICAL')
  AND NOT EXISTS (SELECT 1 FROM hunt_group_member hm JOIN hunt_group h ON h.id = hm.group_id
                  JOIN line l ON l.id = h.pilot_line_id WHERE hm.person_id = p.id AND l.kind = 'CRITICAL');
-- Hunt groups that are a whole movement set of such people, in name order while they fit.
CREATE TEMP TABLE pick ON COMMIT DROP AS
WITH member AS (
  SELECT m.group_id, m.person_id,
         c.id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM hunt_group_member o WHERE o.person_id = m.person_id AND o.group_id <> m.group_id)
         AND NOT EXISTS (SELECT 1 FROM ea_group_member e WHERE e.person_id = m.person_id) AS ok
  FROM hunt_group_member m LEFT JOIN cand c ON c.id = m.person_id),
grp AS (
  SELECT g.id, g.name, count(DISTINCT m.person_id) AS n FROM hunt_group g JOIN member m ON m.group_id = g.id
  WHERE g.platform = 'CHORUS' GROUP BY g.id, g.name HAVING bool_and(m.ok)),
run AS (SELECT id, n, sum(n) OVER (ORDER BY name, id) AS total FROM grp)
SELECT id AS group_id FROM run WHERE total <= LEAST(:size, :group_people);
CREATE TEMP TABLE sel ON COMMIT DROP AS
SELECT DISTINCT m.person_id AS id FROM hunt_group_member m JOIN pick ON pick.group_id = m.group_id;
INSERT INTO sel
SELECT c.id FROM cand c
WHERE NOT EXISTS (SELECT 1 FROM hunt_group_member m WHERE m.person_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM ea_group_member e WHERE e.person_id = c.id)
ORDER BY c.username LIMIT GREATEST(0, :size - (SELECT count(*) FROM sel));
SELECT 1 / (count(*) = :size)::int FROM sel; -- fails unless exactly :size people

-- Snapshots for the next run's undo.
INSERT INTO bench_cutover_person SELECT p.id, p.platform, p.preferred_device_id, p.updated_at, p.version
  FROM person p JOIN sel ON sel.id = p.id;
INSERT INTO bench_cutover_device SELECT d.id, d.status, d.version FROM device d JOIN sel ON sel.id = d.owner_id;
INSERT INTO bench_cutover_hunt SELECT DISTINCT g.id, g.platform, g.version FROM hunt_group g
  JOIN hunt_group_member m ON m.group_id = g.id JOIN sel ON sel.id = m.person_id;
INSERT INTO bench_cutover_ea SELECT DISTINCT g.id, g.platform, g.version FROM ea_group g
  JOIN ea_group_member m ON m.group_id = g.id JOIN sel ON sel.id = m.person_id;
INSERT INTO bench_cutover_pickup SELECT m.* FROM pickup_group_member m JOIN sel ON sel.id = m.person_id;

-- Licences for all, out of the seeded tranches, into a FROZEN tranche 99.
INSERT INTO licence_assignment (id, pool_id, person_id, assigned_at, assigned_by)
SELECT gen_random_uuid(), lp.id, sel.id, now(), 'bench' FROM sel CROSS JOIN licence_pool lp WHERE lp.name = 'teams'
ON CONFLICT DO NOTHING;
UPDATE licence_pool lp SET assigned_count = a.n, capacity = GREATEST(lp.capacity, a.n), updated_at = now(), version = lp.version + 1
  FROM (SELECT pool_id, count(*) AS n FROM licence_assignment GROUP BY pool_id) a
  WHERE a.pool_id = lp.id AND lp.name = 'teams';
DELETE FROM tranche_member WHERE person_id IN (SELECT id FROM sel);
INSERT INTO tranche (id, number, name, cohort, move_date, capacity, state, created_at, version)
VALUES (gen_random_uuid(), 99, 'Bench 1,500', 'DEPARTMENTAL', current_date + 30, GREATEST(1600, :size), 'FROZEN', now(), 1);
INSERT INTO tranche_member (id, tranche_id, person_id, added_at)
SELECT gen_random_uuid(), t.id, sel.id, now() FROM sel CROSS JOIN tranche t WHERE t.number = 99;
SELECT t.id, (SELECT count(*) FROM pick), (SELECT count(*) FROM bench_cutover_hunt), (SELECT count(*) FROM bench_cutover_pickup)
  FROM tranche t WHERE t.number = 99;
COMMIT;
SQL
}

move_summary() { # response -> "people sets moved_sets"
  python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["data"]["executeTranche"]
sets = p["sets"]; bad = [s for s in sets if not s["moved"]]
errs = p["userErrors"]
print(p["peopleMoved"], len(sets), len(sets) - len(bad), (p["tranche"] or {}).get("state"),
      "ok" if not bad and not errs else "REFUSED:" + json.dumps((bad[:3], errs))[:300])' "$1"
}
: >"$work/dry.t"; : >"$work/move.t"
if [ "$MOVE" = 1 ]; then
  for i in $(seq 1 "$MOVE_RUNS"); do
    setup_start=$(date +%s.%N)
    IFS='|' read -r tranche_uuid groups_taken hunt_groups pickups < <(setup_tranche | tail -1)
    setup_s=$(python3 -c "import time; print(f'{time.time() - $setup_start:.1f}')")
    tid=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(("v1:Tranche:" + sys.argv[1]).encode()).decode().rstrip("="))' "$tranche_uuid")
    echo "tranche 99 ($tranche_uuid): $SIZE people, $hunt_groups whole hunt groups, $pickups pickup memberships; set up in ${setup_s} s"
    for dry in true false; do
      python3 - "$tid" "$dry" >"$work/move.json" <<'PY'
import json, sys
q = ("mutation($t: ID!, $d: Boolean!) { executeTranche(input: { trancheId: $t, dryRun: $d }) "
     "{ peopleMoved tranche { state } sets { moved reason message } userErrors { reason } } }")
print(json.dumps({"query": q, "variables": {"t": sys.argv[1], "d": sys.argv[2] == "true"}}))
PY
      t=$(gql "$work/move.json" "$work/move-$dry.out")
      read -r moved sets sets_ok state verdict < <(move_summary "$work/move-$dry.out")
      cp "$work/move-$dry.out" "$OUT/execute-tranche-dry-$dry.json"
      [ "$dry" = true ] && echo "$t" >>"$work/dry.t" || echo "$t" >>"$work/move.t"
      move_sets=$sets
      echo "executeTranche dryRun=$dry run $i: ${t} s; peopleMoved $moved, sets $sets_ok/$sets, tranche $state, $verdict"
      [ "$verdict" = ok ] && [ "$moved" = "$SIZE" ] || { echo "the move did not go as planned"; exit 1; }
    done
    check=$(sql -c "SELECT
        (SELECT count(*) FROM tranche_member tm JOIN person p ON p.id = tm.person_id WHERE tm.tranche_id = t.id AND p.platform = 'TEAMS'),
        (SELECT count(*) FROM tranche_member tm JOIN device d ON d.owner_id = tm.person_id
          WHERE tm.tranche_id = t.id AND d.kind = 'DESK_PHONE' AND d.status <> 'DISABLED'),
        (SELECT count(*) FROM tranche_member tm JOIN device d ON d.owner_id = tm.person_id
          WHERE tm.tranche_id = t.id AND d.kind = 'TEAMS_CLIENT' AND d.status = 'ACTIVE'),
        t.state FROM tranche t WHERE t.number = 99")
    echo "after the move (on TEAMS | desk phones not disabled | active Teams clients | state): $check"
    [ "$check" = "$SIZE|0|$SIZE|DONE" ] || { echo "unexpected state after the move"; exit 1; }
  done
fi
hwm_all=$(hwm); rss_all=$(rss)

echo
echo "== $(date -u +%FT%TZ) $(nproc) cores, $have people before the run, $DB_URL"
printf '| %-44s | %4s | %8s | %8s | %8s | %s\n' scenario runs "min s" "median s" "max s" target
row() { # name file target
  [ -s "$2" ] || return 0
  read -r mn md mx n < <(stats "$2")
  local verdict=""
  if [ -n "$3" ]; then
    verdict=$(python3 -c "print('met' if $md <= $3 else 'MISSED') ")
    verdict="<= $3 s: $verdict"
  fi
  printf '| %-44s | %4s | %8s | %8s | %8s | %s\n' "$1" "$n" "$mn" "$md" "$mx" "$verdict"
}
row "GET /v1/teams-column.csv ($csv_rows rows)" "$work/csv.t" 5
summary_row() { # scenario file target-seconds
  [ -s "$2" ] || return 0
  read -r mn md mx n < <(stats "$2")
  summary "$1" "median $md s of $n (min $mn, max $mx)" "<= $3 s" "$(python3 -c "print('met' if $md <= $3 else 'MISSED')")"
}
summary_row "MS Teams column, all $csv_rows people (CSV)" "$work/csv.t" 5
summary_row "executeTranche, $SIZE people in ${move_sets:-?} sets" "$work/move.t" 2
row "teamsEligibility(first: 20) + counts" "$work/page.t" ""
echo "$export_s" >"$work/export.t"; row "chorus export teams-column > /dev/null" "$work/export.t" ""
row "executeTranche dryRun ($SIZE people, ${move_sets:-?} sets)" "$work/dry.t" ""
row "executeTranche ($SIZE people, ${move_sets:-?} sets)" "$work/move.t" 2
echo "CSV: $csv_bytes bytes; statuses: $status_counts"
echo "teamsEligibility: $page_out"
echo "server VmRSS at start / after the column runs / after the moves: $rss_start / $rss_column / $rss_all;" \
  "VmHWM after the column runs $hwm_column, at the end $hwm_all; export max RSS $((export_kb / 1024)) MB"
