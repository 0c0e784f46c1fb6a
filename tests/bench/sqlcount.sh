#!/usr/bin/env bash
# Counts the SQL statements PostgreSQL executes per HTTP request, for any server.
#
#   tests/bench/sqlcount.sh [-w WARMUP] DBNAME N -- CURL_ARGS...
#   e.g. tests/bench/sqlcount.sh chorus_pgl_dev 20 -- http://127.0.0.1:5678/graphql \
#          -H 'content-type: application/json' --data-binary @body.json
#
# Turns on `log_statement = 'all'` (ALTER SYSTEM + pg_reload_conf(); no restart), sends WARMUP
# (default 3) requests that are not counted, notes the server log's size, sends N identical
# requests one after another (curl -sS CURL_ARGS), waits a moment, restores the setting, and
# counts the log lines for database DBNAME that are statements: `LOG:  statement: ...` (simple
# protocol; BEGIN/COMMIT count) and `LOG:  execute <name>: ...` (extended protocol, logged once
# per Execute; Parse/Bind are not logged). Prints statements per request as a decimal on
# stdout; a breakdown (first 100 characters of each distinct statement, with counts) goes to
# stderr. Fails if a request is not 2xx or its body contains "errors".
#
# Why warm-up requests after the reload: an idle backend applies a reload only after the
# next message it reads, so a pooled connection's first simple-protocol statement after the
# reload may still run unlogged.
# Caveats: the setting is cluster-wide while it is on (other databases log too, but are not
# counted); anything else using DBNAME during the run is counted. Runs are serialised with a
# lock file.
# With SQLCOUNT_CAPTURE=file, the counted log lines of DBNAME are kept there.
# Env: PGADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PGLOG (default
# /var/log/postgresql/postgresql-15-main.log; logging_collector is off, stderr goes there).
set -euo pipefail

WARMUP=3
while getopts w: opt; do
  case $opt in
    w) WARMUP=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 4 ] && [ "$3" = "--" ] || { sed -n '2,5p' "$0" >&2; exit 2; }
DB=$1 N=$2
shift 3
ADMIN=${PGADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
LOG=${PGLOG:-/var/log/postgresql/postgresql-15-main.log}
[ -r "$LOG" ] || { echo "cannot read the server log $LOG (set PGLOG)" >&2; exit 1; }

sql() { psql "$ADMIN" -XAtqv ON_ERROR_STOP=1 -c "$1"; }

exec 9>/tmp/chorus-sqlcount.lock
flock 9

work=$(mktemp -d)
# Settings to restore: RESET unless they were already set by ALTER SYSTEM (then set them back).
restore=()
for name in log_statement log_line_prefix; do
  line=$(sql "select setting || '|' || coalesce(sourcefile, '') from pg_settings where name = '$name'")
  value=${line%|*} source=${line##*|}
  if [[ $source == *postgresql.auto.conf ]]; then
    restore+=("ALTER SYSTEM SET $name = '${value//\'/\'\'}'")
  else
    restore+=("ALTER SYSTEM RESET $name")
  fi
done
restored=0
restore_settings() {
  [ "$restored" = 1 ] && return
  restored=1
  for s in "${restore[@]}"; do sql "$s" >/dev/null || true; done
  sql "select pg_reload_conf()" >/dev/null || true
}
trap 'restore_settings; rm -rf "$work"' EXIT

prefix=$(sql "show log_line_prefix")
if [[ $prefix != *%d* ]]; then
  # The database name must be in each line to filter by it.
  sql "ALTER SYSTEM SET log_line_prefix = '${prefix//\'/\'\'}db=%d '" >/dev/null
fi
sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
sql "select pg_reload_conf()" >/dev/null
sleep 1

request() { # -> fails unless 2xx and no "errors"
  local code
  code=$(curl -sS -o "$work/body" -w '%{http_code}' "$@")
  if [[ $code != 2* ]] || grep -q '"errors"' "$work/body"; then
    echo "request failed (HTTP $code): $(head -c 500 "$work/body")" >&2
    return 1
  fi
}
for _ in $(seq 1 "$WARMUP"); do request "$@"; done
sleep 0.3
start=$(stat -c %s "$LOG")
for _ in $(seq 1 "$N"); do request "$@"; done
sleep 1
tail -c +"$((start + 1))" "$LOG" >"$work/log"
restore_settings

awk -v db="$DB" '
  function words(s) { gsub(/[^A-Za-z0-9_]/, " ", s); return " " s " " }
  BEGIN { want = words(db) }
  {
    i = index($0, "LOG:  ")
    if (i == 0) next
    if (index(words(substr($0, 1, i - 1)), want) == 0) next
    rest = substr($0, i + 6)
    if (rest ~ /^statement: /) { sub(/^statement: /, "", rest) }
    else if (rest ~ /^execute [^:]*: /) { sub(/^execute [^:]*: /, "", rest) }
    else next
    print substr(rest, 1, 100)
  }' "$work/log" >"$work/statements" || true
if [ -n "${SQLCOUNT_CAPTURE:-}" ]; then
  # The log lines of DBNAME (statements, their parameters, continuation lines), for
  # tests/bench/pgbench_script.py.
  awk -v db="$DB" '
    function words(s) { gsub(/[^A-Za-z0-9_]/, " ", s); return " " s " " }
    BEGIN { want = words(db) }
    /^\t/ { if (keep) print; next }
    {
      i = index($0, " LOG:  "); if (i == 0) i = index($0, " DETAIL:  ")
      keep = (i > 0 && index(words(substr($0, 1, i)), want) > 0)
      if (keep) print
    }' "$work/log" >"$SQLCOUNT_CAPTURE"
fi
total=$(wc -l <"$work/statements")
{
  echo "$total statements for $N requests to database $DB:"
  sort "$work/statements" | uniq -c | sort -rn
} >&2
awk -v t="$total" -v n="$N" 'BEGIN { printf "%.2f\n", t / n }'
