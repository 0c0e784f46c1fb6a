#!/usr/bin/env bash
# Voicemail benchmark: ingest rate, download throughput next to nginx, memory while streaming.
#
#   tests/bench/voicemail.sh [--messages N] [--concurrency 4,1] [--duration S] [--rss-duration S] [--no-record]
#
# Starts the release server with --demo on a fresh SQLite data dir and local blob store, on a
# free loopback port, and measures:
#   1. ingest: N (default 200) distinct 60-s 8 kHz G.711 µ-law WAVs per concurrency level
#      (default 4, then 1), POSTed by demo-automation to demo-user's mailbox over keep-alive
#      connections: messages/s and p50/p99 latency;
#   2. download: one ~1 MB µ-law message (125 s) from /v1/voicemails/{id}/audio, and nginx
#      (2 workers, sendfile) serving the bytes the API returned from disk, each with
#      wrk -t2 -c32 -d<S>s (default 10) after a 3 s warm-up: req/s, MB/s, ratio (target >= 0.70);
#   3. memory: the server's VmRSS, sampled every 100 ms, during wrk -t2 -c100 -d<S>s (default 5)
#      on the 1 MB message and on a ~10 MB one (16-bit PCM, 44.1 kHz, 120 s), each run on a
#      freshly started server. A streamed body keeps the peak flat as the file grows.
# Prints the report and appends it, dated and with this command, to tests/bench/RESULTS.md
# (not with --no-record). CHORUS_BIN=path runs that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/../.."
# With BENCH_SUMMARY=file (tests/bench/run.sh), each headline figure is appended to it as
# "scenario<TAB>figure<TAB>target<TAB>verdict".
summary() { [ -z "${BENCH_SUMMARY:-}" ] || printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"; }
command_line="tests/bench/voicemail.sh${*:+ $*}"

MESSAGES=200
CONCURRENCY=4,1
DURATION=10
RSS_DURATION=5
RECORD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) MESSAGES=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rss-duration) RSS_DURATION=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
IFS=, read -ra levels <<<"$CONCURRENCY"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ -n "${CHORUS_BIN:-}" ]; then
  bin=$CHORUS_BIN
else
  cargo build -q --release -p chorus-api
  bin=./target/release/chorus
fi

work=$(mktemp -d)   # data dir, audio, tokens: private
www=$(mktemp -d)    # nginx prefix: config, logs, temp paths and the one file it serves
server=''
nginx_pid=''
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work" "$www"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; } # pid field -> kB
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k/1024}'; }        # kB -> "12.3 MB"
commas() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }          # 1000058 -> 1,000,058

# --- audio --------------------------------------------------------------------------------
# Each ingest file is a 60-s window, at its own offset, of one long encoded sweep plus noise,
# with its own random flips of the µ-law code's low bit (±1 quantisation step), so no two
# files are alike and making 400 of them takes a second rather than minutes.
load=$(cut -d' ' -f1 /proc/loadavg)   # before any work of ours: anything else running shows here
warmup=5
total=$(( MESSAGES * ${#levels[@]} + warmup ))
echo "== generating $total ingest files, a 1 MB and a 10 MB message"
python3 - "$work/audio" "$total" <<'PY'
import array, math, os, random, struct, sys

out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)

def ulaw_table():
    """G.711 µ-law code of every 16-bit sample, indexed by the sample read as unsigned."""
    table = bytearray(65536)
    for u in range(65536):
        s = u - 65536 if u >= 32768 else u
        sign = 0x80 if s < 0 else 0
        m = min(abs(s), 32635) + 0x84  # clip, add the bias
        exp = m.bit_length() - 8       # segment 0..7
        table[u] = ~(sign | exp << 4 | (m >> (exp + 3)) & 0x0F) & 0xFF
    return bytes(table)

def signal(rate, seconds, seed, amplitude=9000, noise=700):
    """16-bit samples: a tone sweeping 300 Hz -> 3.4 kHz (log) every 7 s, plus triangular noise."""
    rnd = random.Random(seed).random
    n = int(rate * seconds)
    samples = array.array("h", bytes(2 * n))
    lo, span, period = math.log(300), math.log(3400 / 300), 7.0 * rate
    step, phase, sin, exp = 2 * math.pi / rate, 0.0, math.sin, math.exp
    for i in range(n):
        phase += step * exp(lo + span * (i % period) / period)
        samples[i] = int(amplitude * sin(phase) + noise * (rnd() + rnd() - 1))
    return samples

def ulaw(samples):
    return bytes(map(ULAW.__getitem__, array.array("H", samples.tobytes())))

def riff(chunks):
    body = b"WAVE" + b"".join(c + struct.pack("<I", len(d)) + d + b"\0" * (len(d) % 2) for c, d in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body

def wav_ulaw(data, rate=8000):
    """As a PBX writes it: format tag 7, 8 bits, mono, a fact chunk."""
    fmt = struct.pack("<HHIIHHH", 7, 1, rate, rate, 1, 8, 0)
    return riff([(b"fmt ", fmt), (b"fact", struct.pack("<I", len(data))), (b"data", data)])

def wav_pcm16(samples, rate):
    fmt = struct.pack("<HHIIHH", 1, 1, rate, 2 * rate, 2, 16)
    return riff([(b"fmt ", fmt), (b"data", samples.tobytes())])

ULAW = ulaw_table()
n = 60 * 8000
base = ulaw(signal(8000, 90, seed=1))
ones = int.from_bytes(b"\x01" * n, "little")
rng = random.Random(2)
for i in range(count):
    offset = i * 997 % (len(base) - n)
    window = int.from_bytes(base[offset:offset + n], "little")
    flips = int.from_bytes(rng.randbytes(n), "little") & ones
    with open(os.path.join(out, f"msg-{i:04d}.wav"), "wb") as f:
        f.write(wav_ulaw((window ^ flips).to_bytes(n, "little")))
with open(os.path.join(out, "msg-1mb.wav"), "wb") as f:
    f.write(wav_ulaw(ulaw(signal(8000, 125, seed=3))))
with open(os.path.join(out, "msg-10mb.wav"), "wb") as f:
    f.write(wav_pcm16(signal(44100, 120, seed=4, amplitude=12000), 44100))
PY
ingest_bytes=$(stat -c %s "$work/audio/msg-0000.wav")

# --- server -------------------------------------------------------------------------------
port=$(free_port)
base_url="http://127.0.0.1:$port"
start_server() { # (re)starts chorus on the same data dir and port; sets $server
  CHORUS_LOG=warn "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" \
    >"$work/server.out" 2>>"$work/server.log" &
  server=$!
  until curl -fsS -o /dev/null "$base_url/readyz" 2>/dev/null; do
    kill -0 "$server" 2>/dev/null || { echo "chorus exited:"; cat "$work/server.log"; exit 1; }
    sleep 0.1
  done
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=''; }
echo "== starting chorus (the first start seeds the demo university)"
start_server
token_of() { sed -n "s/^$1: //p" "$work/server.out"; }
user=$(token_of demo-user)
automation=$(token_of demo-automation)
if [ -z "$user" ] || [ -z "$automation" ]; then echo "no demo tokens on stdout:"; cat "$work/server.out"; exit 1; fi
number=$(curl -fsS -H "authorization: Bearer $user" -H 'content-type: application/json' \
  -d '{"query":"{ me { lines { number extension } } }"}' "$base_url/graphql" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["me"]["lines"][0]["number"])')
mailbox=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$number")
run_id=$(date +%s)   # pbxMessageIds are unique per run, though each run has a fresh database

ingest_one() { # file pbx-message-id -> prints the voicemail id
  local code
  code=$(curl -sS -o "$work/ingest.json" -w '%{http_code}' -H "authorization: Bearer $automation" \
    -H 'content-type: audio/wav' --data-binary "@$1" \
    "$base_url/v1/mailboxes/$mailbox/voicemails?pbxMessageId=$2")
  case "$code" in
    201) ;;
    *) echo "ingest of $1 answered $code: $(cat "$work/ingest.json")" >&2; return 1 ;;
  esac
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/ingest.json"
}

# --- 1. ingest ----------------------------------------------------------------------------
cat >"$work/ingest.py" <<'PY'
"""Uploads files [first, first+count) over `concurrency` keep-alive connections; prints a table row."""
import datetime, http.client, itertools, sys, threading, time, urllib.parse

host, port, mailbox, token, run, concurrency, folder, first, count = sys.argv[1:]
port, concurrency, first, count = int(port), int(concurrency), int(first), int(count)
bodies = [open(f"{folder}/msg-{first + i:04d}.wav", "rb").read() for i in range(count)]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
headers = {"authorization": "Bearer " + token, "content-type": "audio/wav"}
next_index, lock = itertools.count(), threading.Lock()
latencies, failures, sent = [], {}, 0

def path(i):
    query = urllib.parse.urlencode({
        "pbxMessageId": f"bench-{run}-{first + i}",
        "caller": f"+4418655{first + i:05d}",
        "receivedAt": (now - datetime.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    return f"/v1/mailboxes/{mailbox}/voicemails?{query}"

def worker():
    global sent
    conn = http.client.HTTPConnection(host, port, timeout=120)
    while True:
        with lock:
            i = next(next_index)
        if i >= count:
            break
        t0 = time.perf_counter()
        try:
            conn.request("POST", path(i), bodies[i], headers)
            response = conn.getresponse()
            response.read()
            outcome = response.status
        except (OSError, http.client.HTTPException) as e:
            outcome = type(e).__name__
            conn.close()
        elapsed = time.perf_counter() - t0
        with lock:
            if outcome == 201:
                latencies.append(elapsed)
                sent += len(bodies[i])
            else:
                failures[outcome] = failures.get(outcome, 0) + 1
    conn.close()

started = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - started

latencies.sort()
def pct(q):  # nearest rank, in ms
    return latencies[max(0, -(-len(latencies) * q // 100) - 1)] * 1000 if latencies else float("nan")
errors = ", ".join(f"{n}× {k}" for k, n in failures.items()) or "0"
print(f"| {concurrency} | {count} | {len(latencies) / wall:.1f} | {sent / 1e6 / wall:.1f} | {pct(50):.1f} ms | {pct(99):.1f} ms | {errors} |")
PY

echo "== ingest: $MESSAGES messages at concurrency ${levels[*]}"
for i in $(seq 0 $((warmup - 1))); do
  ingest_one "$work/audio/msg-$(printf %04d "$i").wav" "bench-$run_id-$i" >/dev/null
done
ingest_rows=()
first=$warmup
for c in "${levels[@]}"; do
  ingest_rows+=("$(python3 "$work/ingest.py" 127.0.0.1 "$port" "$mailbox" "$automation" "$run_id" "$c" \
    "$work/audio" "$first" "$MESSAGES")")
  echo "${ingest_rows[-1]}"
  first=$((first + MESSAGES))
done

# --- 2. download next to nginx ------------------------------------------------------------
id_1mb=$(ingest_one "$work/audio/msg-1mb.wav" "bench-$run_id-1mb")
id_10mb=$(ingest_one "$work/audio/msg-10mb.wav" "bench-$run_id-10mb")
audio_url() { echo "$base_url/v1/voicemails/$1/audio"; }
mkdir -p "$www/html" "$www/logs" "$www/tmp"
curl -fsS -D "$work/audio.headers" -H "authorization: Bearer $user" -o "$www/html/msg-1mb.wav" "$(audio_url "$id_1mb")"
size_1mb=$(stat -c %s "$www/html/msg-1mb.wav")
size_10mb=$(curl -fsS -H "authorization: Bearer $user" -o /dev/null -w '%{size_download}' "$(audio_url "$id_10mb")")
if cmp -s "$www/html/msg-1mb.wav" "$work/audio/msg-1mb.wav"; then
  served="the uploaded bytes"
else
  served="not the uploaded $(stat -c %s "$work/audio/msg-1mb.wav") bytes"
fi
content_type=$(awk -F': *' 'tolower($1)=="content-type" {sub(/\r$/, "", $2); print $2}' "$work/audio.headers")

nginx_port=$(free_port)
cat >"$www/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $www/nginx.pid;
error_log $www/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;  # hyper has no per-connection limit; nginx's default is 1000
  types { audio/wav wav; }
  client_body_temp_path $www/tmp/body;
  proxy_temp_path $www/tmp/proxy;
  fastcgi_temp_path $www/tmp/fastcgi;
  uwsgi_temp_path $www/tmp/uwsgi;
  scgi_temp_path $www/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $www/html;
  }
}
EOF
as_nobody=()
if [ "$(id -u)" = 0 ]; then  # unprivileged even when the script runs as root
  chown -R nobody "$www"
  as_nobody=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi
"${as_nobody[@]}" "$nginx_bin" -p "$www" -c "$www/nginx.conf" -e "$www/logs/error.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port/msg-1mb.wav"
until curl -fsS -o /dev/null "$nginx_url" 2>/dev/null; do
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx exited:"; cat "$www/logs/error.log"; exit 1; }
  sleep 0.1
done
curl -fsS "$nginx_url" | cmp -s - "$www/html/msg-1mb.wav" || { echo "nginx serves other bytes"; exit 1; }

wrk_row() { # name wrk-output body-bytes -> "| name | req/s | MB/s | p50 | p99 | errors |"
  python3 - "$@" <<'PY'
import re, sys
name, path, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path).read()
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50, p99 = (ms(re.search(rf"^\s+{q}%\s+(\S+)", text, re.M).group(1)) for q in (50, 99))
errors = "; ".join(m.strip() for m in re.findall(r"^\s*(Non-2xx.*|Socket errors.*)$", text, re.M)) or "0"
print(f"| {name} | {rps:,.1f} | {rps * size / 1e6:,.1f} | {p50:.1f} ms | {p99:.1f} ms | {errors} |")
PY
}
download() { # name url [wrk header args] -> prints and leaves the table row in $work/<name>.row
  local name=$1 url=$2; shift 2
  wrk -t2 -c32 -d3s "$@" "$url" >/dev/null
  wrk -t2 -c32 -d"${DURATION}s" --latency "$@" "$url" >"$work/$name.out"
  wrk_row "$name" "$work/$name.out" "$size_1mb" | tee "$work/$name.row"
}
rps() { awk '/Requests\/sec/ {print $2}' "$work/$1.out"; }
echo "== download: $size_1mb bytes, wrk -t2 -c32 -d${DURATION}s"
download chorus "$(audio_url "$id_1mb")" -H "authorization: Bearer $user"
download nginx "$nginx_url"
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=''
ratio=$(awk -v a="$(rps chorus)" -v b="$(rps nginx)" 'BEGIN {printf "%.2f", a/b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.70 ? "meets" : "misses")}')

# --- 3. memory while streaming ------------------------------------------------------------
cat >"$work/sample.py" <<'PY'
"""Prints the largest VmRSS (kB) of a process, read every 100 ms until a stop file appears."""
import os, sys, time
pid, stop = sys.argv[1], sys.argv[2]
peak = 0
while not os.path.exists(stop):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                peak = max(peak, int(line.split()[1]))
    time.sleep(0.1)
print(peak)
PY
rss_run() { # name label voicemail-id body-bytes -> prints and leaves the row in $work/<name>.row
  local name=$1 label=$2 id=$3 size=$4 before peak hwm after hwm_note=''
  stop_server
  start_server
  curl -fsS -o /dev/null -H "authorization: Bearer $user" "$(audio_url "$id")"
  sleep 1
  before=$(status "$server" VmRSS)
  # "5" resets the high-water mark to the current RSS (Linux >= 4.0), so VmHWM is this run's.
  { echo 5 >"/proc/$server/clear_refs"; } 2>/dev/null || hwm_note=' (since start)'
  rm -f "$work/stop"
  python3 "$work/sample.py" "$server" "$work/stop" >"$work/peak" &
  local sampler=$!
  wrk -t2 -c100 -d"${RSS_DURATION}s" --timeout 30s -H "authorization: Bearer $user" \
    "$(audio_url "$id")" >"$work/$name.out"
  touch "$work/stop"
  wait "$sampler"
  peak=$(cat "$work/peak")
  hwm=$(status "$server" VmHWM)
  sleep 1
  after=$(status "$server" VmRSS)
  echo "$peak" >"$work/$name.peak"
  printf '| %s | %s | %s | %s | %s | %s%s | %s |\n' "$label" "$(commas "$size")" "$(awk -v r="$(rps "$name")" 'BEGIN {printf "%.1f", r}')" \
    "$(mb "$before")" "$(mb "$peak")" "$(mb "$hwm")" "$hwm_note" "$(mb "$after")" | tee "$work/$name.row"
}
echo "== memory: wrk -t2 -c100 -d${RSS_DURATION}s on the 1 MB and the 10 MB message"
rss_run rss-1mb "1 MB µ-law" "$id_1mb" "$size_1mb"
rss_run rss-10mb "10 MB PCM 16-bit" "$id_10mb" "$size_10mb"
growth=$(awk -v a="$(cat "$work/rss-1mb.peak")" -v b="$(cat "$work/rss-10mb.peak")" 'BEGIN {printf "%.2f", b/a}')

# --- report -------------------------------------------------------------------------------
{
  echo "## $(date -u +%F) — voicemail ingest, download and memory"
  echo
  echo "\`$command_line\` on $(nproc) cores and $(free -g | awk '/^Mem:/ {print $2}') GiB (load average $load at the start), release build; SQLite and the local blob store in a temp dir; $("$nginx_bin" -v 2>&1 | sed 's/.*version: //'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'); everything on 127.0.0.1."
  echo
  echo "Ingest of distinct 60-s 8 kHz µ-law WAVs ($(commas "$ingest_bytes") bytes each) into one mailbox, after $warmup warm-up uploads; latency is request sent to response read; MB = 10^6 bytes."
  echo
  echo "| concurrency | messages | messages/s | MB/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ingest_rows[@]}"
  echo
  echo "Download of a 125-s µ-law message, served as $(commas "$size_1mb") bytes ($content_type, $served); nginx ${as_nobody[*]:+as nobody, }with 2 workers and sendfile serves the same bytes from disk. \`wrk -t2 -c32 -d${DURATION}s\` after a 3 s warm-up each; MB/s counts bodies only."
  echo
  echo "| server | req/s | MB/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|"
  cat "$work/chorus.row" "$work/nginx.row"
  echo
  echo "chorus/nginx: $ratio ($verdict the target of 0.70)."
  echo
  echo "Server memory during \`wrk -t2 -c100 -d${RSS_DURATION}s\`, each on a freshly started server after one download: VmRSS before, its largest value sampled every 100 ms, VmHWM of the run, VmRSS 1 s after."
  echo
  echo "| file | bytes served | req/s | RSS before | peak RSS | VmHWM | RSS after |"
  echo "|---|---|---|---|---|---|---|"
  cat "$work/rss-1mb.row" "$work/rss-10mb.row"
  echo
  echo "Peak RSS, 10 MB over 1 MB: $growth×. Holding 100 bodies in memory would take $(commas $((size_1mb * 100 / 1000000))) MB and $(commas $((size_10mb * 100 / 1000000))) MB."
} >"$work/report.md"
echo
cat "$work/report.md"
first_ingest=${ingest_rows[0]}
ingest_rate=$(awk -F'|' '{gsub(/[ ,]/, "", $4); print $4}' <<<"$first_ingest")
ingest_c=$(awk -F'|' '{gsub(/ /, "", $2); print $2}' <<<"$first_ingest")
summary "voicemail ingest, 60 s G.711 WAV, SQLite, $ingest_c concurrent" "$ingest_rate messages/s" ">= 300/s" \
  "$(awk -v r="$ingest_rate" 'BEGIN {print (r >= 300 ? "met" : "MISSED")}')"
summary "voicemail 1 MB download: chorus / nginx req/s" "$(rps chorus) / $(rps nginx) = $ratio" ">= 0.70" \
  "$([ "$verdict" = meets ] && echo met || echo MISSED)"
summary "voicemail download peak RSS, 10 MB / 1 MB file" "$(mb "$(cat "$work/rss-10mb.peak")") / $(mb "$(cat "$work/rss-1mb.peak")") = $growth×" "flat (< 10×, the file ratio)" \
  "$(awk -v g="$growth" 'BEGIN {print (g < 10 ? "met" : "MISSED")}')"
if [ "$RECORD" = 1 ]; then
  { echo; cat "$work/report.md"; } >>tests/bench/RESULTS.md
  echo
  echo "appended to tests/bench/RESULTS.md"
fi
