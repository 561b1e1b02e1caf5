//! rpm databases: three on-disk formats, one header format.
//!
//! Every rpmdb backend stores the same thing — one [`header`] blob per installed package — in a
//! different container: SQLite ([`sqlite`], rpm ≥ 4.16: Fedora 33+, RHEL 9, Mariner),
//! BerkeleyDB hash ([`bdb`], RHEL ≤ 8, CentOS, Amazon Linux 2) and NDB ([`ndb`], SUSE). Each
//! container reader only yields blobs; [`packages_from_blobs`] turns them into [`Package`]s.
//!
//! No crate reads these formats; the readers here are written from the formats' descriptions.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use crate::distro::Distro;
use crate::package::{Package, PackageKind};
use crate::Warning;

pub use header::{read_info, Header, RpmInfo};

/// Which container an rpmdb file uses, decided from its path (name) and then its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFormat {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// BerkeleyDB hash `Packages`.
    BerkeleyDb,
    /// NDB `Packages.db`.
    Ndb,
}

impl DbFormat {
    /// Detects the format from the file's first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<DbFormat> {
        if bytes.starts_with(b"SQLite format 3\0") {
            Some(DbFormat::Sqlite)
        } else if bytes.starts_with(b"RpmP") || bytes.starts_with(b"PmpR") {
            Some(DbFormat::Ndb)
        } else if bdb::is_hash_db(bytes) {
            Some(DbFormat::BerkeleyDb)
        } else {
            None
        }
    }
}

/// Reads every package of an rpmdb of any format.
///
/// A blob that does not parse becomes a [`Warning`] and is skipped; a container that cannot be
/// read at all is an error.
pub fn parse_rpmdb(
    bytes: &[u8],
    location: &str,
    distro: &Distro,
) -> crate::Result<(Vec<Package>, Vec<Warning>)> {
    let blobs = match DbFormat::sniff(bytes) {
        Some(DbFormat::Sqlite) => sqlite::blobs(bytes)?,
        Some(DbFormat::Ndb) => ndb::blobs(bytes)?,
        Some(DbFormat::BerkeleyDb) => bdb::blobs(bytes)?,
        None => {
            return Err(crate::Error::NotRpmdb(format!(
                "{location}: neither SQLite, NDB nor BerkeleyDB hash"
            )))
        }
    };
    Ok(packages_from_blobs(
        blobs.iter().map(Vec::as_slice),
        location,
        distro,
    ))
}

/// Turns header blobs into packages; undecodable blobs become warnings.
///
/// `gpg-pubkey` entries are skipped: they are imported signing keys, not software.
pub fn packages_from_blobs<'a>(
    blobs: impl IntoIterator<Item = &'a [u8]>,
    location: &str,
    distro: &Distro,
) -> (Vec<Package>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for (i, blob) in blobs.into_iter().enumerate() {
        match read_info(blob) {
            Ok(info) if info.name == "gpg-pubkey" => {}
            Ok(info) => packages.push(to_package(info, location, distro)),
            Err(e) => warnings.push(Warning::new(location, format!("record {i}: {e}"))),
        }
    }
    (packages, warnings)
}

fn to_package(info: RpmInfo, location: &str, distro: &Distro) -> Package {
    let (source_name, source_version) = match info.source_rpm.as_deref().and_then(split_srpm) {
        Some((n, v)) => (Some(n), Some(v)),
        None => (None, None),
    };
    let mut p = Package {
        name: info.name,
        version: info.version,
        epoch: info.epoch,
        release: Some(info.release),
        arch: info.arch,
        source_name,
        source_version,
        license: info.license,
        kind: PackageKind::Rpm,
        purl: String::new(),
        location: location.to_owned(),
        files: info.files,
        layer: None,
    };
    p.compute_purl(distro);
    p
}

/// Splits `name-version-release.src.rpm` into (`name`, `version-release`).
pub fn split_srpm(srpm: &str) -> Option<(String, String)> {
    let stem = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), format!("{version}-{release}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_source_rpm_names() {
        assert_eq!(
            split_srpm("util-linux-2.32.1-42.el8_8.src.rpm"),
            Some(("util-linux".into(), "2.32.1-42.el8_8".into()))
        );
        assert_eq!(split_srpm("nosuffix"), None);
        assert_eq!(split_srpm("a-b.src.rpm"), None);
    }
}
