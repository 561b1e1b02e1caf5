#!/usr/bin/env bash
# `kvet cluster --scanners vuln`: time and peak memory per --parallel value. Three distinct
# digests of the real Debian 12 test image (OCI layout gzip, OCI layout zstd, docker-save
# archive; built by scripts/setup/img-squash.sh) are pushed with skopeo to Debian's
# docker-registry on 127.0.0.1, a snapshot names one Deployment per image, and the database is
# imported from ../shared/testdata/osv. Each run starts with an empty blob cache, then once warm.
#
#   bench/cluster_vuln_bench.sh [KVET_BINARY] [PARALLEL...]   (default: target/release/kvet, 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/.."
KVET=${1:-target/release/kvet}
shift || true
PARALLEL=${*:-1 2 3}
IMAGES=${KVET_TEST_IMAGES:-target/test-images}
TESTDATA=${KVET_TESTDATA:-../shared/testdata}
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { [ -n "${REG:-}" ] && kill "$REG" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/reg.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: 127.0.0.1:$PORT
EOF
docker-registry serve "$WORK/reg.yml" >"$WORK/reg.log" 2>&1 &
REG=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

push() { skopeo --insecure-policy copy --quiet --dest-tls-verify=false "$1" "docker://127.0.0.1:$PORT/$2"; }
push "oci:$IMAGES/debian-bookworm:latest" bench/gz:1
push "oci:$IMAGES/debian-bookworm-zstd:latest" bench/zstd:1
push "docker-archive:$IMAGES/debian-bookworm.docker.tar" bench/archive:1

python3 - "$WORK/bench.snap" "127.0.0.1:$PORT" <<'EOF'
import gzip, json, sys
out, host = sys.argv[1], sys.argv[2]
objects = [{"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"app{i}", "namespace": "bench", "uid": f"d{i}"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": f"{host}/{r}"}]}}}}
           for i, r in enumerate(["bench/gz:1", "bench/zstd:1", "bench/archive:1"])]
snap = {"schemaVersion": 1, "kvetVersion": "bench", "created": "2026-11-23T00:00:00Z",
        "clusters": [{"context": "bench", "server": "https://127.0.0.1:6443", "objects": objects}]}
with gzip.open(out, "wt") as f:
    json.dump(snap, f)
EOF

"$KVET" db -q --db-dir "$WORK/db" import "$TESTDATA/osv"
run() {
    /usr/bin/time -f "$1: %e s, peak RSS %M KB" "$KVET" cluster --snapshot "$WORK/bench.snap" \
        --scanners vuln --insecure --db-dir "$WORK/db" --cache-dir "$WORK/cache" \
        --parallel "$2" -q -f json -o "$WORK/out.json"
}
for n in $PARALLEL; do
    rm -rf "$WORK/cache"
    run "cold cache, --parallel $n" "$n"
    run "warm cache, --parallel $n" "$n"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["images"]), "images,", len(d["findings"]), "findings")' "$WORK/out.json"
