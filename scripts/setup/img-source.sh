#!/usr/bin/env bash
# Outside tools for kvet-image's source tests (crates/kvet-image/tests/source_*.rs): a real
# registry (Debian's docker-registry, distribution 2.8), skopeo to push images into it and to
# write real `docker save` archives, openssl for test certificates and token signing, and
# htpasswd (apache2-utils) for the registry's basic-auth file. Idempotent: a second run only
# checks that the commands exist.
set -euo pipefail

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v openssl >/dev/null || missing+=(openssl)
command -v htpasswd >/dev/null || missing+=(apache2-utils)

if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
