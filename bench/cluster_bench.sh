#!/usr/bin/env bash
# Benchmark `kvet cluster` against the fake API server serving a generated cluster
# (default 5,000 pods, 1,500 Deployments with their ReplicaSets, 2,000 RBAC objects):
# the time and peak memory of collecting (`kvet cluster snapshot`) and of analysing the
# snapshot (`kvet cluster --snapshot`), separately.
# Usage: bench/cluster_bench.sh [pods] [workloads] [rbac]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/cluster"
mkdir -p "$OUT"
rm -f "$OUT/kubeconfig"
cd "$ROOT"
cargo build --release -p kvet -q
cargo build --release -p kvet-cluster --example fake_cluster -q
KVET="$ROOT/target/release/kvet"
"$ROOT/target/release/examples/fake_cluster" "$OUT/kubeconfig" "${1:-5000}" "${2:-1500}" "${3:-2000}" 2>"$OUT/fake.log" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$OUT/kubeconfig" ]] && break; sleep 0.1; done
cat "$OUT/fake.log"

measure() { # label, command... (failures print their error)
  local label=$1; shift
  if ! /usr/bin/time -f "%e %M" -o "$OUT/$label.time" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err"; then
    echo "$label failed:" >&2; cat "$OUT/$label.err" >&2; exit 1
  fi
  read -r secs kb <"$OUT/$label.time"
  printf '| %s | %s | %.1f |\n' "$label" "$secs" "$(awk -v k="$kb" 'BEGIN{print k/1024}')"
}
echo "| step | wall time (s) | peak RSS (MB) |"
echo "|---|---:|---:|"
measure collect "$KVET" cluster snapshot --kubeconfig "$OUT/kubeconfig" -o "$OUT/bench.snap" -q
measure analyse "$KVET" cluster --snapshot "$OUT/bench.snap" -q -f json -o "$OUT/report.json"
measure collect+analyse "$KVET" cluster --kubeconfig "$OUT/kubeconfig" -q -f json -o "$OUT/report-live.json"
echo "snapshot: $(du -h "$OUT/bench.snap" | cut -f1), findings: $(grep -c '"checkId"' "$OUT/report.json")"
