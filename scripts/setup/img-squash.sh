#!/usr/bin/env bash
# kvet-image's outside tools and test images: debootstrap, umoci and skopeo from Debian's
# packages (each installed only when missing), then the real test images (built only when
# missing, see scripts/make-test-images.sh). A second run does nothing and takes no time.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v umoci >/dev/null || missing+=(umoci)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v dpkg-query >/dev/null || missing+=(dpkg)
if ((${#missing[@]})); then
    as_root=()
    [[ $(id -u) == 0 ]] || as_root=(sudo)
    "${as_root[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/make-test-images.sh
