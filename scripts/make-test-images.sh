#!/usr/bin/env bash
# Builds the real container images the kvet-image tests and bench/image_bench.sh read, from
# Debian's own packages, and caches them: a second run with the images present does nothing.
#
#   debian-bookworm/             OCI layout, tag `latest`, three gzip layers:
#     0  debootstrap --variant=minbase bookworm            (the base root filesystem)
#     1  apt-get install liblog4j2-java python3-six runc   (real jars, a Go binary, site-packages)
#     2  rm of one jar and of a doc directory              (whiteouts)
#   debian-bookworm-zstd/        the same image with zstd layers (skopeo)
#   debian-bookworm.docker.tar   the same image as `docker save` writes it (skopeo)
#   debian-bookworm.rootfs/      the final root filesystem itself (for `scan_rootfs` and for
#                                `dpkg-query --admindir` in the tests)
#   debian-bookworm.expected/    what the tests compare against, taken from the root
#                                filesystem each layer was made from: `dpkg-query -W` after each
#                                layer, the deleted paths, the files of the layer-1 packages
#
# Output goes to $KVET_TEST_IMAGES, else target/test-images of the repository. Needs root,
# debootstrap, umoci and skopeo (scripts/setup/img-squash.sh installs them) and Debian's archive
# ($KVET_DEBIAN_MIRROR, else debootstrap's default). Bump VERSION when what is built changes.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4
OUT=${KVET_TEST_IMAGES:-$PWD/target/test-images}
# Empty: debootstrap's own default mirror.
MIRROR=${KVET_DEBIAN_MIRROR:-}
SUITE=bookworm
NAME=debian-bookworm
STAMP="$OUT/.$NAME.v$VERSION.done"
LAYER1_PACKAGES="liblog4j2-java python3-six runc"
# Deleted in the last layer: a jar (a Maven package disappears) and a whole directory.
# (Debian installs the jar versionless and links the versioned name to it.)
DELETED_JAR=/usr/share/java/log4j-1.2-api.jar
DELETED_DIR=/usr/share/doc/python3-six

if [[ -f "$STAMP" ]]; then
    exit 0
fi
for tool in debootstrap umoci skopeo chroot; do
    command -v "$tool" >/dev/null || { echo "make-test-images: $tool is missing (run scripts/setup/img-squash.sh)" >&2; exit 1; }
done

start=$(date +%s)
mkdir -p "$OUT"
work=$(mktemp -d "$OUT/.work.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

img="$OUT/$NAME"
exp="$OUT/$NAME.expected"
rm -rf "$img" "$img-zstd" "$img.docker.tar" "$exp" "$img.rootfs" "$OUT"/.$NAME.v*.done
mkdir -p "$exp"

echo "make-test-images: debootstrap --variant=minbase $SUITE" >&2
debootstrap --variant=minbase "$SUITE" "$work/rootfs" ${MIRROR:+"$MIRROR"} >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

umoci init --layout "$img"
umoci new --image "$img:latest"
umoci unpack --image "$img:latest" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
cp -a "$work/rootfs/." "$rootfs/"
rm -rf "$work/rootfs"
# What `apt-get clean` would remove: the .debs debootstrap downloaded.
rm -f "$rootfs"/var/cache/apt/archives/*.deb

pkgs() { dpkg-query -W -f='${Package}\t${Version}\t${Architecture}\n' --admindir="$rootfs/var/lib/dpkg" | LC_ALL=C sort; }

pkgs >"$exp/packages-0.tsv"
umoci repack --refresh-bundle --image "$img:latest" \
    --history.created_by "debootstrap --variant=minbase $SUITE" "$work/bundle"

echo "make-test-images: apt-get install $LAYER1_PACKAGES" >&2
chroot "$rootfs" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive LC_ALL=C
    apt-get update -q && apt-get install -y -q --no-install-recommends $LAYER1_PACKAGES \
    && apt-get clean && rm -rf /var/lib/apt/lists/*" >"$work/apt.log" 2>&1 \
    || { tail -20 "$work/apt.log" >&2; exit 1; }
pkgs >"$exp/packages-1.tsv"
for p in $LAYER1_PACKAGES; do
    dpkg-query -L --admindir="$rootfs/var/lib/dpkg" "$p" | LC_ALL=C sort >"$exp/files-$p.txt"
done
umoci repack --refresh-bundle --image "$img:latest" \
    --history.created_by "/bin/sh -c apt-get install -y --no-install-recommends $LAYER1_PACKAGES" "$work/bundle"

test -f "$rootfs$DELETED_JAR" && ! test -L "$rootfs$DELETED_JAR" && test -d "$rootfs$DELETED_DIR"
rm -f "$rootfs$DELETED_JAR"
rm -rf "$rootfs$DELETED_DIR"
printf '%s\n' "$DELETED_JAR" "$DELETED_DIR" >"$exp/deleted.txt"
pkgs >"$exp/packages-2.tsv"
umoci repack --image "$img:latest" \
    --history.created_by "/bin/sh -c rm -rf $DELETED_JAR $DELETED_DIR" "$work/bundle"
umoci gc --layout "$img"

echo "make-test-images: zstd and docker-archive copies" >&2
skopeo --insecure-policy copy -q --dest-compress-format zstd --dest-compress \
    "oci:$img:latest" "oci:$img-zstd:latest"
skopeo --insecure-policy copy -q "oci:$img:latest" "docker-archive:$img.docker.tar:kvet-test/$NAME:latest"

mv "$rootfs" "$img.rootfs"
touch "$STAMP"
echo "make-test-images: $NAME built in $(( $(date +%s) - start )) s ($(du -sh "$img" | cut -f1) gzip layout) under $OUT" >&2
