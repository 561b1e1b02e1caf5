#![allow(dead_code)]
use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The workspace root, so tests can name bundled example files by their relative path.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `kvet` run from the workspace root (unless a test sets another directory).
pub fn kvet() -> Command {
    let mut c = Command::cargo_bin("kvet").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

pub fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

pub fn validator(schema_path: &Path) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

pub fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

/// Findings as (checkId, line) pairs, sorted.
pub fn check_lines(report: &serde_json::Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["checkId"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

/// The real images `scripts/make-test-images.sh` builds from Debian's packages
/// (`target/test-images`, or `KVET_TEST_IMAGES`).
pub fn images() -> PathBuf {
    let dir = std::env::var_os("KVET_TEST_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-images"));
    assert!(
        dir.join("debian-bookworm/index.json").is_file(),
        "real test images missing under {}: run scripts/make-test-images.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// A vulnerability database imported by `kvet db import` from the real OSV records of
/// ../shared/testdata/osv, once per test binary.
pub fn osv_db() -> &'static Path {
    static DB: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let osv = kvet_core::testdata_dir()
            .expect("shared test data (set KVET_TESTDATA)")
            .join("osv");
        kvet()
            .args(["db", "-q", "--db-dir"])
            .arg(dir.path())
            .arg("import")
            .arg(&osv)
            .assert()
            .success();
        dir
    })
    .path()
}
