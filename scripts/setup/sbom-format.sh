#!/usr/bin/env bash
# Outside SBOM consumers used by crates/kvet-sbom/tests/consumers.rs to cross-check kvet's
# documents: spdx-tools (pyspdxtools, the SPDX project's own validator) and cyclonedx-python-lib
# (the CycloneDX project's validator), in a private virtualenv. Idempotent: a second run with
# everything in place returns at once.
set -euo pipefail

VENV="${KVET_SBOM_TOOLS:-$HOME/.cache/kvet/sbom-venv}"
SPDX_TOOLS_VERSION=0.8.5
CYCLONEDX_LIB_VERSION=11.12.0

if [ -x "$VENV/bin/pyspdxtools" ] && "$VENV/bin/python" - <<PY 2>/dev/null
import importlib.metadata as m, sys
ok = m.version("spdx-tools") == "$SPDX_TOOLS_VERSION" and m.version("cyclonedx-python-lib") == "$CYCLONEDX_LIB_VERSION"
sys.exit(0 if ok else 1)
PY
then
    exit 0
fi

# An install that cannot be done (no Python, no registry) must not stop the rest of the suite:
# say so loudly; the consumer tests then skip with a notice naming this script.
fail() {
    echo "WARNING: sbom-format setup: $*; the SBOM consumer cross-checks will be skipped" >&2
    rm -rf "$VENV"
    exit 0
}

PY=$(command -v python3 || true)
if [ -z "$PY" ] || ! "$PY" -m venv --help >/dev/null 2>&1; then
    { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; } ||
        fail "could not install python3/python3-venv"
    PY=$(command -v python3) || fail "python3 not found"
fi
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV" || fail "could not create a virtualenv in $VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check \
    "spdx-tools==$SPDX_TOOLS_VERSION" \
    "cyclonedx-python-lib[json-validation]==$CYCLONEDX_LIB_VERSION" ||
    fail "pip could not install spdx-tools / cyclonedx-python-lib"
echo "sbom-format setup: installed spdx-tools $SPDX_TOOLS_VERSION and cyclonedx-python-lib $CYCLONEDX_LIB_VERSION in $VENV" >&2
