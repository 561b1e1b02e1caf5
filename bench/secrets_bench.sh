#!/usr/bin/env bash
# Secret-scanning throughput of `kvet fs` on ≥ 500 MB of mixed real text, and the speed of
# the Dockerfile checks against Checkov on a corpus of real Dockerfiles. See bench/README.md.
#
#   bench/secrets_bench.sh [--bytes 600M] [--runs 3] [--dockerfiles 2600] [--skip-checkov]
#
# Throughput is the corpus size divided by the best wall-clock time of --runs warm runs
# (files in the page cache: this measures the scanner, not the disk).
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=600M RUNS=3 DOCKERFILES=2600 SKIP_CHECKOV=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bytes) BYTES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --dockerfiles) DOCKERFILES="$2"; shift 2 ;;
    --skip-checkov) SKIP_CHECKOV=1; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
KVET=${KVET_BIN:-target/release/kvet}
[[ -n "${KVET_BIN:-}" ]] || cargo build --release --locked -q
TEXT=bench/corpus-text-$BYTES
[[ -f $TEXT/.kvet-corpus ]] || python3 bench/make_text_corpus.py --out "$TEXT" --bytes "$BYTES"
bytes=$(sed -n 's/^bytes=//p' "$TEXT/.kvet-corpus")

best() {  # best wall time in seconds of $RUNS runs of "$@"
  local b=999999 t tf
  tf=$(mktemp)
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$tf" -f %e "$@" >/dev/null 2>&1 || true
    t=$(tail -n1 "$tf")
    b=$(python3 -c "print(min($b, $t))")
  done
  rm -f "$tf"
  echo "$b"
}

"$KVET" fs "$TEXT" -q -f json >/dev/null   # warm the page cache
t=$(best "$KVET" fs "$TEXT" -q -f json)
mbs=$(python3 -c "print(round($bytes / 1e6 / $t))")
echo "kvet fs --scanners secret: $(python3 -c "print(round($bytes/1e6))") MB in ${t}s = ${mbs} MB/s ($(nproc) cores)"

# Dockerfiles: the 26 real ones of shared/testdata, copied into one folder each.
DF=bench/corpus-dockerfiles-$DOCKERFILES
if [[ ! -d $DF ]]; then
  mkdir -p "$DF"
  mapfile -t src < <(find ../shared/testdata/dockerfiles -type f -name '*.Dockerfile' | sort)
  for i in $(seq 0 $((DOCKERFILES - 1))); do
    mkdir -p "$DF/$i" && cp "${src[$((i % ${#src[@]}))]}" "$DF/$i/Dockerfile"
  done
fi
t_kvet=$(best "$KVET" config "$DF" --scanners misconfig -q -f json)
echo "kvet config (Dockerfile checks): $DOCKERFILES Dockerfiles in ${t_kvet}s"
if [[ $SKIP_CHECKOV == 0 ]]; then
  VENV=bench/.venv
  [[ -x $VENV/bin/checkov ]] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q checkov; }
  t_ck=$(RUNS=1 best "$VENV/bin/checkov" -d "$DF" --framework dockerfile --quiet --compact --skip-download -o json)
  echo "checkov $("$VENV/bin/checkov" --version | tail -n1) (--framework dockerfile): ${t_ck}s; kvet is $(python3 -c "print(round($t_ck / $t_kvet))")x faster"
fi
