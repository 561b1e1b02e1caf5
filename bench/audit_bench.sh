#!/usr/bin/env bash
# Throughput and peak memory of `kvet audit` on one core, on a ≥ 1 GB JSON-lines audit log
# replayed from the real events of ../shared/testdata/audit (bench/make_audit_log.py).
#
# Usage: bench/audit_bench.sh [--size-mb N] [--runs N] [--users N]
# Environment: KVET_BIN=/path/to/kvet to measure that binary instead of building one;
# AUDIT_TESTDATA=/path/to/testdata/audit for the source events.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=1100
RUNS=3
USERS=400
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mb) SIZE_MB="${2:?}"; shift 2 ;;
    --runs) RUNS="${2:?}"; shift 2 ;;
    --users) USERS="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

SRC="${AUDIT_TESTDATA:-../shared/testdata/audit}"
LOG="bench/out/audit-${SIZE_MB}mb.log"
mkdir -p bench/out
if [[ ! -s "$LOG" ]]; then
  python3 bench/make_audit_log.py "$SRC" "$LOG" --size-mb "$SIZE_MB" --users "$USERS"
fi
if [[ -z "${KVET_BIN:-}" ]]; then
  cargo build --release --locked -p kvet >&2
  KVET_BIN=target/release/kvet
fi

BYTES=$(stat -c %s "$LOG")
# Warm the page cache so the first run measures kvet, not the disk.
cat "$LOG" > /dev/null

best=""
for i in $(seq "$RUNS"); do
  taskset -c 0 /usr/bin/time -v -o bench/out/time.txt \
    "$KVET_BIN" audit "$LOG" --format json -o bench/out/audit-report.json --quiet || true
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' bench/out/time.txt)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' bench/out/time.txt)
  echo "run $i: ${secs} s, peak RSS ${rss} KiB" >&2
  if [[ -z "$best" ]] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; best_rss=$rss; fi
done

EVENTS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["eventsRead"])' bench/out/audit-report.json)
python3 - "$BYTES" "$EVENTS" "$best" "$best_rss" <<'PY'
import sys
b, ev, s, rss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"log: {b/1e6:.0f} MB, {ev} events")
print(f"kvet audit, one core (taskset -c 0), best run: {s:.2f} s")
print(f"throughput: {b/1e6/s:.0f} MB/s, {ev/s:,.0f} events/s")
print(f"peak RSS: {rss/1024:.1f} MiB")
PY
