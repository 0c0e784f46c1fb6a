#!/usr/bin/env bash
# A short run of each cargo-fuzz target (default 20000 inputs each) from the committed seeds,
# for a quick check that nothing crashes. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); the first build takes long (see README.md).
# Usage: tests/fuzz/smoke.sh [RUNS] [TARGET...]   (targets: audio_probe ids_and_cursors nested_requests)
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-20000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audio_probe ids_and_cursors nested_requests)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
for target in "${targets[@]}"; do
  features=()
  limits=(-max_len=32768)
  case "$target" in ids_and_cursors | nested_requests) features=(--features api) ;; esac
  [ "$target" = nested_requests ] && limits=(-max_len=65536 -rss_limit_mb=4096)
  work=$(mktemp -d)
  seeds=(seeds/$target)
  [ "$target" = audio_probe ] && seeds+=(../../storage/tests/fixtures)
  status=0
  cargo +nightly fuzz run "${features[@]}" "$target" "$work" "${seeds[@]}" -- \
    -runs="$runs" -timeout=30 "${limits[@]}" -print_final_stats=1 >"$work.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|Done )|ERROR|panicked' "$work.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$work.log"
    echo "fuzz smoke: $target FAILED (crash input under tests/fuzz/artifacts/$target)"
    exit 1
  fi
  rm -rf "$work" "$work.log"
  echo "fuzz smoke: $target ok"
done
