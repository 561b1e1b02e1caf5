#!/usr/bin/env bash
# Test inputs of kvet-inventory's application cataloguers (branch appcat). Idempotent: every
# step is skipped when its result is already there, so a second run returns at once.
#
# 1. Real Debian binaries (nginx, httpd, redis, memcached, postgres, mariadbd, openssl, libssl,
#    node, python3.11, java) for the binary-version cataloguer: `apt-get download` into
#    target/test-debs/debs and `dpkg-deb -x` into target/test-debs/root.
# 2. Ruby (its RubyGems reads the gemspecs the oracle test compares against).
# 3. A real cargo-auditable binary: `cargo install cargo-auditable`, then a tiny crate in
#    target/test-debs/auditable built with `cargo auditable build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$PWD/target/test-debs"
mkdir -p "$OUT/debs" "$OUT/root"

DEBS=(nginx nginx-core apache2-bin redis-server redis-tools memcached postgresql-15 mariadb-server-core
      openssl libssl3 nodejs libnode108 python3.11-minimal libpython3.11-minimal openjdk-17-jre-headless)

if [ ! -f "$OUT/debs/.done" ]; then
  missing=()
  for p in "${DEBS[@]}"; do
    ls "$OUT/debs/${p}"_*.deb >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq
    # Pin each to the newest version a Debian repository offers (`madison` lists repository
    # versions only), so a locally installed build from elsewhere does not make the download fail.
    pinned=()
    for p in "${missing[@]}"; do
      v=$(apt-cache madison "$p" | awk -F' [|] ' 'NR == 1 {print $2}')
      pinned+=("$p=$v")
    done
    (cd "$OUT/debs" && apt-get download "${pinned[@]}")
  fi
  rm -rf "$OUT/root" && mkdir -p "$OUT/root"
  for deb in "$OUT"/debs/*.deb; do
    dpkg-deb -x "$deb" "$OUT/root"
  done
  touch "$OUT/debs/.done"
fi

if ! command -v ruby >/dev/null; then
  apt-get update -qq && apt-get install -y -qq ruby >/dev/null
fi

if [ ! -f "$OUT/auditable/.done" ]; then
  command -v cargo-auditable >/dev/null || cargo install --locked cargo-auditable
  mkdir -p "$OUT/auditable/src"
  cat > "$OUT/auditable/Cargo.toml" <<'TOML'
[package]
name = "kvet-auditable-probe"
version = "0.3.1"
edition = "2021"
publish = false

[dependencies]
itoa = "=1.0.11"
memchr = "=2.7.4"

[profile.release]
opt-level = "s"
strip = true

[workspace]
TOML
  cat > "$OUT/auditable/src/main.rs" <<'RS'
fn main() {
    let mut buf = itoa::Buffer::new();
    let n = memchr::memchr(b'x', b"abcx").unwrap_or(0);
    println!("{}", buf.format(n));
}
RS
  (cd "$OUT/auditable" && CARGO_TARGET_DIR="$OUT/auditable/target" cargo auditable build --release -q)
  touch "$OUT/auditable/.done"
fi
