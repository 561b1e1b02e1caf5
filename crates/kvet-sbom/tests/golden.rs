//! Golden snapshots of one small SBOM per format, so any change in what users see is reviewed
//! (`cargo insta review`). Input: three real records (busybox, musl, ssl_client) of
//! `apk/syft-multiple-2.installed` with `os-release/alpine_etc_os-release`, a layer on each,
//! and one illustrative vulnerability record for the CycloneDX and JSON forms.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use kvet_core::Severity;
use kvet_inventory::LayerRef;
use kvet_sbom::{
    render_to_string, Affected, Format, Rating, Sbom, Vulnerability, VulnerabilitySource,
};

fn small() -> kvet_inventory::Inventory {
    let mut inv = alpine();
    inv.packages
        .retain(|p| ["busybox", "musl", "ssl_client"].contains(&p.name.as_str()));
    assert_eq!(inv.packages.len(), 3);
    for p in &mut inv.packages {
        p.layer = Some(LayerRef {
            index: 0,
            digest: "sha256:cbdbe7a5bc2a134ca8ec91be58565ec07d037386d1f1d8385412d224deafca08"
                .into(),
            diff_id: None,
            created_by: Some("ADD alpine-minirootfs-3.11.6-x86_64.tar.gz / # buildkit".into()),
        });
        // Keep the snapshot readable: the file lists are covered elsewhere.
        p.files.truncate(2);
    }
    inv
}

fn vulns(inv: &kvet_inventory::Inventory) -> Vec<Vulnerability> {
    let busybox = inv.packages.iter().find(|p| p.name == "busybox").unwrap();
    // An illustrative record (not a real advisory): only its rendering is under test.
    vec![Vulnerability {
        id: "KVET-TEST-0001".into(),
        aliases: vec!["CVE-0000-0001".into(), "GHSA-0000-0000-0001".into()],
        source: Some(VulnerabilitySource {
            name: "OSV".into(),
            url: Some("https://osv.dev/vulnerability/KVET-TEST-0001".into()),
        }),
        severity: Some(Severity::High),
        ratings: vec![Rating {
            source: Some(VulnerabilitySource {
                name: "NVD".into(),
                url: None,
            }),
            severity: Some(Severity::High),
            score: Some(8.8),
            vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H".into()),
        }],
        description: Some("Illustrative vulnerability in busybox for the golden test.".into()),
        fixed_versions: vec!["1.35.0-r18".into()],
        affects: vec![Affected {
            purl: busybox.purl.clone(),
            location: None,
        }],
        references: vec!["https://example.org/advisories/KVET-TEST-0001".into()],
        cwes: vec![94],
        published: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
        modified: Some(Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).unwrap()),
        analysis: None,
    }]
}

fn render(format: Format, with_vulns: bool) -> String {
    let inv = small();
    let v = vulns(&inv);
    let t = kvet_sbom::Target::image(
        "alpine:3.11.6",
        Some("sha256:9a839e63dad54c3a6d1834e29692c8492d93f90c59c978c1ed79109ea4fb9a54".into()),
    );
    render_to_string(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: with_vulns.then_some(v.as_slice()),
        },
        format,
        &opts(),
    )
    .unwrap()
}

#[test]
fn golden_cyclonedx() {
    let out = render(Format::CycloneDx, true);
    assert_valid(&cyclonedx_validator(), &serde_json::from_str(&out).unwrap());
    insta::assert_snapshot!("cyclonedx", out);
}

#[test]
fn golden_spdx() {
    let out = render(Format::Spdx, true);
    assert_valid(&spdx_validator(), &serde_json::from_str(&out).unwrap());
    insta::assert_snapshot!("spdx", out);
}

#[test]
fn golden_json() {
    insta::assert_snapshot!("json", render(Format::Json, true));
}

#[test]
fn golden_table() {
    insta::assert_snapshot!("table", render(Format::Table, true));
}
