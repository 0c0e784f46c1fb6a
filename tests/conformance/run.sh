#!/usr/bin/env bash
# The external conformance suites against a real `chorus serve --demo`:
# - audit.mjs: the graphql-http server audits (GraphQL over HTTP), 0 MUST / 0 SHOULD failures;
# - ws.mjs: graphql-transport-ws with the graphql-ws client (a voicemail subscription round
#   trip through the PBX ingest route) and raw probes of the close codes;
# - graphiql.mjs: GraphiQL in headless Chromium, screenshot in target/conformance/graphiql.png.
# Installs what is missing (node_modules with `npm ci`, Debian's chromium), starts the server on a
# fresh data dir and a free loopback port (with a 2 s WebSocket init timeout, for the 4408
# probe), runs every suite even when one fails, stops the server, and prints one summary line
# per suite. Exits 1 if any suite failed.
# Usage: bash tests/conformance/run.sh [path/to/chorus]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/chorus}")
[ -x "$bin" ] || { echo "conformance: no chorus binary at $bin (cargo build first)"; exit 2; }

if [ ! -d "$here/node_modules" ]; then
  echo "conformance: npm ci"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "conformance: installing chromium"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null
fi

dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"
init_timeout=2
CHORUS_WS_INIT_TIMEOUT_SECONDS=$init_timeout CHORUS_LOG=warn \
  "$bin" serve --demo --data-dir "$dir" --listen "127.0.0.1:$port" >"$dir/server.out" 2>"$dir/server.err" &
pid=$!
ready=
for _ in $(seq 1 1200); do
  if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "conformance: the server did not become ready"; tail -n 20 "$dir/server.err"; exit 1
fi
user_token=$("$bin" token --person demo-user --data-dir "$dir")
pbx_token=$("$bin" token --person demo-automation --data-dir "$dir")

summaries=()
status=0
# Runs one suite (bounded in time), keeps its last line as the summary.
suite() {
  local name=$1; shift
  echo "=== conformance: $name"
  local log="$dir/$name.log" rc=0
  timeout 180 "$@" 2>&1 | tee "$log" || rc=$?
  local last
  last=$(grep -v '^\s*$' "$log" | tail -n 1 || true)
  if [ "$rc" -ne 0 ]; then
    status=1
    summaries+=("$name: FAILED (exit $rc): $last")
  else
    summaries+=("$last")
  fi
}
cd "$here"
suite audit env TOKEN="$user_token" node audit.mjs "$base/graphql"
suite ws env USER_TOKEN="$user_token" PBX_TOKEN="$pbx_token" WS_INIT_TIMEOUT_SECONDS=$init_timeout \
  node ws.mjs "$base"
suite graphiql env TOKEN="$user_token" CHROMIUM="$chromium" \
  node graphiql.mjs "$base" "$root/target/conformance/graphiql.png"

if ! kill -0 "$pid" 2>/dev/null; then
  echo "conformance: the server died during the suites"; tail -n 20 "$dir/server.err"; status=1
fi
echo "=== conformance summary"
printf '%s\n' "${summaries[@]}"
exit $status
