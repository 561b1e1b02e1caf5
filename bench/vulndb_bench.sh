#!/usr/bin/env bash
# kvet-vulndb: import throughput on ≥ 500,000 OSV records, database size, and the time to open
# the database and match a 1,000-package inventory.
#
# The corpus replicates the real records of ../shared/testdata/osv (Go, PyPI, Maven, GHSA,
# Debian, Alpine/all.zip: 3,610 records) --copies times with new ids and package names into
# per-ecosystem all.zip files under bench/out/vulndb-corpus (kept between runs).
#
# Usage: bench/vulndb_bench.sh [--copies N] [--sequential]   (--sequential also times the
# import with parsing on the inserting thread, to show what rayon buys)
# Then times `kvet image` against `kvet sbom` on the real test image (--e2e-only: just that).
# Environment: KVET_TESTDATA=/path/to/testdata for the source records; RUNS (default 3);
# KVET_BIN to time another kvet binary.
set -euo pipefail
cd "$(dirname "$0")/.."

COPIES=139
SEQUENTIAL=0
E2E_ONLY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --copies) COPIES="${2:?}"; shift 2 ;;
    --sequential) SEQUENTIAL=1; shift ;;
    --e2e-only) E2E_ONLY=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

SRC="${KVET_TESTDATA:-../shared/testdata}/osv"
OUT=bench/out
CORPUS="$OUT/vulndb-corpus-$COPIES"
DB="$OUT/vulndb-bench.sqlite"
mkdir -p "$OUT"
if [[ "$E2E_ONLY" == 0 ]]; then
cargo build --release --locked -p kvet-vulndb --example vulndb_bench >&2
BIN="${CARGO_TARGET_DIR:-target}/release/examples/vulndb_bench"

if [[ ! -d "$CORPUS" ]]; then
  "$BIN" generate "$SRC" "$CORPUS" "$COPIES"
fi
du -sh "$CORPUS" | awk '{print "corpus (zipped): " $1}'

TIME=()
[[ -x /usr/bin/time ]] && TIME=(/usr/bin/time -f "  peak RSS %M KiB, wall %e s")
rm -f "$DB"
"${TIME[@]}" "$BIN" import "$DB" "$CORPUS"
if [[ "$SEQUENTIAL" == 1 ]]; then
  rm -f "$DB"
  "${TIME[@]}" "$BIN" import "$DB" "$CORPUS" --sequential
fi
"${TIME[@]}" "$BIN" match "$DB"
fi

# End to end: `kvet image` (inventory + matching) against `kvet sbom` (inventory only) on the
# real test image, against a database of the real test records; alternating runs, each line
# one run. The difference is what matching costs.
IMAGES="${KVET_TEST_IMAGES:-${CARGO_TARGET_DIR:-target}/test-images}"
IMG="$IMAGES/debian-bookworm"
if [[ -d "$IMG" ]]; then
  cargo build --release --locked -p kvet >&2
  KVET="${KVET_BIN:-${CARGO_TARGET_DIR:-target}/release/kvet}"
  DBDIR="$OUT/vulndb-e2e"
  rm -rf "$DBDIR"
  "$KVET" db -q --db-dir "$DBDIR" import "$SRC"
  echo "kvet image vs kvet sbom on $IMG (${RUNS:-3} runs each):"
  for _ in $(seq "${RUNS:-3}"); do
    for cmd in sbom image; do
      extra=()
      [[ "$cmd" == image ]] && extra=(--db-dir "$DBDIR")
      /usr/bin/time -f "  $cmd: wall %e s, user %U s, peak RSS %M KiB" \
        "$KVET" "$cmd" -q -f json -o /dev/null "${extra[@]}" --input "$IMG"
    done
  done
else
  echo "no test image at $IMG (scripts/setup/img-squash.sh builds it): skipping kvet image vs sbom" >&2
fi
