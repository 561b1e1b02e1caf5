//! Image inventory: which distro an image is, and which OS packages it has installed.
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
//! | [`java`] | `**/*.jar`, `*.war`, `*.ear` (nested archives opened up to 4 levels) | maven |
//! | [`gobin`] | any executable the walker hands over (Go ≥ 1.18 build info) | golang |
//! | [`rpm`] | `rpmdb.sqlite`, `Packages` (BerkeleyDB), `Packages.db` (NDB) under `/var/lib/rpm` or `/usr/lib/sysimage/rpm` | rpm |

pub mod apk;
pub mod distro;
pub mod dpkg;
pub mod error;
pub mod gobin;
pub mod java;
pub mod package;
pub mod rootfs;
pub mod rpm;

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
/// `*` inside a component matches within that component only (see [`is_wanted`]).
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
    // Java archives, anywhere
    "**/*.jar",
    "**/*.war",
    "**/*.ear",
];

/// Whether the image walker should keep the file at `path` (absolute, `/`-separated).
pub fn is_wanted(path: &str) -> bool {
    WANTED_PATHS.iter().any(|pat| glob_match(pat, path))
}

/// Component-wise match where `*` matches any run of characters other than `/`, and a leading
/// `**/` matches any directories (the rest of the pattern is then matched against the last
/// component).
fn glob_match(pattern: &str, path: &str) -> bool {
    if let Some(last) = pattern.strip_prefix("**/") {
        let name = path.rsplit('/').next().unwrap_or(path);
        return component_match(last, name);
    }
    let mut pc = pattern.split('/');
    let mut sc = path.split('/');
    loop {
        match (pc.next(), sc.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if component_match(p, s) => {}
            _ => return false,
        }
    }
}

fn component_match(pat: &str, s: &str) -> bool {
    match pat.split_once('*') {
        None => pat == s,
        Some((pre, suf)) => {
            s.len() >= pre.len() + suf.len()
                && s.starts_with(pre)
                && s.ends_with(suf)
                && !s.is_empty()
        }
    }
}

/// Whether a file's first bytes are an ELF, Mach-O or PE header: the walker keeps such files
/// (capped by the size limit) for the Go build-info cataloguer, since they have no fixed path.
pub fn looks_like_executable(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xfe, 0xed, 0xfa, 0xcf])
}

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

    // Go binaries have no fixed path: the walker decides which executables to hand over
    // (see [`looks_like_executable`]); anything else in the map is not parsed twice.
    for (path, bytes) in files
        .iter()
        .filter(|(p, b)| !is_wanted(p) && looks_like_executable(b))
    {
        let (p, w) = gobin::parse_binary(bytes, path);
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
        assert!(!is_wanted("/opt/app/lib/jar"));
    }
}
