//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `/work/shared/testdata`, or `KVET_TESTDATA` when set.
pub fn testdata() -> PathBuf {
    std::env::var_os("KVET_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/testdata"))
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = testdata().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
