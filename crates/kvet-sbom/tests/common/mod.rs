//! Real inventories and schema validators shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use kvet_inventory::{Files, Inventory, LayerRef};
use kvet_sbom::{render_to_string, Format, RenderOptions, Sbom, Target};
use serde_json::Value;

pub fn testdata() -> PathBuf {
    kvet_core::testdata_dir().expect("shared testdata (KVET_TESTDATA or /work/shared/testdata)")
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = testdata().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// kvet-inventory's own fixtures (real Debian jars).
pub fn inventory_fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kvet-inventory/tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn catalogue(entries: &[(&str, Vec<u8>)]) -> Inventory {
    let files: Files = entries
        .iter()
        .map(|(p, b)| ((*p).to_owned(), b.clone()))
        .collect();
    kvet_inventory::catalogue(&files)
}

/// Debian 12 minbase: `dpkg/debian12-minbase.status` (88 packages) with
/// `os-release/debian12_etc_os-release`.
pub fn debian() -> Inventory {
    catalogue(&[
        (
            "/etc/os-release",
            read("os-release/debian12_etc_os-release"),
        ),
        ("/var/lib/dpkg/status", read("dpkg/debian12-minbase.status")),
    ])
}

/// Alpine: `apk/syft-multiple-2.installed` with `os-release/alpine_etc_os-release`.
pub fn alpine() -> Inventory {
    catalogue(&[
        ("/etc/os-release", read("os-release/alpine_etc_os-release")),
        (
            "/lib/apk/db/installed",
            read("apk/syft-multiple-2.installed"),
        ),
    ])
}

/// Alpine with licence expressions: `apk/trivy-alpine.installed` + Alpine os-release.
pub fn alpine_trivy() -> Inventory {
    catalogue(&[
        ("/etc/os-release", read("os-release/alpine_etc_os-release")),
        ("/lib/apk/db/installed", read("apk/trivy-alpine.installed")),
    ])
}

/// CBL-Mariner 2.0 rpmdb (`rpmdb/cbl-mariner-2.0/rpmdb.sqlite`, 129 packages), no release
/// file: the distro is unknown.
pub fn mariner() -> Inventory {
    catalogue(&[(
        "/var/lib/rpm/rpmdb.sqlite",
        read("rpmdb/cbl-mariner-2.0/rpmdb.sqlite"),
    )])
}

/// The two real jars of kvet-inventory's fixtures, one of them twice (two folders), so two
/// packages share a PURL.
pub fn jars() -> Inventory {
    catalogue(&[
        (
            "/opt/app/lib/plexus-cipher-2.0.jar",
            inventory_fixture("plexus-cipher-2.0.jar"),
        ),
        (
            "/srv/other/plexus-cipher-2.0.jar",
            inventory_fixture("plexus-cipher-2.0.jar"),
        ),
        (
            "/opt/app/lib/javax.inject-1.jar",
            inventory_fixture("javax.inject-1.jar"),
        ),
    ])
}

/// Debian minbase plus a jar, with layer provenance set as the image scanner sets it. The layer
/// digests are placeholders (well-formed, not of a published image): only how the fields are
/// rendered is under test.
pub fn debian_image() -> Inventory {
    let mut inv = catalogue(&[
        (
            "/etc/os-release",
            read("os-release/debian12_etc_os-release"),
        ),
        ("/var/lib/dpkg/status", read("dpkg/debian12-minbase.status")),
        (
            "/opt/app/lib/plexus-cipher-2.0.jar",
            inventory_fixture("plexus-cipher-2.0.jar"),
        ),
    ]);
    for p in &mut inv.packages {
        p.layer = Some(if p.kind == kvet_inventory::PackageKind::Deb {
            LayerRef {
                index: 0,
                digest: "sha256:5f6ae1bd1a1d7dc1e6c2d8ccbb3e1f4b2d3a1e8a9f0c7b6a5d4e3f2a1b0c9d8e"
                    .into(),
                diff_id: Some(
                    "sha256:1f1d0fd0bcd1a2b8d0f0e0c8e0b1a2d3c4e5f60718293a4b5c6d7e8f90a1b2c3"
                        .into(),
                ),
                created_by: Some("# debian.sh --arch 'amd64' out/ 'bookworm' '@1700000000'".into()),
            }
        } else {
            LayerRef {
                index: 2,
                digest: "sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9"
                    .into(),
                diff_id: None,
                created_by: Some("COPY lib/ /opt/app/lib/ # buildkit".into()),
            }
        });
    }
    inv
}

/// Fixed time and serial so outputs are reproducible.
pub fn opts() -> RenderOptions {
    RenderOptions {
        now: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
        serial: uuid::Uuid::parse_str("3b1c54d0-7e0f-4f5c-9d55-2f8e1f0b6a11").unwrap(),
        tool_version: "0.1.0".into(),
        color: false,
    }
}

pub fn image_target() -> Target {
    // A private-registry name with a port (not a tag) and a placeholder digest.
    Target::image(
        "registry.example:5000/team/app:1.0",
        Some("sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb54893eafec8739c89".into()),
    )
}

pub fn render_json(sbom: &Sbom<'_>, format: Format) -> Value {
    let s = render_to_string(sbom, format, &opts()).expect("render");
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas")
}

fn load(name: &str) -> Value {
    let p = schema_dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// CycloneDX 1.5 with its two referenced schemas registered under the URIs its `$ref`s resolve
/// to; offline, formats checked.
pub fn cyclonedx_validator() -> jsonschema::Validator {
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            load("spdx.SNAPSHOT.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
            load("jsf-0.82.SNAPSHOT.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load("bom-1.5.SNAPSHOT.schema.json"))
        .unwrap()
}

pub fn spdx_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&load("spdx-2.3.schema.json"))
        .unwrap()
}

pub fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

pub fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors = schema_errors(v, doc);
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}
