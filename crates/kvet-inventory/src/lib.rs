//! Image inventory: which distro an image is, which OS packages it has installed, and which
//! application packages (Python, npm, Rust, Ruby, PHP, .NET, well-known binaries) it carries.
//!
//! # Contract
//!
//! **Input** is a map from absolute path inside the image (`/var/lib/dpkg/status`) to that
//! file's bytes — after layers have been squashed, whiteouts applied and symlinks resolved by
//! the image walker. The walker only needs to keep files for which [`is_wanted`] is true (the
//! patterns are listed in [`WANTED_PATHS`]), so one pass over the layers serves every
//! cataloguer.
//!
//! **Output** is an [`Inventory`]: the detected [`Distro`] (or [`Distro::unknown`], never a
//! guess), the [`Package`]s with their PURLs and the database they came from, and the
//! [`Warning`]s for records or files that could not be read. A corrupt entry in a package
//! database is skipped with a warning; a database that cannot be read at all becomes one warning
//! naming the file; neither stops the rest of the inventory.
//!
//! Cataloguers are pure: bytes in, packages out. They never touch the filesystem; the
//! [`rootfs`] helper (tests, CLI on an unpacked root) is the only I/O here, and it only reads the
//! wanted paths. Every parser treats its input as hostile: bounds are checked before use, sizes
//! read from a file never drive an allocation larger than the file, and nothing panics.
//!
//! # Cataloguers
//!
//! | module | files | kind |
//! |---|---|---|
//! | [`distro`] | `/etc/os-release`, `/usr/lib/os-release`, `/etc/*-release`, `/etc/debian_version`, `/etc/lsb-release` | distro |
//! | [`dpkg`] | `/var/lib/dpkg/status`, `/var/lib/dpkg/status.d/*`, `/var/lib/dpkg/info/*.list` | deb |
//! | [`apk`] | `/lib/apk/db/installed` | apk |
//! | [`java`] | `**/*.{jar,war,ear,par,sar,jpi,hpi}` (nested archives opened up to 4 levels): `pom.properties`, else `MANIFEST.MF` and file name | maven |
//! | [`gobin`] | any executable the walker hands over (Go ≥ 1.18 build info) | golang |
//! | [`rpm`] | `rpmdb.sqlite`, `Packages` (BerkeleyDB), `Packages.db` (NDB) under `/var/lib/rpm` or `/usr/lib/sysimage/rpm` | rpm |
//! | [`python`] | `**/{site,dist}-packages/*.dist-info/METADATA` (+ `RECORD`), `*.egg-info/PKG-INFO` (+ `installed-files.txt`), `*.egg-info` files | pypi |
//! | [`npm`] | `**/node_modules/[@scope/]name/package.json`, `**/package-lock.json` outside `node_modules` (v1–v3) | npm |
//! | [`cargo`] | `**/Cargo.lock`; executables built with `cargo auditable` (`.dep-v0`) | cargo |
//! | [`gem`] | `**/specifications/[default/]*.gemspec` | gem |
//! | [`composer`] | `**/vendor/composer/installed.json` (Composer 1 and 2) | composer |
//! | [`nuget`] | `**/*.deps.json` | nuget |
//! | [`binary`] | executables named nginx, httpd/apache2, redis-*, memcached, postgres, mariadbd/mysqld, openssl/libcrypto/libssl, node/libnode, pythonX.Y/libpythonX.Y, java/libjvm.so; JDK `release` files | generic |
//!
//! The application cataloguers are run by [`apps`], which also removes duplicates (same kind,
//! name, version and file). Packages Debian installs into `dist-packages` are reported twice,
//! once by dpkg (`pkg:deb/…`) and once from their Python metadata (`pkg:pypi/…`), as Syft
//! does: each PURL matches its own ecosystem's advisories.

pub mod apk;
pub mod apps;
pub mod binary;
pub mod cargo;
pub mod composer;
pub mod distro;
pub mod dpkg;
pub mod error;
pub mod gem;
pub mod gobin;
pub mod java;
pub mod npm;
pub mod nuget;
pub mod package;
pub mod python;
pub mod rootfs;
pub mod rpm;
mod wanted;

use std::collections::BTreeMap;

use serde::Serialize;

pub use distro::Distro;
pub use error::{Error, Result};
pub use package::{LayerRef, Package, PackageKind};

/// Files of an image: absolute path → contents.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Something that could not be read, and where. Reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The file concerned.
    pub location: String,
    /// What went wrong.
    pub message: String,
}

impl Warning {
    /// A warning about `location`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        Warning {
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Everything found in one image.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// The distro, or [`Distro::unknown`].
    pub distro: Distro,
    /// Installed packages, grouped by database in [`WANTED_PATHS`] order.
    pub packages: Vec<Package>,
    /// Records or files that could not be read.
    pub warnings: Vec<Warning>,
}

/// rpmdb locations: rpm ≥ 4.16 moved the database to `/usr/lib/sysimage/rpm`; older ones and
/// most images still use `/var/lib/rpm` (often a symlink to the new place, resolved by the walker).
pub const RPMDB_PATHS: &[&str] = &[
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/Packages",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages.db",
    "/var/lib/rpm/Packages",
];

/// Paths the cataloguers read. Entries ending in `/*` match any file directly in that directory;
/// `*` inside a component matches within that component only; a `**` component matches any
/// number of whole directories, including none (see [`is_wanted`]).
pub const WANTED_PATHS: &[&str] = &[
    // distro
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/lsb-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    "/etc/redhat-release",
    "/etc/centos-release",
    "/etc/rocky-release",
    "/etc/almalinux-release",
    "/etc/oracle-release",
    "/etc/fedora-release",
    "/etc/system-release",
    "/etc/openEuler-release",
    "/etc/euleros-release",
    "/etc/hce-release",
    "/etc/kylin-release",
    "/etc/ctyunos-release",
    "/etc/uos-release",
    "/etc/SuSE-release",
    "/etc/photon-release",
    // dpkg
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/*",
    "/var/lib/dpkg/info/*.list",
    "/usr/share/doc/*/copyright",
    // apk
    "/lib/apk/db/installed",
    // rpm
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/Packages",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages.db",
    "/var/lib/rpm/Packages",
    // Java archives, anywhere (every extension `java::is_archive` reads: Jenkins plugins are
    // `.hpi`/`.jpi`, JBoss service and persistence archives `.sar`/`.par`)
    "**/*.jar",
    "**/*.war",
    "**/*.ear",
    "**/*.par",
    "**/*.sar",
    "**/*.jpi",
    "**/*.hpi",
    // Python (wheel installs, setuptools/Debian egg-info directories and single files)
    "**/site-packages/*.dist-info/METADATA",
    "**/site-packages/*.dist-info/RECORD",
    "**/site-packages/*.egg-info",
    "**/site-packages/*.egg-info/PKG-INFO",
    "**/site-packages/*.egg-info/installed-files.txt",
    "**/dist-packages/*.dist-info/METADATA",
    "**/dist-packages/*.dist-info/RECORD",
    "**/dist-packages/*.egg-info",
    "**/dist-packages/*.egg-info/PKG-INFO",
    "**/dist-packages/*.egg-info/installed-files.txt",
    // npm: installed packages at any depth, and project lockfiles
    "**/node_modules/*/package.json",
    "**/node_modules/@*/*/package.json",
    "**/package-lock.json",
    // Rust
    "**/Cargo.lock",
    // Ruby
    "**/specifications/*.gemspec",
    "**/specifications/default/*.gemspec",
    // PHP
    "**/vendor/composer/installed.json",
    // .NET
    "**/*.deps.json",
    // JDK/JRE release file (the content decides)
    "**/release",
];

/// Exceptions to [`WANTED_PATHS`]: a `package-lock.json` shipped inside an installed package
/// describes that package's development, not what is installed.
pub const UNWANTED_PATHS: &[&str] = &["**/node_modules/**/package-lock.json"];

/// Whether the image walker should keep the file at `path` (absolute, `/`-separated): it
/// matches [`WANTED_PATHS`] and not [`UNWANTED_PATHS`]. Costs one hash lookup and a few
/// suffix comparisons for a path no cataloguer wants (the bench `wanted` measures it).
pub fn is_wanted(path: &str) -> bool {
    static UNWANTED: std::sync::OnceLock<wanted::Matcher> = std::sync::OnceLock::new();
    wanted::Matcher::get().is_match(path)
        && !UNWANTED
            .get_or_init(|| wanted::Matcher::new(UNWANTED_PATHS))
            .is_match(path)
}

/// Whether a file's first bytes are an ELF, Mach-O or PE header: such files have no fixed
/// path, so the walker reads them and keeps those [`executable_worth_keeping`] accepts (capped
/// by the size limit) for the Go, cargo-auditable and binary-version cataloguers.
pub fn looks_like_executable(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xfe, 0xed, 0xfa, 0xcf])
}

/// Byte strings that every executable the Go and cargo-auditable cataloguers report on (or
/// warn about) contains somewhere: the Go build-info magic (read from inside a section, so
/// its bytes are in the file) and the `.dep-v0` section name without its dot (ELF keeps it in
/// `.shstrtab`, PE in the section headers; in Mach-O the `object` crate also accepts it
/// spelt `__dep-v0`). An executable with neither, and not named like a
/// program [`binary`] knows ([`binary::is_known_program`]), yields nothing from
/// [`catalogue`], so the image walker need not keep it: see [`executable_worth_keeping`].
pub const EXECUTABLE_MARKERS: &[&[u8]] = &[gobin::MAGIC, b"dep-v0"];

/// Whether [`catalogue`] can find packages or warnings in the executable at `path` with
/// these bytes (a superset test: false only when it certainly finds nothing).
pub fn executable_worth_keeping(path: &str, bytes: &[u8]) -> bool {
    binary::is_known_program(path) || has_executable_marker(bytes)
}

/// Whether `bytes` contain one of [`EXECUTABLE_MARKERS`]. A walker that sees a file in pieces
/// calls it on each piece together with the last `EXECUTABLE_MARKER_MAX - 1` bytes before it.
pub fn has_executable_marker(bytes: &[u8]) -> bool {
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    FINDERS
        .get_or_init(|| {
            EXECUTABLE_MARKERS
                .iter()
                .map(memchr::memmem::Finder::new)
                .collect()
        })
        .iter()
        .any(|f| f.find(bytes).is_some())
}

/// Length of the longest of [`EXECUTABLE_MARKERS`].
pub const EXECUTABLE_MARKER_MAX: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < EXECUTABLE_MARKERS.len() {
        if EXECUTABLE_MARKERS[i].len() > max {
            max = EXECUTABLE_MARKERS[i].len();
        }
        i += 1;
    }
    max
};

/// Runs every cataloguer over `files` (see the crate docs for the contract).
pub fn catalogue(files: &Files) -> Inventory {
    let distro = distro::detect(files);
    let mut packages = Vec::new();
    let mut warnings = Vec::new();

    let (p, w) = dpkg::catalogue(files, &distro);
    packages.extend(p);
    warnings.extend(w);

    if let Some(bytes) = files.get("/lib/apk/db/installed") {
        let (p, w) = apk::parse_installed(bytes, "/lib/apk/db/installed", &distro);
        packages.extend(p);
        warnings.extend(w);
    }

    // The first rpmdb present wins: when both an old and a new one exist, rpm uses the one its
    // configuration names, which is the newer location on every distro that moved.
    if let Some((path, bytes)) = RPMDB_PATHS
        .iter()
        .find_map(|p| files.get(*p).map(|b| (*p, b)))
    {
        match rpm::parse_rpmdb(bytes, path, &distro) {
            Ok((p, w)) => {
                packages.extend(p);
                warnings.extend(w);
            }
            Err(e) => warnings.push(Warning::new(path, e.to_string())),
        }
    }

    for (path, bytes) in files.iter().filter(|(p, _)| java::is_archive(p)) {
        let (p, w) = java::parse_archive(bytes, path);
        packages.extend(p);
        warnings.extend(w);
    }

    let (p, w) = apps::catalogue(files);
    packages.extend(p);
    warnings.extend(w);

    // Go, cargo-auditable and well-known binaries have no fixed path: the walker decides which
    // executables to hand over (see [`looks_like_executable`]); anything else in the map is
    // not parsed twice.
    for (path, bytes) in files
        .iter()
        .filter(|(p, b)| !is_wanted(p) && looks_like_executable(b))
    {
        let (p, w) = gobin::parse_binary(bytes, path);
        packages.extend(p);
        warnings.extend(w);
        let (p, w) = apps::catalogue_executable(bytes, path);
        packages.extend(p);
        warnings.extend(w);
    }

    Inventory {
        distro,
        packages,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_paths_match_globs() {
        assert!(is_wanted("/var/lib/dpkg/status"));
        assert!(is_wanted("/var/lib/dpkg/status.d/libssl3"));
        assert!(is_wanted("/var/lib/dpkg/info/libc6:amd64.list"));
        assert!(is_wanted("/usr/share/doc/bash/copyright"));
        assert!(!is_wanted("/usr/share/doc/bash/changelog.gz"));
        assert!(!is_wanted("/var/lib/dpkg/status.d/sub/x"));
        assert!(!is_wanted("/var/lib/dpkg/info/libc6.md5sums"));
        assert!(!is_wanted("/etc/passwd"));
        assert!(is_wanted("/opt/app/lib/log4j-core-2.14.1.jar"));
        assert!(is_wanted("/app.war"));
        assert!(is_wanted("/var/jenkins_home/plugins/git.hpi"));
        assert!(is_wanted("/var/jenkins_home/plugins/git.jpi"));
        assert!(!is_wanted("/opt/app/lib/jar"));
        assert!(is_wanted(
            "/usr/local/lib/python3.12/site-packages/requests-2.32.3.dist-info/METADATA"
        ));
        assert!(is_wanted(
            "/usr/lib/python3/dist-packages/rpm-4.18.0.egg-info"
        ));
        assert!(!is_wanted("/usr/lib/python3/dist-packages/six.py"));
        assert!(is_wanted("/app/node_modules/@babel/core/package.json"));
        assert!(is_wanted(
            "/app/node_modules/a/node_modules/ms/package.json"
        ));
        assert!(!is_wanted("/app/node_modules/a/dist/esm/package.json"));
        assert!(is_wanted("/app/package-lock.json"));
        assert!(!is_wanted("/app/node_modules/a/package-lock.json"));
        assert!(is_wanted("/src/Cargo.lock"));
        assert!(is_wanted(
            "/usr/local/bundle/specifications/rack-3.0.8.gemspec"
        ));
        assert!(is_wanted("/var/www/vendor/composer/installed.json"));
        assert!(is_wanted("/app/MyApp.deps.json"));
        assert!(is_wanted("/opt/java/openjdk/release"));
        assert!(!is_wanted("relative/Cargo.lock"));
    }
}
