#![allow(dead_code)]
//! Shared helpers: where the real OSV records are, building a database from them, and the
//! real version comparators injected for ECOSYSTEM ranges.

use kvet_vulndb::import::{self, Input};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// `../shared/testdata/osv/<rel>` (see the testdata README's "osv/" section).
pub fn osv(rel: &str) -> PathBuf {
    let p = kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("osv")
        .join(rel);
    assert!(p.exists(), "test data missing: {}", p.display());
    p
}

pub fn testdata(rel: &str) -> PathBuf {
    let p = kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join(rel);
    assert!(p.exists(), "test data missing: {}", p.display());
    p
}

/// Every real record: Go/, PyPI/, Maven/, GHSA/, Debian/ folders and Alpine/all.zip.
pub fn all_inputs() -> Vec<Input> {
    ["Go", "PyPI", "Maven", "GHSA", "Debian", "Alpine/all.zip"]
        .iter()
        .map(|r| Input {
            name: r.to_string(),
            path: osv(r),
            location: osv(r).display().to_string(),
        })
        .collect()
}

/// Builds a database from `inputs` in a fresh temporary folder.
pub fn build(inputs: &[Input]) -> (tempfile::TempDir, PathBuf, import::Report) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(kvet_vulndb::DB_FILE_NAME);
    let report = import::import(&db, inputs, &import::Options::default()).unwrap();
    (dir, db, report)
}

/// Debian's order (the `debversion` crate implements dpkg's rules).
pub fn dpkg_cmp(a: &str, b: &str) -> Ordering {
    match (
        debversion::Version::from_str(a),
        debversion::Version::from_str(b),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// PEP 440 order (`pep440_rs`), for PyPI records.
pub fn pep440_cmp(a: &str, b: &str) -> Ordering {
    match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

pub fn ids(matches: &[kvet_vulndb::Match]) -> Vec<String> {
    let mut v: Vec<String> = matches.iter().map(|m| m.id.clone()).collect();
    v.sort();
    v
}

pub fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
