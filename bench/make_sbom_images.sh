#!/usr/bin/env bash
# Small OCI layouts for bench/sbom_bench.sh, each holding one real package database from the
# shared test data (../shared/testdata, see its README.md for where each file comes from), so
# kvet and Syft can be compared on apk and rpm as well as on the Debian test image:
#
#   alpine-trivy/   one layer: lib/apk/db/installed = apk/trivy-alpine.installed (trivy's test
#                   database: musl 1.1.14-r10, busybox 1.24.2-r9 … i.e. Alpine 3.4) and
#                   etc/os-release = os-release/more/claircore/alpine/3.4/etc/os-release
#   mariner-rpm/    one layer: var/lib/rpm/rpmdb.sqlite = rpmdb/cbl-mariner-2.0/rpmdb.sqlite
#                   (129 packages, mariner-release 2.0-4.cm2) and etc/os-release as the
#                   mariner-release package of CBL-Mariner 2.0 installs it. The shared data has
#                   none; the fields below are those every published Mariner 2.0 image carries,
#                   except the build date in VERSION, which differs per build and is a stand-in
#                   here (both tools take the distro from ID and VERSION_ID: distro=mariner-2.0)
#
# Output: $SBOM_BENCH_IMAGES, else target/sbom-images of the repository; cached (a second run
# with the images present does nothing; bump VERSION when what is built changes). Needs umoci
# (scripts/setup/img-squash.sh installs it) and root, as umoci unpack does.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1
OUT=${SBOM_BENCH_IMAGES:-$PWD/target/sbom-images}
DATA=${KVET_SHARED_TESTDATA:-$PWD/../shared/testdata}
STAMP="$OUT/.v$VERSION.done"
[[ -f "$STAMP" ]] && exit 0
command -v umoci >/dev/null || { echo "make_sbom_images: umoci is missing (run scripts/setup/img-squash.sh)" >&2; exit 1; }
for f in apk/trivy-alpine.installed os-release/more/claircore/alpine/3.4/etc/os-release \
    rpmdb/cbl-mariner-2.0/rpmdb.sqlite; do
    [[ -f "$DATA/$f" ]] || { echo "make_sbom_images: $DATA/$f is missing" >&2; exit 1; }
done

mkdir -p "$OUT"
work=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# image NAME CREATED_BY SRC:DEST...: a one-layer OCI layout at $OUT/NAME holding each SRC at DEST.
image() {
    local name="$1" created_by="$2"; shift 2
    local img="$OUT/$name" bundle="$work/$name"
    rm -rf "$img"
    umoci init --layout "$img"
    umoci new --image "$img:latest"
    umoci unpack --image "$img:latest" "$bundle" >/dev/null
    for pair in "$@"; do
        local src="${pair%%:*}" dest="$bundle/rootfs/${pair#*:}"
        mkdir -p "$(dirname "$dest")"
        cp "$src" "$dest"
    done
    umoci repack --image "$img:latest" --history.created_by "$created_by" "$bundle"
    umoci gc --layout "$img"
}

image alpine-trivy "COPY trivy-alpine.installed /lib/apk/db/installed" \
    "$DATA/apk/trivy-alpine.installed:lib/apk/db/installed" \
    "$DATA/os-release/more/claircore/alpine/3.4/etc/os-release:etc/os-release"

cat >"$work/mariner-os-release" <<'EOF'
NAME="Common Base Linux Mariner"
VERSION="2.0.20220226"
ID=mariner
VERSION_ID="2.0"
PRETTY_NAME="CBL-Mariner/Linux"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/cbl-mariner"
BUG_REPORT_URL="https://aka.ms/cbl-mariner"
SUPPORT_URL="https://aka.ms/cbl-mariner"
EOF
image mariner-rpm "COPY rpmdb.sqlite /var/lib/rpm/rpmdb.sqlite" \
    "$DATA/rpmdb/cbl-mariner-2.0/rpmdb.sqlite:var/lib/rpm/rpmdb.sqlite" \
    "$work/mariner-os-release:etc/os-release"

touch "$STAMP"
echo "make_sbom_images: $OUT/{alpine-trivy,mariner-rpm}" >&2
