#!/usr/bin/env bash
# Starts `chorus serve --demo` on a fresh data dir and a free port, waits for /readyz, asks
# `{ me { displayName } }` with a token from `chorus token --person demo-user`, checks that an
# unauthenticated call gets UNAUTHENTICATED, plays the first demo voicemail through its signed
# URL with a Range request, stops the server with SIGTERM, and checks the blob store with
# `chorus storage fsck`.
# Usage: tests/smoke/serve-demo.sh [path/to/chorus]
set -euo pipefail
bin=${1:-./target/debug/chorus}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data-dir "$dir" --listen "127.0.0.1:$port" >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/stderr"; echo "server died"; exit 1; }
  sleep 0.1
done
token=$("$bin" token --person demo-user --data-dir "$dir")
answer=$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"query":"{ me { displayName } }"}' "http://127.0.0.1:$port/graphql")
echo "me: $answer"
echo "$answer" | grep -q '"displayName":"Dev User"' || { echo "unexpected answer"; exit 1; }
anon=$(curl -sS -o /dev/stdout -w ' %{http_code}' -H 'content-type: application/json' \
  -d '{"query":"{ me { displayName } }"}' "http://127.0.0.1:$port/graphql")
echo "anonymous: $anon"
echo "$anon" | grep -q 'UNAUTHENTICATED' && echo "$anon" | grep -q ' 401$' || { echo "anonymous call not refused"; exit 1; }
vm=$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"query":"{ voicemails(first: 1) { totalCount nodes { audioUrl } } }"}' "http://127.0.0.1:$port/graphql")
url=$(echo "$vm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["voicemails"]["nodes"][0]["audioUrl"])')
echo "voicemails: $(echo "$vm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["voicemails"]["totalCount"])')"
head=$(curl -fsS -H 'range: bytes=0-3' -o "$dir/head" -w '%{http_code}' "http://127.0.0.1:$port$url")
magic=$(head -c 4 "$dir/head")
echo "audio: $head $magic"
[ "$head" = 206 ] && { [ "$magic" = RIFF ] || [ "$magic" = fLaC ]; } || { echo "voicemail audio not served"; exit 1; }
kill -TERM $pid
wait $pid
"$bin" storage fsck --data-dir "$dir"
echo "smoke ok"
