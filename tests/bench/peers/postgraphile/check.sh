#!/usr/bin/env bash
# Checks the PostGraphile peer: runs query.graphql (the directory search the benchmark uses)
# and prints the displayName of each result. Exits non-zero on an HTTP or GraphQL error.
#
#   tests/bench/peers/postgraphile/check.sh DB_URL PORT
#
# DB_URL is only used to check that pgl.directory_search exists (search.sql was applied).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DB_URL PORT" >&2; exit 2; }
cd "$(dirname "$0")"
DB_URL=$1 PORT=$2
psql "$DB_URL" -XAtqc "select 'pgl.directory_search(text)'::regprocedure" >/dev/null ||
  { echo "pgl.directory_search is missing: psql \"$DB_URL\" -f search.sql" >&2; exit 1; }
body=$(python3 -c 'import json,sys; print(json.dumps({"query": open("query.graphql").read()}))')
out=$(curl -sS --fail-with-body -H 'content-type: application/json' --data-binary "$body" "http://127.0.0.1:$PORT/graphql") ||
  { echo "HTTP error: $out" >&2; exit 1; }
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
if r.get("errors") or not r.get("data"):
    print(json.dumps(r.get("errors"), indent=1), file=sys.stderr)
    sys.exit(1)
nodes = r["data"]["directorySearch"]["nodes"]
for n in nodes:
    lines = ", ".join(f'{l["e164"]} x{l["extension"]}' for l in n["linesByOwnerId"]["nodes"])
    print(f'{n["displayName"]:<32} {n["unitByUnitId"]["name"]:<40} {lines}')
print(f"{len(nodes)} results", file=sys.stderr)
PY
