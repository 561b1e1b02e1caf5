//! Well-known programs copied into an image rather than installed by a package manager
//! (`COPY --from=build /usr/local/nginx …`, official images that build from source): their
//! version is read from the version string compiled into the binary.
//!
//! A file is first selected by its name (cheap: most executables are none of these), then a
//! pattern must match its bytes; **a file whose bytes do not say the version is not reported**
//! — the name alone is never taken as evidence. Every pattern was checked against the real
//! Debian 12 binaries (see the tests): where a program keeps its version as a bare string the
//! pattern anchors on text next to it that the program's own source puts there.
//!
//! | program | file names | evidence in the bytes |
//! |---|---|---|
//! | nginx | `nginx` | `nginx version: nginx/X.Y.Z` (the `-v` banner) |
//! | httpd | `httpd`, `apache2` | `Apache/X.Y.Z` (the server token) |
//! | redis | `redis-server`, `redis-sentinel`, `redis-check-rdb`, `redis-check-aof` (one binary) | the `\0X.Y.Z\0` literal nearest to the INFO template `redis_version:%s` (the version is a bare string kept with `server.c`'s other literals; the command table's "since" versions sit elsewhere) |
//! | memcached | `memcached` | `memcached X.Y.Z` |
//! | postgresql | `postgres`, `postmaster` | `postgres (PostgreSQL) X.Y` (`PG_BACKEND_VERSIONSTR`) |
//! | mariadb | `mariadbd`, `mysqld` | `X.Y.Z-MariaDB` |
//! | openssl | `openssl`, `libcrypto.so*`, `libssl.so*` | `OpenSSL X.Y.Z[letter]  DD Mon YYYY` (`OPENSSL_VERSION_TEXT`); `libssl` does not contain it, so it is only reported when statically linked with libcrypto |
//! | node | `node`, `nodejs`, `libnode.so*` | `node.js/vX.Y.Z`, or the release URL `/release/vX.Y.Z/node-v` |
//! | python | `pythonX.Y`, `libpythonX.Y*.so*` | `\0X.Y.Z\0` with the X.Y of the file name (`PY_VERSION`) |
//! | openjdk | `libjvm.so`, `java` | `JRE (X.Y.Z+B…)` in libjvm; the launcher's `\0java\0…\0X.Y.Z+B-…\0` |
//!
//! The `release` file of a JDK/JRE image (`JAVA_RUNTIME_VERSION="…"`) is read by
//! [`parse_java_release`]. Versions are reported as the upstream release
//! (`17.0.21.1+2`, not the Debian `-1~deb12u1` suffix that some builds append).
//!
//! Scanning is bounded: at most [`MAX_SCAN`] bytes of a file are searched, with
//! `regex::bytes` (linear time; literal prefixes are found with memchr).

use std::sync::OnceLock;

use regex::bytes::Regex;

use crate::package::{Package, PackageKind};

/// Bytes of one file searched for a version string.
pub const MAX_SCAN: usize = 256 * 1024 * 1024;

/// How far from the `redis_version:%s` template the bare version literal may be.
const REDIS_WINDOW: usize = 64 * 1024;

/// A program the detector knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    Nginx,
    Httpd,
    Redis,
    Memcached,
    Postgres,
    Mariadb,
    Openssl,
    Node,
    /// With the `X.Y` its file name carries.
    Python,
    Openjdk,
}

impl Program {
    fn purl_name(self) -> &'static str {
        match self {
            Program::Nginx => "nginx",
            Program::Httpd => "httpd",
            Program::Redis => "redis",
            Program::Memcached => "memcached",
            Program::Postgres => "postgresql",
            Program::Mariadb => "mariadb",
            Program::Openssl => "openssl",
            Program::Node => "node",
            Program::Python => "python",
            Program::Openjdk => "openjdk",
        }
    }
}

/// The program a file name could be (`None` for nearly every file).
fn program_for(name: &str) -> Option<Program> {
    Some(match name {
        "nginx" => Program::Nginx,
        "httpd" | "apache2" => Program::Httpd,
        "redis-server" | "redis-sentinel" | "redis-check-rdb" | "redis-check-aof" => Program::Redis,
        "memcached" => Program::Memcached,
        "postgres" | "postmaster" => Program::Postgres,
        "mariadbd" | "mysqld" => Program::Mariadb,
        "openssl" => Program::Openssl,
        "node" | "nodejs" => Program::Node,
        "java" | "libjvm.so" => Program::Openjdk,
        n if n.starts_with("libcrypto.so") || n.starts_with("libssl.so") => Program::Openssl,
        n if n.starts_with("libnode.so") => Program::Node,
        n if python_minor(n).is_some() => Program::Python,
        _ => return None,
    })
}

/// `X.Y` from `python3.11`, `libpython3.11.so.1.0`, `libpython3.12d.so` (debug ABI).
fn python_minor(name: &str) -> Option<&str> {
    let rest = name
        .strip_prefix("python")
        .filter(|r| !r.contains('.') || r.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .or_else(|| name.strip_prefix("libpython").filter(|r| r.contains(".so")))?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let ver = rest[..end].trim_end_matches('.');
    let (major, minor) = ver.split_once('.')?;
    let minor = minor.split('.').next()?;
    (matches!(major, "2" | "3") && !minor.is_empty()).then(|| &ver[..major.len() + 1 + minor.len()])
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // The patterns are constants of this module, covered by the tests.
    cell.get_or_init(|| {
        Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
    })
}

fn first_capture(re: &Regex, bytes: &[u8]) -> Option<String> {
    let c = re.captures(bytes)?;
    let m = c.get(1)?;
    String::from_utf8(m.as_bytes().to_vec()).ok()
}

/// Reads the version of `program` from `bytes`.
fn detect(program: Program, name: &str, bytes: &[u8]) -> Option<String> {
    static NGINX: OnceLock<Regex> = OnceLock::new();
    static HTTPD: OnceLock<Regex> = OnceLock::new();
    static MEMCACHED: OnceLock<Regex> = OnceLock::new();
    static POSTGRES: OnceLock<Regex> = OnceLock::new();
    static MARIADB: OnceLock<Regex> = OnceLock::new();
    static OPENSSL: OnceLock<Regex> = OnceLock::new();
    static NODE: OnceLock<Regex> = OnceLock::new();
    static NODE_URL: OnceLock<Regex> = OnceLock::new();
    static JVM: OnceLock<Regex> = OnceLock::new();
    static LAUNCHER: OnceLock<Regex> = OnceLock::new();
    let bytes = &bytes[..bytes.len().min(MAX_SCAN)];
    match program {
        Program::Nginx => first_capture(re(&NGINX, r"nginx version: nginx/(\d+\.\d+\.\d+)"), bytes),
        Program::Httpd => first_capture(re(&HTTPD, r"Apache/(\d+\.\d+\.\d+)"), bytes),
        Program::Redis => redis_version(bytes),
        Program::Memcached => {
            first_capture(re(&MEMCACHED, r"\x00memcached (\d+\.\d+\.\d+)"), bytes)
        }
        Program::Postgres => first_capture(
            re(&POSTGRES, r"postgres \(PostgreSQL\) (\d+(?:\.\d+)+)"),
            bytes,
        ),
        Program::Mariadb => first_capture(re(&MARIADB, r"\x00(\d+\.\d+\.\d+)-MariaDB"), bytes),
        Program::Openssl => first_capture(
            re(
                &OPENSSL,
                r"OpenSSL (\d+\.\d+\.\d+[a-z]?(?:-(?:alpha|beta)\d+)?) +\d{1,2} [A-Z][a-z]{2} \d{4}",
            ),
            bytes,
        ),
        Program::Node => first_capture(re(&NODE, r"node\.js/v(\d+\.\d+\.\d+)"), bytes)
            .or_else(|| first_capture(re(&NODE_URL, r"/release/v(\d+\.\d+\.\d+)/node-v\d"), bytes)),
        Program::Python => {
            let minor = python_minor(name)?;
            // `PY_VERSION`: `3.11.2`, `3.13.0rc1`, `3.11.2+` (a build past a release).
            let pattern = format!(
                r"\x00({}\.\d+(?:(?:a|b|rc)\d+)?\+?)\x00",
                regex::escape(minor)
            );
            let re = Regex::new(&pattern).ok()?;
            first_capture(&re, bytes)
        }
        Program::Openjdk => {
            if name == "libjvm.so" {
                first_capture(re(&JVM, r"JRE \((\d+(?:[._]\d+)*(?:\+\d+)?)"), bytes)
            } else {
                first_capture(
                    re(
                        &LAUNCHER,
                        r"\x00java\x00[0-9.]*\x00(\d+(?:\.\d+)*\+\d+)(?:-[\x21-\x7e]*)?\x00",
                    ),
                    bytes,
                )
            }
        }
    }
}

/// Redis keeps `REDIS_VERSION` as a bare literal; the one nearest the `redis_version:%s` INFO
/// template is the server's own (see the module table).
fn redis_version(bytes: &[u8]) -> Option<String> {
    static BARE: OnceLock<Regex> = OnceLock::new();
    let anchor = memchr::memmem::find(bytes, b"redis_version:%s")?;
    let lo = anchor.saturating_sub(REDIS_WINDOW);
    let hi = (anchor + REDIS_WINDOW).min(bytes.len());
    let window = &bytes[lo..hi];
    let bare = re(&BARE, r"\x00(\d+\.\d+\.\d+)\x00");
    let rel_anchor = anchor - lo;
    bare.captures_iter(window)
        .filter_map(|c| c.get(1))
        .min_by_key(|m| m.start().abs_diff(rel_anchor))
        .and_then(|m| String::from_utf8(m.as_bytes().to_vec()).ok())
}

/// Whether a file at `path` is named like one of the known programs, i.e. whether
/// [`parse_binary`] would look at its bytes at all.
pub fn is_known_program(path: &str) -> bool {
    program_for(path.rsplit('/').next().unwrap_or(path)).is_some()
}

/// Catalogues one executable or library: one package when its name is one of the known
/// programs **and** its bytes carry the version.
pub fn parse_binary(bytes: &[u8], location: &str) -> Option<Package> {
    let name = location.rsplit('/').next().unwrap_or(location);
    let program = program_for(name)?;
    let version = detect(program, name, bytes)?;
    Some(Package::application(
        PackageKind::Binary,
        program.purl_name(),
        version,
        location,
    ))
}

/// Whether `path` may be a JDK/JRE `release` file (its content decides).
pub fn is_java_release(path: &str) -> bool {
    path.ends_with("/release")
}

/// Reads a JDK/JRE `release` file: `JAVA_RUNTIME_VERSION="17.0.21.1+2-1-deb12u1-Debian"`
/// gives `17.0.21.1+2` (the part a vendor appends after `-` is its build tag), else
/// `JAVA_VERSION="17.0.21"`. `None` when the file is not a Java release file.
pub fn parse_java_release(bytes: &[u8], location: &str) -> Option<Package> {
    if bytes.len() > 64 * 1024 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    };
    let version = field("JAVA_RUNTIME_VERSION")
        .map(|v| v.split('-').next().unwrap_or(v))
        .or_else(|| field("JAVA_VERSION"))?;
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(Package::application(
        PackageKind::Binary,
        "openjdk",
        version,
        location,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(python_minor("python3.11"), Some("3.11"));
        assert_eq!(python_minor("libpython3.12.so.1.0"), Some("3.12"));
        assert_eq!(python_minor("python3"), None);
        assert_eq!(python_minor("python3-config"), None);
        assert_eq!(python_minor("python3.11-config"), None);
        assert_eq!(program_for("libssl.so.3"), Some(Program::Openssl));
        assert_eq!(program_for("bash"), None);
    }

    #[test]
    fn name_alone_is_not_evidence() {
        assert_eq!(
            parse_binary(b"\x7fELF nothing here", "/usr/sbin/nginx"),
            None
        );
    }
}
