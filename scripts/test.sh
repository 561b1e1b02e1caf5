#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs the outside tools later tests
# need (idempotently; none are needed yet), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# Outside tools go here as features need them (Debian packages, PyPI, npm), each guarded so a
# second run does nothing, e.g.:
#   command -v skopeo >/dev/null || sudo_apt install skopeo

scripts/setup/img-squash.sh
cargo test --workspace --locked "$@"
