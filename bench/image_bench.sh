#!/usr/bin/env bash
# Image scan speed: kvet-image's scan of the real test image (inventory with layer attribution)
# against plain decompression of the same layer blobs (`gzip -dc`, `zstd -dc`). Target:
# inventory ≤ 1.5× plain decompression. Best of $RUNS runs each; max RSS with GNU time.
#
#   bench/image_bench.sh                 # the gzip and zstd layouts of scripts/make-test-images.sh
#   RUNS=5 bench/image_bench.sh
#   SCAN_BIN=/tmp/old/scan_oci_layout bench/image_bench.sh   # another build, to compare
#
# To compare another tool, add a line to the `tools` function below (it gets the layout dir).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
IMAGES=${KVET_TEST_IMAGES:-$PWD/target/test-images}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}

scripts/make-test-images.sh
if [[ -n ${SCAN_BIN:-} ]]; then
    SCAN=$SCAN_BIN
else
    cargo build -q --release -p kvet-image --example scan_oci_layout
    SCAN="$TARGET/release/examples/scan_oci_layout"
fi
rss_file=$(mktemp)
trap 'rm -f "$rss_file"' EXIT

# best wall-clock seconds and max RSS (KiB) of "$@" over $RUNS runs
measure() {
    local best="" rss=0 t m
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s.%N)
        if [[ -x /usr/bin/time ]]; then
            /usr/bin/time -f '%M' -o "$rss_file" "$@" >/dev/null
            m=$(tail -1 "$rss_file")
        else
            "$@" >/dev/null; m=0
        fi
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc)
        if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
        (( m > rss )) && rss=$m
    done
    printf '%s %s\n' "$best" "$rss"
}

# best user CPU seconds of "$@" over $RUNS runs (GNU time; 0 without it)
best_user() {
    local best="" u
    [[ -x /usr/bin/time ]] || { echo 0; return; }
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%U' -o "$rss_file" "$@" >/dev/null
        u=$(tail -1 "$rss_file")
        if [[ -z $best ]] || (( $(echo "$u < $best" | bc) )); then best=$u; fi
    done
    echo "$best"
}

row() { # label seconds rss baseline
    local ratio
    ratio=$(echo "scale=2; $2 / $4" | bc)
    printf '  %-34s %8.3f s  %7d KiB  %5s×\n' "$1" "$2" "$3" "$ratio"
}

tools() { # layout-dir decompressor: extra tools to compare go here
    :
}

for variant in "debian-bookworm gzip" "debian-bookworm-zstd zstd"; do
    set -- $variant
    layout="$IMAGES/$1"; dec=$2
    command -v "$dec" >/dev/null || { echo "skip $1: $dec not installed"; continue; }
    mapfile -t blobs < <("$SCAN" --layers "$layout")
    size=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
    echo "$1: ${#blobs[@]} layers, $((size / 1000000)) MB stored"
    read -r base base_rss < <(measure sh -c "$dec -dc \"\$@\" >/dev/null" _ "${blobs[@]}")
    read -r scan scan_rss < <(measure "$SCAN" "$layout")
    row "$dec -dc (all layers)" "$base" "$base_rss" "$base"
    row "kvet-image scan_image" "$scan" "$scan_rss" "$base"
    printf '  %-34s %8.3f s user\n' "kvet-image scan_image, best user CPU" "$(best_user "$SCAN" "$layout")"
    tools "$layout" "$base"
    "$SCAN" "$layout" | sed 's/^/  /'
done
