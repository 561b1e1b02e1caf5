#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs the outside tools the tests
# need (idempotently: each script returns at once when everything is there), then runs every
# test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# One script per feature (Debian packages, PyPI, npm), each guarded so a second run does nothing.
bash scripts/setup/versions.sh   # kvet-version oracles (dpkg, rpm, packaging, node-semver, Go, Maven, Ruby, PHP)
bash scripts/setup/img-source.sh
bash scripts/setup/sbom-format.sh
bash scripts/setup/appcat.sh
bash scripts/setup/img-squash.sh   # also builds the real Debian test images (cached)

cargo test --workspace --locked "$@"
