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

/// This crate's own fixtures directory, `tests/data`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every file under `tests/data/<rel>`, keyed as if the directory were `image_dir` in an image.
pub fn fixture_tree(rel: &str, image_dir: &str) -> kvet_inventory::Files {
    let base = fixtures().join(rel);
    let mut files = kvet_inventory::Files::new();
    for entry in walkdir::WalkDir::new(&base) {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", base.display()));
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&base).expect("under base");
            let key = format!("{image_dir}/{}", rel.to_string_lossy());
            files.insert(key, std::fs::read(entry.path()).expect("readable fixture"));
        }
    }
    files
}

/// `tests/data/<rel>` as bytes.
pub fn fixture(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The cache `scripts/setup/appcat.sh` fills with real Debian binaries and a cargo-auditable
/// build (`KVET_TEST_DEBS` overrides). Panics with the fix when it is missing.
pub fn test_debs() -> PathBuf {
    let dir = std::env::var_os("KVET_TEST_DEBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-debs")
        });
    assert!(
        dir.join("debs/.done").exists() && dir.join("auditable/.done").exists(),
        "{} is missing or incomplete: run scripts/setup/appcat.sh (scripts/test.sh runs it)",
        dir.display()
    );
    dir
}
