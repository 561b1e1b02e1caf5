#!/usr/bin/env bash
# Oracles for the kvet-version differential tests: each ecosystem's own version comparator.
# Idempotent: every step is guarded, so a second run returns in well under a second.
# Everything lands in $KVET_VERSION_ORACLES (default ~/.cache/kvet-version-oracles) or in
# Debian's own paths; the tests find the same directory the same way.
set -euo pipefail

ORACLES="${KVET_VERSION_ORACLES:-$HOME/.cache/kvet-version-oracles}"
mkdir -p "$ORACLES"

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

# Debian packages: dpkg's python binding, rpm's python binding, Ruby (Gem::Version), a JDK and
# Maven's maven-artifact jar (ComparableVersion), PHP with composer/semver, Go with x/mod/semver.
need=()
/usr/bin/python3 -c 'import apt_pkg' 2>/dev/null || need+=(python3-apt)
/usr/bin/python3 -c 'import rpm' 2>/dev/null || need+=(python3-rpm)
command -v ruby >/dev/null || need+=(ruby)
command -v javac >/dev/null || need+=(default-jdk-headless)
ls /usr/share/maven/lib/maven-artifact-*.jar >/dev/null 2>&1 || need+=(maven)
command -v php >/dev/null || need+=(php-cli)
[ -f /usr/share/php/Composer/Semver/autoload.php ] || need+=(php-composer-semver)
command -v go >/dev/null || need+=(golang-go)
[ -f /usr/share/gocode/src/golang.org/x/mod/semver/semver.go ] || need+=(golang-golang-x-mod-dev)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# PEP 440: the `packaging` library, into a directory of our own (not the system site-packages).
if [ ! -f "$ORACLES/py/packaging/version.py" ]; then
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check --target "$ORACLES/py" 'packaging==26.3'
  else
    /usr/bin/python3 -m pip install -q --disable-pip-version-check --break-system-packages \
      --target "$ORACLES/py" 'packaging==26.3'
  fi
fi

# npm: node-semver.
if [ ! -f "$ORACLES/npm/node_modules/semver/package.json" ]; then
  mkdir -p "$ORACLES/npm"
  (cd "$ORACLES/npm" && npm install --silent --no-audit --no-fund --prefix . semver@7.8.6 >/dev/null)
fi

# Go: golang.org/x/mod/semver from Debian's source package, built in GOPATH mode (no module proxy).
SRC="$(cd "$(dirname "$0")/../.." && pwd)/crates/kvet-version/tests/oracles"
if [ ! -x "$ORACLES/gosemver" ] || [ "$SRC/gosemver.go" -nt "$ORACLES/gosemver" ]; then
  tmp="$(mktemp -d)"; mkdir -p "$tmp/src/gosemver"; cp "$SRC/gosemver.go" "$tmp/src/gosemver/main.go"
  (cd "$tmp/src/gosemver" && GO111MODULE=off GOPATH="$tmp:/usr/share/gocode" GOCACHE="$tmp/cache" \
     GOFLAGS=-mod=mod go build -o "$ORACLES/gosemver" . )
  rm -rf "$tmp"
fi

# Maven: a small batch driver around Debian's maven-artifact jar.
JAR="$(ls /usr/share/maven/lib/maven-artifact-*.jar | head -n1)"
if [ ! -f "$ORACLES/maven/MavenOracle.class" ] || [ "$SRC/MavenOracle.java" -nt "$ORACLES/maven/MavenOracle.class" ]; then
  mkdir -p "$ORACLES/maven"
  javac -d "$ORACLES/maven" -cp "$JAR" "$SRC/MavenOracle.java"
fi
