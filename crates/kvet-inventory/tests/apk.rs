//! apk cataloguer on real Alpine databases (`testdata/apk/`, `testdata/apk/more/`).

mod common;

use kvet_inventory::{apk, catalogue, Distro, Files, Package};
use serde_json::Value;

fn parse(rel: &str) -> (Vec<Package>, Vec<kvet_inventory::Warning>) {
    apk::parse_installed(
        &common::read(rel),
        rel,
        &Distro::new("alpine", Some("3.11.6")),
    )
}

#[test]
fn trivy_alpine() {
    // testdata/apk/trivy-alpine.installed: 16 records, one of them (`invalidPackageWithoutAVersion`)
    // deliberately without a version.
    let (pkgs, warnings) = parse("apk/trivy-alpine.installed");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("line 23"), "{warnings:?}");
    assert_eq!(pkgs.len(), 15);
    let musl = &pkgs[0];
    assert_eq!(
        (
            musl.name.as_str(),
            musl.version.as_str(),
            musl.arch.as_deref(),
            musl.source_name.as_deref(),
            musl.license.as_deref()
        ),
        (
            "musl",
            "1.1.14-r10",
            Some("x86_64"),
            Some("musl"),
            Some("MIT")
        )
    );
    assert_eq!(
        musl.purl,
        "pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64&distro=alpine-3.11.6"
    );
    assert!(
        musl.files.iter().any(|f| f == "/lib/libc.musl-x86_64.so.1"),
        "{:?}",
        musl.files
    );
}

#[test]
fn syft_base_files() {
    // testdata/apk/syft-base.installed: one package with its file list
    let (pkgs, warnings) = parse("apk/syft-base.installed");
    assert!(warnings.is_empty());
    assert_eq!(pkgs.len(), 1);
    assert_eq!(pkgs[0].name, "alpine-baselayout");
    assert!(pkgs[0].files.iter().any(|f| f == "/etc/fstab"));
}

#[test]
fn syft_multiple_2() {
    // testdata/apk/syft-multiple-2.installed: 14 packages, origin differs from name
    let (pkgs, warnings) = parse("apk/syft-multiple-2.installed");
    assert!(warnings.is_empty());
    assert_eq!(pkgs.len(), 14);
    assert_eq!(pkgs[0].name, "alpine-baselayout-data");
    assert_eq!(pkgs[0].source_name.as_deref(), Some("alpine-baselayout"));
    assert!(
        pkgs[0].purl.contains("upstream=alpine-baselayout"),
        "{}",
        pkgs[0].purl
    );
}

#[test]
fn corrupt_record_is_a_warning() {
    // testdata/apk/syft-corrupt.installed: a junk first record, then one valid package
    let (pkgs, warnings) = parse("apk/syft-corrupt.installed");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("line 1"), "{warnings:?}");
    assert_eq!(pkgs.len(), 1);
    assert_eq!(pkgs[0].name, "alpine-baselayout-data");
}

/// `testdata/dpkg/more/expected-derived/apk__*.json` against `testdata/apk/more/*/lib/apk/db/installed`.
#[test]
fn more_files_match_expected_derived() {
    let dir = common::testdata().join("dpkg/more/expected-derived");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("apk__") {
            continue;
        }
        let exp: Value =
            serde_json::from_slice(&std::fs::read(entry.path()).expect("read")).expect("json");
        let db = exp["db_file"].as_str().expect("db_file");
        let rest = db.trim_start_matches("apk/");
        let mut rel = format!("apk/more/{rest}");
        if !common::testdata().join(&rel).exists() {
            // syft-multiple-2 sits at the top: testdata/apk/syft-multiple-2.installed.
            let first = rest.split('/').next().unwrap_or_default();
            rel = format!("apk/{first}.installed");
        }
        let (pkgs, warnings) = parse(&rel);
        // Records without a version (trivy's `invalidPackageWithoutAVersion`) are warnings.
        let records = exp["packages"].as_array().expect("packages");
        let no_version = records.iter().filter(|p| p["version"].is_null()).count();
        assert_eq!(warnings.len(), no_version, "{rel}: {warnings:?}");
        let want: Vec<Vec<Option<String>>> = records
            .iter()
            .filter(|p| !p["version"].is_null())
            .map(|p| {
                ["name", "version", "arch", "origin", "license"]
                    .iter()
                    .map(|k| p[*k].as_str().map(str::to_owned))
                    .collect()
            })
            .collect();
        let got: Vec<Vec<Option<String>>> = pkgs
            .into_iter()
            .map(|p| {
                vec![
                    Some(p.name),
                    Some(p.version),
                    p.arch,
                    p.source_name,
                    p.license,
                ]
            })
            .collect();
        assert_eq!(got, want, "{rel}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn full_catalogue_of_an_alpine_root() {
    // testdata/os-release/more/claircore/alpine/3.10/etc/os-release + testdata/apk/trivy-alpine.installed
    let mut files = Files::new();
    files.insert(
        "/etc/os-release".into(),
        common::read("os-release/more/claircore/alpine/3.10/etc/os-release"),
    );
    files.insert(
        "/lib/apk/db/installed".into(),
        common::read("apk/trivy-alpine.installed"),
    );
    let inv = catalogue(&files);
    assert_eq!(inv.distro.id, "alpine");
    assert_eq!(inv.packages.len(), 15);
    assert_eq!(inv.warnings.len(), 1);
    assert!(inv
        .packages
        .iter()
        .all(|p| p.location == "/lib/apk/db/installed"));
    assert!(
        inv.packages[0].purl.contains("distro=alpine-3.10"),
        "{}",
        inv.packages[0].purl
    );
}
