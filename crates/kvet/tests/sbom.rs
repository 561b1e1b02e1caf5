//! `kvet sbom` end to end on the real Debian 12 image that `scripts/make-test-images.sh` builds
//! from Debian's packages (minbase; + liblog4j2-java python3-six runc; a layer deleting a jar),
//! as an OCI layout, a `docker save` tarball, an unpacked root filesystem, and pulled from a real
//! `docker-registry` on 127.0.0.1. The expected deb list is `dpkg-query -W` of the image's
//! root after each layer, recorded by the script (`debian-bookworm.expected/packages-N.tsv`).

mod common;
mod registry;

use common::*;
use registry::Registry;
use serde_json::Value;
use std::collections::BTreeSet;

/// `name<TAB>version` of every deb the image has after layer `n`.
fn expected_debs(n: usize) -> BTreeSet<(String, String)> {
    let p = images().join(format!("debian-bookworm.expected/packages-{n}.tsv"));
    std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_owned(), f.next()?.to_owned()))
        })
        .collect()
}

fn sbom_json(args: &[&str]) -> Value {
    let out = kvet()
        .arg("sbom")
        .args(args)
        .args(["-f", "json", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out.stdout)
}

fn debs(doc: &Value) -> BTreeSet<(String, String)> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "deb")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["full_version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn names_of_kind(doc: &Value, kind: &str) -> BTreeSet<String> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn oci_layout_lists_every_package_with_its_layer() {
    let layout = images().join("debian-bookworm");
    let doc = sbom_json(&["--input", layout.to_str().unwrap()]);
    assert_eq!(debs(&doc), expected_debs(2));
    assert_eq!(doc["distro"]["id"], "debian");
    // Packages of the base layer belong to layer 0, the apt-get layer's to layer 1.
    let base = expected_debs(0);
    for p in doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "deb")
    {
        let key = (
            p["name"].as_str().unwrap().to_owned(),
            p["full_version"].as_str().unwrap().to_owned(),
        );
        let want = if base.contains(&key) { 0 } else { 1 };
        assert_eq!(p["layer"]["index"], want, "{key:?}");
    }
    let runc = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "runc")
        .unwrap();
    assert!(runc["layer"]["created_by"]
        .as_str()
        .unwrap()
        .contains("apt-get install"));
    // log4j from liblog4j2-java's jars; the jar deleted in layer 2 is gone.
    let maven = names_of_kind(&doc, "maven");
    assert!(
        maven.contains("org.apache.logging.log4j:log4j-core"),
        "{maven:?}"
    );
    assert!(
        !maven.contains("org.apache.logging.log4j:log4j-1.2-api"),
        "{maven:?}"
    );
    // runc is a Go binary: the toolchain it was built with.
    assert!(names_of_kind(&doc, "golang").contains("stdlib"));
}

#[test]
fn docker_archive_and_rootfs_agree_with_the_layout() {
    let dir = images();
    let layout = sbom_json(&["--input", dir.join("debian-bookworm").to_str().unwrap()]);
    let archive = sbom_json(&[
        "--input",
        dir.join("debian-bookworm.docker.tar").to_str().unwrap(),
    ]);
    let rootfs = sbom_json(&[
        "--rootfs",
        dir.join("debian-bookworm.rootfs").to_str().unwrap(),
    ]);
    assert_eq!(debs(&archive), debs(&layout));
    assert_eq!(debs(&rootfs), debs(&layout));
    assert_eq!(
        names_of_kind(&rootfs, "maven"),
        names_of_kind(&layout, "maven")
    );
    assert!(rootfs["packages"][0].get("layer").is_none());
    assert_eq!(rootfs["target"]["kind"], "filesystem");
}

#[test]
fn cyclonedx_and_spdx_carry_every_package() {
    let layout = images().join("debian-bookworm");
    let native = sbom_json(&["--input", layout.to_str().unwrap()]);
    let count = native["packages"].as_array().unwrap().len();
    // CycloneDX adds the operating system (the image is the metadata component); SPDX adds
    // both the image and the operating system as packages.
    for (format, key, extra) in [("cyclonedx", "components", 1), ("spdx", "packages", 2)] {
        let out = kvet()
            .args(["sbom", "-q", "-f", format, "--input"])
            .arg(&layout)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let doc = json_of(&out.stdout);
        let n = doc[key].as_array().unwrap().len();
        assert_eq!(n, count + extra, "{format}");
    }
}

#[test]
fn pulls_from_a_registry() {
    let work = tempfile::tempdir().unwrap();
    let reg = Registry::start(work.path(), None);
    let host = reg.host();
    reg.push(&images().join("debian-bookworm"), "kvet/debian", "latest");
    let cache = work.path().join("cache");
    let reference = format!("{host}/kvet/debian:latest");
    let doc = sbom_json(&[
        &reference,
        "--insecure",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert_eq!(debs(&doc), expected_debs(2));
    assert_eq!(doc["target"]["name"], reference);
    // Every pulled blob sits in the cache under its digest.
    let cached: Vec<_> = std::fs::read_dir(cache.join("sha256")).unwrap().collect();
    assert!(cached.len() >= 3, "{cached:?}");
}

#[test]
fn bad_inputs_exit_2_naming_them() {
    kvet()
        .args(["sbom", "--input", "no/such/image.tar"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/image.tar"));
    kvet()
        .args(["sbom", "Not A Reference"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Not A Reference"));
    kvet()
        .args(["sbom", "--rootfs", "Cargo.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Cargo.toml: not a directory"));
    let layout = images().join("debian-bookworm");
    kvet()
        .args(["sbom", "-f", "xml", "--input"])
        .arg(&layout)
        .assert()
        .code(2);
}
