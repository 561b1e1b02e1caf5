#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs the outside tools later tests
# need (idempotently; none are needed yet), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# Outside tools go here as features need them (Debian packages, PyPI, npm), each guarded so a
# second run does nothing, e.g.:
#   command -v skopeo >/dev/null || sudo_apt install skopeo

bash scripts/setup/versions.sh   # kvet-version oracles (dpkg, rpm, packaging, node-semver, Go, Maven, Ruby, PHP)
bash scripts/setup/img-source.sh
bash scripts/setup/sbom-format.sh
bash scripts/setup/appcat.sh
bash scripts/setup/img-squash.sh   # also builds the real Debian test images (cached)

cargo test --workspace --locked "$@"
