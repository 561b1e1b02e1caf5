//! `kvet image` end to end: a database imported from the real OSV records of
//! ../shared/testdata/osv (golang/vulndb, Debian changelog-derived records, Alpine secdb, PyPI,
//! Maven, GHSA) by `kvet db import`, and the real Debian 12 image of
//! `scripts/make-test-images.sh` (its runc is built with Go 1.19.8).

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

fn image_json(extra: &[&str], input: &Path) -> (Option<i32>, serde_json::Value) {
    let out = kvet()
        .args(["image", "-q", "-f", "json", "--db-dir"])
        .arg(osv_db())
        .args(extra)
        .arg("--input")
        .arg(input)
        .output()
        .unwrap();
    (out.status.code(), json_of(&out.stdout))
}

/// 80 is what an independent evaluation of the Go records' SEMVER ranges gives for stdlib
/// 1.19.8 (a Python script over osv/Go, CVE ids first, run when this test was written); the
/// Debian packages of the image are newer than every Debian record's fix, and Debian's log4j
/// 2.19.0 is past the log4j fixes.
#[test]
fn go_stdlib_of_runc_is_matched_and_nothing_else() {
    let (code, doc) = image_json(&[], &images().join("debian-bookworm"));
    assert_eq!(code, Some(0));
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f.len(), 80);
    assert!(f
        .iter()
        .all(|f| f["package"] == "stdlib" && f["file"] == "/usr/sbin/runc"));
    let one = f
        .iter()
        .find(|f| f["checkId"] == "CVE-2023-24539")
        .expect("GO-2023-1751 under its CVE id");
    assert!(one["message"].as_str().unwrap().contains("fixed in 1.19.9"));
    assert!(one["message"].as_str().unwrap().contains("GO-2023-1751"));
    assert_eq!(one["class"], "vulnerability");
}

#[test]
fn severity_exit_code_whitelist_and_cyclonedx() {
    let layout = images().join("debian-bookworm");
    // Go records carry no severity: a HIGH,CRITICAL filter leaves nothing, exit 0.
    let (code, doc) = image_json(
        &["--severity", "HIGH,CRITICAL", "--exit-code", "4"],
        &layout,
    );
    assert_eq!(code, Some(0));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    let (code, _) = image_json(&["--exit-code", "4"], &layout);
    assert_eq!(code, Some(4));
    // A whitelist entry by package hides them all, with its reason.
    let d = tempfile::tempdir().unwrap();
    let ignore = d.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n- check: \"*\"\n  package: stdlib\n  reason: runc is replaced next sprint\n",
    )
    .unwrap();
    let (code, doc) = image_json(
        &["--exit-code", "4", "--ignorefile", ignore.to_str().unwrap()],
        &layout,
    );
    assert_eq!(code, Some(0));
    assert_eq!(doc["ignored"].as_array().unwrap().len(), 80);
    // CycloneDX carries the same vulnerabilities, pointing at the stdlib component.
    let out = kvet()
        .args(["image", "-q", "-f", "cyclonedx", "--db-dir"])
        .arg(osv_db())
        .arg("--input")
        .arg(&layout)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let bom = json_of(&out.stdout);
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 80);
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    for v in vulns {
        let r = v["affects"][0]["ref"].as_str().unwrap();
        assert!(refs.contains(&r), "{r}");
    }
}

/// A VEX statement written for the Go advisory id covers the finding reported under its CVE id;
/// it moves to the ignored list with the statement as the reason, and CycloneDX keeps it with
/// an analysis. A statement for another image changes nothing.
#[test]
fn vex_statements_suppress_by_alias_and_travel_into_cyclonedx() {
    let layout = images().join("debian-bookworm");
    let d = tempfile::tempdir().unwrap();
    let ignore = d.path().join("vex.yaml");
    std::fs::write(
        &ignore,
        "vex:\n\
         - vulnerability: GO-2023-1751\n  status: not_affected\n\
         \x20 justification: vulnerable_code_not_in_execute_path\n\
         \x20 impact: runc serves no HTML templates\n  packages: [stdlib]\n\
         - vulnerability: CVE-2023-24540\n  status: fixed\n  impact: rebuilt\n\
         \x20 products: [\"registry.example/other:*\"]\n",
    )
    .unwrap();
    let args = ["--exit-code", "4", "--ignorefile", ignore.to_str().unwrap()];
    let (code, doc) = image_json(&args, &layout);
    assert_eq!(code, Some(4), "79 findings remain");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 79);
    assert!(findings.iter().any(|f| f["checkId"] == "CVE-2023-24540"));
    let ignored = doc["ignored"].as_array().unwrap();
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0]["checkId"], "CVE-2023-24539");
    assert_eq!(
        ignored[0]["reason"],
        "VEX not_affected (vulnerable_code_not_in_execute_path): runc serves no HTML templates"
    );
    assert!(ignored[0]["source"]
        .as_str()
        .unwrap()
        .ends_with("vex entry 1"));

    let out = kvet()
        .args(["image", "-q", "-f", "cyclonedx", "--db-dir"])
        .arg(osv_db())
        .args(args)
        .arg("--input")
        .arg(&layout)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let bom = json_of(&out.stdout);
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 80);
    let analysed: Vec<&serde_json::Value> = vulns
        .iter()
        .filter(|v| v.get("analysis").is_some())
        .collect();
    assert_eq!(analysed.len(), 1);
    assert_eq!(analysed[0]["id"], "CVE-2023-24539");
    assert_eq!(analysed[0]["analysis"]["state"], "not_affected");
    assert_eq!(
        analysed[0]["analysis"]["justification"],
        "code_not_reachable"
    );
}

/// Debian's records are keyed by source package and compared with dpkg's rules: the real
/// minbase status (../shared/testdata/dpkg/debian12-minbase.status) is clean; the same file with
/// zlib1g taken back to bookworm's predecessor's version matches both zlib records (fixed in
/// 1:1.2.11.dfsg-4 and -4.1), through the source name `zlib`.
#[test]
fn debian_packages_match_by_source_package_and_dpkg_order() {
    let status = std::fs::read_to_string(
        kvet_core::testdata_dir()
            .unwrap()
            .join("dpkg/debian12-minbase.status"),
    )
    .unwrap();
    let os_release = std::fs::read(
        kvet_core::testdata_dir()
            .unwrap()
            .join("os-release/debian12_etc_os-release"),
    )
    .unwrap();
    let rootfs = |status: &str| {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        std::fs::create_dir_all(d.path().join("var/lib/dpkg")).unwrap();
        std::fs::write(d.path().join("etc/os-release"), &os_release).unwrap();
        std::fs::write(d.path().join("var/lib/dpkg/status"), status).unwrap();
        d
    };
    let clean = rootfs(&status);
    let out = kvet()
        .args(["image", "-q", "-f", "json", "--db-dir"])
        .arg(osv_db())
        .arg("--rootfs")
        .arg(clean.path())
        .output()
        .unwrap();
    assert_eq!(
        json_of(&out.stdout)["findings"].as_array().unwrap().len(),
        0
    );

    let old = status.replace("Version: 1:1.2.13.dfsg-1", "Version: 1:1.2.11.dfsg-2");
    assert_ne!(old, status);
    let dir = rootfs(&old);
    let out = kvet()
        .args(["image", "-q", "-f", "json", "--db-dir"])
        .arg(osv_db())
        .arg("--rootfs")
        .arg(dir.path())
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    let mut ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["checkId"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["CVE-2018-25032", "CVE-2022-37434"]);
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("feed Debian:12"));
}

#[test]
fn missing_database_says_how_to_get_one() {
    let empty = tempfile::tempdir().unwrap();
    kvet()
        .args(["image", "--db-dir"])
        .arg(empty.path())
        .arg("--input")
        .arg(images().join("debian-bookworm"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kvet db update"));
}
