#!/usr/bin/env bash
# schemathesis against `chorus serve --demo` on a fresh data dir and a free loopback port, from
# the committed SDL (schema.graphql; introspection may be off in production), as demo-admin and
# then as demo-user, with the hooks of st_hooks.py: strategies for the custom scalars, plausible
# values (real IDs, numbers, cursors of the demo data) and the check `deliberate_errors` (no 5xx,
# every error with an `extensions.code` of the closed set, never INTERNAL). Mutations run too:
# the server and its data are thrown away afterwards. `uploadGreeting` needs a multipart body
# and is left out.
#
# Usage: tests/conformance/schemathesis.sh [path/to/chorus] [OPERATIONS]
#   OPERATIONS: about how many operations to generate in all (default 2000), split evenly over
#   both roles and every query and mutation. Exits non-zero on any failure.
# Env: ST_SEED (default 1, reproducible; "random" for a fresh seed), ST_WORKERS (default 2),
#   ST_REPORT_DIR (keep the NDJSON reports there), CHORUS_DATABASE_URL (e.g. a PostgreSQL
#   database to run the server on instead of SQLite).
set -euo pipefail
bin=${1:-./target/debug/chorus}
total=${2:-2000}
seed=${ST_SEED:-1}
workers=${ST_WORKERS:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ST_VERSION=4.32.5

if ! st --version 2>/dev/null | grep -q "version $ST_VERSION\$"; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/graphql"
# Loopback counts as the University network, so that mailbox settings and greetings are
# exercised rather than refused.
CHORUS_LOG=${CHORUS_LOG:-warn} CHORUS_TRUSTED_NETWORKS=${CHORUS_TRUSTED_NETWORKS:-127.0.0.0/8} "$bin" serve --demo --data-dir "$dir" --listen "127.0.0.1:$port" \
  >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 900); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/stderr"; echo "server died"; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server not ready"; exit 1; }
echo "server ready after ${SECONDS}s"

# Queries and mutations to test: all but uploadGreeting (multipart only).
operations=$(python3 - "$root/schema.graphql" <<'EOF'
import sys, graphql
schema = graphql.build_schema(open(sys.argv[1], encoding="utf-8").read())
print(len(schema.query_type.fields) + len(schema.mutation_type.fields) - 1)
EOF
)
per_op=$(( (total + 2 * operations - 1) / (2 * operations) ))
[ "$per_op" -ge 1 ] || per_op=1
echo "schemathesis $ST_VERSION: $operations operations x 2 roles x up to $per_op examples, seed $seed"

export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=st_hooks CHORUS_ST_SCHEMA="$root/schema.graphql"
generated=0
failed=0
status=0
# IDs, numbers and cursors of the demo data, as the admin and a user see them.
admin=$("$bin" token --person demo-admin --data-dir "$dir")
user=$("$bin" token --person demo-user --data-dir "$dir")
python3 "$here/st_hooks.py" collect "$url" "$dir/demo.json" "$admin" "$user"
for role in admin user; do
  token=$("$bin" token --person "demo-$role" --data-dir "$dir" --ttl 2h)
  report="${ST_REPORT_DIR:-$dir}/report-$role"
  seed_args=()
  [ "$seed" = random ] || seed_args=(--seed "$seed")
  set +e
  CHORUS_ST_DATA="$dir/demo.json" st run "$root/schema.graphql" --url "$url" \
    -H "Authorization: Bearer $token" \
    --phases fuzzing --mode positive --max-examples "$per_op" "${seed_args[@]}" \
    --workers "$workers" --exclude-name Mutation.uploadGreeting \
    --exclude-checks not_a_server_error,positive_data_acceptance \
    --generation-database none --suppress-health-check all --request-timeout 30 \
    --no-color --report ndjson --report-dir "$report" >"$dir/st-$role.log" 2>&1
  rc=$?
  set -e
  # The summary of schemathesis itself (failures with their reproductions come before it).
  sed -n '/^=* FAILURES\|^=* SUMMARY\|^Test cases:\|^Failures:\|^Errors:/,$p' "$dir/st-$role.log" | tail -n 60
  counts=$(python3 - "$report" <<'EOF'
import base64, collections, glob, json, sys
generated = failed = 0
outcomes = collections.Counter()
def user_errors(value):
    if isinstance(value, dict):
        return any((k == "userErrors" and v) or user_errors(v) for k, v in value.items())
    if isinstance(value, list):
        return any(user_errors(v) for v in value)
    return False
for path in glob.glob(sys.argv[1] + "/*.ndjson"):
    for line in open(path, encoding="utf-8"):
        # One ScenarioFinished per tested operation, with its cases, checks and exchanges.
        recorder = (json.loads(line).get("ScenarioFinished") or {}).get("recorder") or {}
        generated += len(recorder.get("cases") or {})
        for checks in (recorder.get("checks") or {}).values():
            failed += sum(1 for c in checks if str(c.get("status")).lower() == "failure")
        for exchange in (recorder.get("interactions") or {}).values():
            response = exchange.get("response") or {}
            try:
                body = json.loads(base64.b64decode(response["content"]["$base64"]))
            except (KeyError, TypeError, ValueError):
                outcomes[f"HTTP {response.get('status_code')} without JSON"] += 1
                continue
            codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
            if codes:
                outcomes.update(str(c) for c in codes)
            elif user_errors(body.get("data")):
                outcomes["userErrors"] += 1
            elif any(v is None for v in (body.get("data") or {}).values()):
                outcomes["null"] += 1
            else:
                outcomes["data"] += 1
print(generated, failed, ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
EOF
)
  read -r g f outcomes <<<"$counts"
  echo "as demo-$role: $g operations generated, $f failed checks, schemathesis exit $rc (${SECONDS}s)"
  echo "  answers: $outcomes"
  generated=$((generated + g))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then
    status=1
    grep -E "^(E|  )" "$dir/st-$role.log" | head -n 40 || true
    [ -s "$dir/stderr" ] && { echo "--- server stderr (tail)"; tail -n 40 "$dir/stderr"; }
  fi
done
if grep -qE "panicked|INTERNAL|internal error" "$dir/stderr"; then
  echo "--- the server logged a panic or an internal error:"
  grep -E -B2 -A8 "panicked|internal error" "$dir/stderr" | head -n 60
  status=1
fi
echo "schemathesis: $generated operations generated, $failed failures"
exit "$status"
