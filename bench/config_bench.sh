#!/usr/bin/env bash
# Benchmark `kvet config` against Checkov on a corpus of real-shaped Kubernetes resources.
# See bench/README.md. Run from anywhere: bench/config_bench.sh [options]
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/config_bench.sh [options]

  --resources N          resources in the speed corpus (default 20000)
  --runs N               timed kvet runs on the speed corpus, best one reported (default 3)
  --memory-size SIZE     YAML size of the memory-run corpus (default 100M = 100 MiB)
  --checkov-resources N|all
                         Checkov runs on an N-resource sample of the same mix (default 5000;
                         the ratio is then per resource), or on the whole speed corpus with
                         `all`. Checkov took 30 min for 20,000 resources on a 2-core machine, and
                         its time grows faster than linearly, so a sample flatters Checkov.
  --skip-checkov         do not run Checkov
  --skip-memory          do not run the 100 MB memory run
  --skip-kvet            do not build or run kvet (Checkov half only)
  --nice                 run both scanners under `nice` (for a shared machine)
  -h, --help             this help

Environment: CHECKOV_VERSION pins the Checkov installed into bench/.venv (default: latest);
KVET_BIN=/path/to/kvet benchmarks that binary instead of building target/release/kvet.
EOF
}

RESOURCES=20000
RUNS=3
MEM_SIZE=100M
CHECKOV_RESOURCES=5000
SKIP_CHECKOV=0
SKIP_MEMORY=0
SKIP_KVET=0
NICE=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --resources) RESOURCES="${2:?--resources needs a number}"; shift 2 ;;
    --resources=*) RESOURCES="${1#*=}"; shift ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --memory-size) MEM_SIZE="${2:?--memory-size needs a size}"; shift 2 ;;
    --memory-size=*) MEM_SIZE="${1#*=}"; shift ;;
    --checkov-resources) CHECKOV_RESOURCES="${2:?--checkov-resources needs a number}"; shift 2 ;;
    --checkov-resources=*) CHECKOV_RESOURCES="${1#*=}"; shift ;;
    --skip-checkov) SKIP_CHECKOV=1; shift ;;
    --skip-memory) SKIP_MEMORY=1; shift ;;
    --skip-kvet) SKIP_KVET=1; shift ;;
    --nice) NICE=(nice -n 10); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "config_bench: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$CHECKOV_RESOURCES" == all ]] && CHECKOV_RESOURCES=""
for n in "$RESOURCES" "$RUNS" ${CHECKOV_RESOURCES:+"$CHECKOV_RESOURCES"}; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "config_bench: not a positive number: $n" >&2; exit 2; }
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out"
CORPUS="$BENCH/corpus"
CORPUS_MEM="$BENCH/corpus-100m"
VENV="$BENCH/.venv"
KVET="${KVET_BIN:-$ROOT/target/release/kvet}"
mkdir -p "$OUT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'config_bench: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------

ensure_time() {
  [[ -x /usr/bin/time ]] && return 0
  log "installing GNU time (for peak RSS)"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  [[ -x /usr/bin/time ]] || die "/usr/bin/time is still missing"
}

ensure_checkov() {
  if [[ -x "$VENV/bin/checkov" ]]; then return 0; fi
  log "installing Checkov into bench/.venv"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "checkov${CHECKOV_VERSION:+==$CHECKOV_VERSION}"
  [[ -x "$VENV/bin/checkov" ]] || die "checkov did not install into $VENV"
}

# --- corpus ------------------------------------------------------------------------------------

# ensure_corpus DIR --resources N | --bytes SIZE: (re)generate DIR unless its marker says it was
# made with the same target.
ensure_corpus() {
  local dir="$1" flag="$2" value="$3" want
  case "$flag" in
    --resources) want="target=resources=$value" ;;
    --bytes) want="target=bytes=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import make_corpus as m; print(m.parse_size(sys.argv[2]))' "$BENCH" "$value")" ;;
  esac
  if [[ -f "$dir/.kvet-corpus" ]] && grep -qxF "$want" "$dir/.kvet-corpus"; then
    log "corpus $(rel "$dir") is up to date ($(marker "$dir" resources) resources, $(marker "$dir" files) files, $(mib "$(marker "$dir" bytes)") MiB)"
  else
    log "generating corpus $(rel "$dir") ($flag $value)"
    python3 "$BENCH/make_corpus.py" --out "$dir" "$flag" "$value" --force >&2
  fi
}

marker() { sed -n "s/^$2=//p" "$1/.kvet-corpus"; }
rel() { printf '%s' "${1#"$ROOT"/}"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# --- measuring ---------------------------------------------------------------------------------

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets LAST_SECS (wall clock, from the
# nanosecond clock), LAST_RSS_MB (peak resident set size; for a process tree, the largest single
# process) and LAST_RC. The command's stdout/stderr go to $OUT/NAME.log unless redirected by CMD.
timed() {
  local name="$1"; shift
  local tfile="$OUT/$name.time" start end
  start=$(date +%s%N)
  set +e
  /usr/bin/time -v -o "$tfile" "$@"
  LAST_RC=$?
  set -e
  end=$(date +%s%N)
  LAST_SECS=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  local kb
  kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tfile")
  [[ -n "$kb" ]] || die "no peak RSS in $tfile"
  LAST_RSS_MB=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
}

json_resources() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["resources"])' "$1"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }

# run_kvet NAME CORPUS: one timed `kvet config` run; sets LAST_* and LAST_RESOURCES.
run_kvet() {
  local name="$1" corpus="$2" report="$OUT/$1.json"
  rm -f "$report"
  timed "$name" "${NICE[@]}" "$KVET" config "$corpus" --format json --output "$report" --quiet \
    >"$OUT/$name.log" 2>&1
  if [[ ! -s "$report" ]]; then
    tail -n 20 "$OUT/$name.log" >&2 || true
    die "kvet exited with status $LAST_RC and wrote no report $(rel "$report")"
  fi
  LAST_RESOURCES=$(json_resources "$report") || die "no .summary.resources in $(rel "$report")"
}

ensure_time

# --- kvet: speed -------------------------------------------------------------------------------

ensure_corpus "$CORPUS" --resources "$RESOURCES"
CORPUS_RESOURCES=$(marker "$CORPUS" resources)
CORPUS_FILES=$(marker "$CORPUS" files)
CORPUS_MIB=$(mib "$(marker "$CORPUS" bytes)")

KVET_RESOURCES="" KVET_BEST="" KVET_RATE="" KVET_RSS="" MEM_RESOURCES="" MEM_MIB="" MEM_SECS="" MEM_RSS=""
if [[ "$SKIP_KVET" -eq 0 ]]; then
  if [[ -z "${KVET_BIN:-}" ]]; then
    log "building kvet (cargo build --release -p kvet)"
    cargo build --release -p kvet >&2
  fi
  [[ -x "$KVET" ]] || die "no binary at $(rel "$KVET") after the build"

  for ((i = 1; i <= RUNS; i++)); do
    run_kvet kvet "$CORPUS"
    log "kvet run $i/$RUNS: $LAST_RESOURCES resources in ${LAST_SECS}s ($(rate "$LAST_RESOURCES" "$LAST_SECS") resources/s), peak RSS ${LAST_RSS_MB} MB, exit status $LAST_RC"
    if [[ -z "$KVET_BEST" ]] || awk -v a="$LAST_SECS" -v b="$KVET_BEST" 'BEGIN { exit !(a < b) }'; then
      KVET_BEST=$LAST_SECS
    fi
    if [[ -z "$KVET_RSS" ]] || awk -v a="$LAST_RSS_MB" -v b="$KVET_RSS" 'BEGIN { exit !(a > b) }'; then
      KVET_RSS=$LAST_RSS_MB
    fi
    KVET_RESOURCES=$LAST_RESOURCES
  done
  KVET_RATE=$(rate "$KVET_RESOURCES" "$KVET_BEST")
  if [[ "$KVET_RESOURCES" != "$CORPUS_RESOURCES" ]]; then
    log "note: kvet counted $KVET_RESOURCES resources; the corpus has $CORPUS_RESOURCES documents"
  fi
  log "kvet: best of $RUNS: ${KVET_BEST}s, $KVET_RATE resources/s, peak RSS $KVET_RSS MB"

  # --- kvet: memory ----------------------------------------------------------------------------
  if [[ "$SKIP_MEMORY" -eq 0 ]]; then
    ensure_corpus "$CORPUS_MEM" --bytes "$MEM_SIZE"
    MEM_MIB=$(mib "$(marker "$CORPUS_MEM" bytes)")
    run_kvet kvet-100m "$CORPUS_MEM"
    MEM_RESOURCES=$LAST_RESOURCES MEM_SECS=$LAST_SECS MEM_RSS=$LAST_RSS_MB
    log "kvet memory run: $MEM_MIB MiB, $MEM_RESOURCES resources in ${MEM_SECS}s ($(rate "$MEM_RESOURCES" "$MEM_SECS") resources/s), peak RSS $MEM_RSS MB"
  fi
fi

# --- Checkov -----------------------------------------------------------------------------------

CK_SECS="" CK_RSS="" CK_RATE="" CK_N="" CK_OWN="" CK_CORPUS="$CORPUS" CK_VERSION="" RATIO=""
if [[ "$SKIP_CHECKOV" -eq 0 ]]; then
  ensure_checkov
  CK_VERSION=$("$VENV/bin/checkov" --version 2>/dev/null | tail -n 1)
  if [[ -n "$CHECKOV_RESOURCES" && "$CHECKOV_RESOURCES" -lt "$CORPUS_RESOURCES" ]]; then
    CK_CORPUS="$BENCH/corpus-checkov-$CHECKOV_RESOURCES"
    ensure_corpus "$CK_CORPUS" --resources "$CHECKOV_RESOURCES"
    CK_N=$(marker "$CK_CORPUS" resources)
  else
    # Same corpus as kvet: use the count kvet reported, so both rates share one numerator.
    CK_N=${KVET_RESOURCES:-$CORPUS_RESOURCES}
  fi
  log "running Checkov $CK_VERSION on $(rel "$CK_CORPUS") ($CK_N resources; this takes minutes)"
  # --skip-download: no calls to Prisma Cloud (they fail offline and only add doc links).
  # Checkov exits 1 when it finds something; that is expected.
  timed checkov "${NICE[@]}" "$VENV/bin/checkov" -d "$CK_CORPUS" --framework kubernetes --quiet --compact \
    --skip-download -o json >"$OUT/checkov.json" 2>"$OUT/checkov.log"
  if [[ "$LAST_RC" -gt 1 ]]; then
    tail -n 20 "$OUT/checkov.log" >&2 || true
    die "checkov failed with status $LAST_RC"
  fi
  CK_SECS=$LAST_SECS CK_RSS=$LAST_RSS_MB
  CK_RATE=$(rate "$CK_N" "$CK_SECS")
  # Checkov's own count (it also counts e.g. the containers of a pod template).
  CK_OWN=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
print(sum(x.get("summary", {}).get("resource_count", 0) for x in d))' "$OUT/checkov.json" 2>/dev/null || echo "?")
  log "checkov: $CK_N resources in ${CK_SECS}s ($CK_RATE resources/s), peak RSS $CK_RSS MB (Checkov's own resource_count: $CK_OWN)"
  if [[ -n "$KVET_RATE" ]]; then
    RATIO=$(awk -v k="$KVET_RATE" -v c="$CK_RATE" 'BEGIN { if (c > 0) printf "%.1f", k / c; else print "n/a" }')
  fi
fi

# --- summary -----------------------------------------------------------------------------------

CPUS=$(nproc 2>/dev/null || echo "?")
echo
echo "=== kvet config benchmark ($(date -u +%Y-%m-%d), $CPUS CPUs, $(uname -m)) ==="
echo "corpus: $CORPUS_RESOURCES resources, $CORPUS_FILES files, $CORPUS_MIB MiB (bench/make_corpus.py)"
echo
echo "| tool | corpus | resources | wall time (s) | resources/s | peak RSS (MB) |"
echo "|---|---|---:|---:|---:|---:|"
if [[ -n "$KVET_RATE" ]]; then
  echo "| kvet (best of $RUNS) | $CORPUS_MIB MiB | $KVET_RESOURCES | $KVET_BEST | $KVET_RATE | $KVET_RSS |"
fi
if [[ -n "$MEM_RSS" ]]; then
  echo "| kvet (memory run) | $MEM_MIB MiB | $MEM_RESOURCES | $MEM_SECS | $(rate "$MEM_RESOURCES" "$MEM_SECS") | $MEM_RSS |"
fi
if [[ -n "$CK_RATE" ]]; then
  ck_label="Checkov $CK_VERSION"
  [[ "$CK_CORPUS" == "$CORPUS" ]] || ck_label="$ck_label (sample)"
  echo "| $ck_label | $(mib "$(marker "$CK_CORPUS" bytes)") MiB | $CK_N | $CK_SECS | $CK_RATE | $CK_RSS |"
fi
echo
if [[ -n "$RATIO" ]]; then
  if [[ "$CK_CORPUS" == "$CORPUS" ]]; then
    echo "kvet / Checkov speed: ${RATIO}x (same corpus)"
  else
    echo "kvet / Checkov speed: ${RATIO}x (per resource: Checkov ran on a $CK_N-resource sample of the same mix)"
  fi
fi
if [[ -n "$KVET_RATE" ]]; then
  verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "met" : "NOT met" }'; }
  echo "target >= 50000 resources/s: $(verdict "$KVET_RATE" 50000 ">=") ($KVET_RATE)"
  if [[ -n "$MEM_RSS" ]]; then
    echo "target peak RSS < 300 MB on $MEM_MIB MiB: $(verdict "$MEM_RSS" 300 "<") ($MEM_RSS MB)"
  fi
fi
echo "reports and logs: $(rel "$OUT")/"
