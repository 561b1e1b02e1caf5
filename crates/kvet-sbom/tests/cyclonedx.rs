//! CycloneDX 1.5: every real inventory renders to a document the official schema accepts, and
//! the document says what the inventory says.

mod common;

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use common::*;
use kvet_core::Severity;
use kvet_sbom::{
    render_to_string, Affected, Error, Format, Rating, Sbom, Target, Vulnerability,
    VulnerabilitySource,
};
use serde_json::Value;

fn bom(target: &Target, inv: &kvet_inventory::Inventory) -> Value {
    render_json(
        &Sbom {
            target,
            inventory: inv,
            vulnerabilities: None,
        },
        Format::CycloneDx,
    )
}

fn component<'a>(doc: &'a Value, purl_prefix: &str) -> &'a Value {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with(purl_prefix))
        })
        .unwrap_or_else(|| panic!("no component {purl_prefix}"))
}

fn prop<'a>(c: &'a Value, name: &str) -> Option<&'a str> {
    c["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)?["value"]
        .as_str()
}

#[test]
fn every_real_inventory_is_valid_cyclonedx_1_5() {
    // dpkg/debian12-minbase.status, apk/syft-multiple-2.installed, apk/trivy-alpine.installed,
    // rpmdb/cbl-mariner-2.0/rpmdb.sqlite, kvet-inventory's jars, and the layered Debian image.
    let v = cyclonedx_validator();
    let t = image_target();
    for (name, inv) in [
        ("debian", debian()),
        ("alpine", alpine()),
        ("alpine-trivy", alpine_trivy()),
        ("mariner", mariner()),
        ("jars", jars()),
        ("debian-image", debian_image()),
    ] {
        assert!(!inv.packages.is_empty(), "{name}: no packages");
        let doc = bom(&t, &inv);
        let errors = schema_errors(&v, &doc);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
        let comps = doc["components"].as_array().unwrap();
        let os = usize::from(!inv.distro.is_unknown());
        assert_eq!(comps.len(), inv.packages.len() + os, "{name}");
        let refs: HashSet<&str> = comps
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), comps.len(), "{name}: bom-refs not unique");
    }
}

#[test]
fn the_schema_rejects_what_it_should() {
    // Guards the validator set-up itself: a document that breaks the schema must fail.
    let v = cyclonedx_validator();
    let mut doc = bom(&image_target(), &debian());
    assert!(schema_errors(&v, &doc).is_empty());
    doc["components"][1]["type"] = "shared-object".into();
    assert!(!schema_errors(&v, &doc).is_empty());
    let mut doc = bom(&image_target(), &debian());
    doc["components"][1]["licenses"] = serde_json::json!([{"license": {"id": "GPLv2+"}}]);
    assert!(
        !schema_errors(&v, &doc).is_empty(),
        "licence ids are checked against the SPDX list through the referenced schema"
    );
}

#[test]
fn debian_components_metadata_and_dependencies() {
    // dpkg/debian12-minbase.status + os-release/debian12_etc_os-release.
    let inv = debian();
    let doc = bom(&image_target(), &inv);
    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.5");
    assert_eq!(
        doc["serialNumber"],
        "urn:uuid:3b1c54d0-7e0f-4f5c-9d55-2f8e1f0b6a11"
    );
    let meta = &doc["metadata"];
    assert_eq!(meta["timestamp"], "2026-11-23T12:00:00Z");
    assert_eq!(meta["tools"]["components"][0]["name"], "kvet");
    assert_eq!(meta["tools"]["components"][0]["version"], "0.1.0");
    let image = &meta["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], "registry.example:5000/team/app:1.0");
    assert_eq!(
        image["version"],
        "sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb54893eafec8739c89"
    );
    assert_eq!(
        image["purl"],
        "pkg:oci/app@sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb54893eafec8739c89?repository_url=registry.example:5000/team/app&tag=1.0"
    );

    let comps = doc["components"].as_array().unwrap();
    assert_eq!(comps.len(), 89);
    let os = &comps[0];
    assert_eq!(os["type"], "operating-system");
    assert_eq!(os["name"], "debian");
    assert_eq!(os["version"], "12");

    let bash = component(&doc, "pkg:deb/debian/bash@");
    assert_eq!(bash["type"], "library");
    assert_eq!(bash["name"], "bash");
    assert_eq!(bash["version"], "5.2.15-2+b13");
    assert_eq!(
        bash["purl"],
        "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12"
    );
    assert_eq!(bash["bom-ref"], bash["purl"]);
    assert_eq!(
        prop(bash, "kvet:package:location"),
        Some("/var/lib/dpkg/status")
    );
    assert_eq!(prop(bash, "kvet:package:arch"), Some("amd64"));
    assert_eq!(prop(bash, "kvet:package:source_name"), Some("bash"));
    assert_eq!(prop(bash, "kvet:package:source_version"), Some("5.2.15-2"));
    // The epoch stays in a dpkg version.
    let login = component(&doc, "pkg:deb/debian/login@");
    assert_eq!(login["version"], "1:4.13+dfsg1-1+deb12u2");
    assert_eq!(prop(login, "kvet:package:source_name"), Some("shadow"));

    // Packages are sorted by name within the kind.
    let names: Vec<&str> = comps[1..]
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // image → OS, OS → every dpkg package.
    let deps = doc["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["ref"], image["bom-ref"]);
    assert_eq!(deps[0]["dependsOn"], serde_json::json!([os["bom-ref"]]));
    assert_eq!(deps[1]["ref"], os["bom-ref"]);
    assert_eq!(deps[1]["dependsOn"].as_array().unwrap().len(), 88);
    assert!(doc.get("vulnerabilities").is_none(), "no scan, no section");
}

#[test]
fn licences_are_ids_expressions_or_names() {
    // apk/trivy-alpine.installed: `GPL2`, `MIT BSD GPL2+`, `openssl`, `( Apache-2.0 OR MIT ) AND
    // MPL-2.0`, `ISC`, `zlib`; rpmdb/cbl-mariner-2.0: `OpenSSL`, `GPLv3`, `zlib`.
    let doc = bom(&image_target(), &alpine_trivy());
    let by_lic: Vec<(String, Value)> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["licenses"].clone(),
            )
        })
        .collect();
    let lic = |name: &str| {
        by_lic
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}"))
            .1
            .clone()
    };
    assert_eq!(lic("musl"), serde_json::json!([{"license": {"id": "MIT"}}]));
    assert_eq!(
        lic("busybox"),
        serde_json::json!([{"license": {"name": "GPL2"}}])
    );
    assert_eq!(
        lic("zlib"),
        serde_json::json!([{"license": {"name": "zlib"}}])
    );
    let exprs: Vec<&Value> = by_lic
        .iter()
        .filter(|(_, l)| l[0].get("expression").is_some())
        .map(|(_, l)| &l[0]["expression"])
        .collect();
    assert_eq!(exprs, [&Value::from("( Apache-2.0 OR MIT ) AND MPL-2.0")]);

    let doc = bom(&image_target(), &mariner());
    let openssl = component(&doc, "pkg:rpm/openssl@");
    assert_eq!(
        openssl["licenses"],
        serde_json::json!([{"license": {"id": "OpenSSL"}}])
    );
    let bash = component(&doc, "pkg:rpm/bash@");
    assert_eq!(
        bash["licenses"],
        serde_json::json!([{"license": {"name": "GPLv3"}}])
    );
    assert_eq!(bash["version"], "5.1.8-1.cm2");
    assert_eq!(prop(bash, "kvet:package:release"), Some("1.cm2"));
    // Unknown distro: no OS component, packages hang off the image directly.
    assert_eq!(doc["dependencies"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["dependencies"][0]["dependsOn"]
            .as_array()
            .unwrap()
            .len(),
        129
    );
}

#[test]
fn shared_purls_get_distinct_stable_bom_refs() {
    // kvet-inventory's plexus-cipher-2.0.jar, catalogued from two folders.
    let inv = jars();
    let doc = bom(&Target::filesystem("/"), &inv);
    assert_eq!(doc["metadata"]["component"]["type"], "file");
    let plexus: Vec<&Value> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "org.codehaus.plexus:plexus-cipher")
        .collect();
    assert_eq!(plexus.len(), 2);
    for c in &plexus {
        assert_eq!(c["purl"], "pkg:maven/org.codehaus.plexus/plexus-cipher@2.0");
        let r = c["bom-ref"].as_str().unwrap();
        assert!(
            r.starts_with("pkg:maven/org.codehaus.plexus/plexus-cipher@2.0?package-id="),
            "{r}"
        );
    }
    assert_ne!(plexus[0]["bom-ref"], plexus[1]["bom-ref"]);
    // Same input in another order → same refs, same document.
    let mut reversed = inv.clone();
    reversed.packages.reverse();
    assert_eq!(doc, bom(&Target::filesystem("/"), &reversed));
}

#[test]
fn layer_provenance_becomes_properties() {
    let doc = bom(&image_target(), &debian_image());
    let bash = component(&doc, "pkg:deb/debian/bash@");
    assert_eq!(prop(bash, "kvet:layer:index"), Some("0"));
    assert!(prop(bash, "kvet:layer:digest")
        .unwrap()
        .starts_with("sha256:5f6a"));
    assert!(prop(bash, "kvet:layer:diff_id")
        .unwrap()
        .starts_with("sha256:1f1d"));
    assert!(prop(bash, "kvet:layer:created_by")
        .unwrap()
        .contains("bookworm"));
    let jar = component(&doc, "pkg:maven/");
    assert_eq!(prop(jar, "kvet:layer:index"), Some("2"));
    assert_eq!(prop(jar, "kvet:layer:diff_id"), None);
    // The jar is not an OS package: it depends from the image, not from the OS.
    assert!(doc["dependencies"][0]["dependsOn"]
        .as_array()
        .unwrap()
        .contains(&jar["bom-ref"]));
}

fn xz_like_vuln(purl: &str) -> Vulnerability {
    Vulnerability {
        id: "CVE-2024-3094".into(),
        aliases: vec!["CVE-2024-3094".into(), "GHSA-rxwq-x6h5-x525".into()],
        source: Some(VulnerabilitySource {
            name: "NVD".into(),
            url: Some("https://nvd.nist.gov/vuln/detail/CVE-2024-3094".into()),
        }),
        severity: Some(Severity::Critical),
        ratings: vec![Rating {
            source: Some(VulnerabilitySource {
                name: "NVD".into(),
                url: None,
            }),
            severity: Some(Severity::Critical),
            score: Some(10.0),
            vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H".into()),
        }],
        description: Some("Malicious code was discovered in the upstream tarballs of xz".into()),
        fixed_versions: vec!["5.6.1+really5.4.5-1".into()],
        affects: vec![Affected {
            purl: purl.into(),
            location: None,
        }],
        references: vec!["https://www.openwall.com/lists/oss-security/2024/03/29/4".into()],
        cwes: vec![506],
        published: Some(Utc.with_ymd_and_hms(2024, 3, 29, 17, 15, 21).unwrap()),
        modified: None,
        analysis: None,
    }
}

#[test]
fn vulnerabilities_point_at_components() {
    // dpkg/debian12-minbase.status: liblzma5 is installed; the record mimics CVE-2024-3094.
    let inv = debian();
    let lzma = inv
        .packages
        .iter()
        .find(|p| p.name == "liblzma5")
        .expect("liblzma5 in minbase");
    let vulns = vec![
        xz_like_vuln(&lzma.purl),
        Vulnerability {
            id: "DEBIAN-CVE-2023-0001".into(),
            aliases: vec![],
            source: None,
            severity: Some(Severity::Low),
            ratings: vec![Rating {
                source: None,
                severity: None,
                score: Some(4.3),
                vector: Some("AV:N/AC:M/Au:N/C:N/I:P/A:N".into()),
            }],
            description: None,
            fixed_versions: vec![],
            affects: vec![Affected {
                purl: lzma.purl.clone(),
                location: Some("/var/lib/dpkg/status".into()),
            }],
            references: vec![],
            cwes: vec![],
            published: None,
            modified: None,
            // A VEX statement of the user's: kept, with the analysis (validated by the schema).
            analysis: Some(kvet_sbom::Analysis {
                state: "not_affected",
                justification: Some("code_not_reachable"),
                detail: Some("the vulnerable function is never called".into()),
            }),
        },
    ];
    let t = image_target();
    let doc = render_json(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: Some(&vulns),
        },
        Format::CycloneDx,
    );
    assert_valid(&cyclonedx_validator(), &doc);
    let vs = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    let v = &vs[0];
    assert_eq!(v["id"], "CVE-2024-3094");
    assert_eq!(v["affects"][0]["ref"], Value::from(lzma.purl.clone()));
    assert_eq!(
        v["affects"][0]["versions"][0]["version"],
        Value::from(lzma.version.clone())
    );
    assert_eq!(v["affects"][0]["versions"][0]["status"], "affected");
    assert_eq!(v["affects"][0]["versions"][1]["status"], "unaffected");
    assert_eq!(v["ratings"][0]["method"], "CVSSv31");
    assert_eq!(v["ratings"][0]["score"], 10.0);
    assert_eq!(v["ratings"][0]["severity"], "critical");
    // The id itself is not repeated as a reference; the GHSA alias is.
    assert_eq!(v["references"].as_array().unwrap().len(), 1);
    assert_eq!(v["references"][0]["id"], "GHSA-rxwq-x6h5-x525");
    assert_eq!(v["cwes"], serde_json::json!([506]));
    assert_eq!(v["published"], "2024-03-29T17:15:21Z");
    assert_eq!(v["recommendation"], "Upgrade to 5.6.1+really5.4.5-1");
    // Overall severity without a rated source becomes its own rating; CVSS v2 is recognised.
    let ratings = vs[1]["ratings"].as_array().unwrap();
    assert_eq!(ratings[0]["severity"], "low");
    assert_eq!(ratings[1]["method"], "CVSSv2");
    assert_eq!(vs[1]["analysis"]["state"], "not_affected");
    assert_eq!(vs[1]["analysis"]["justification"], "code_not_reachable");
    assert!(v.get("analysis").is_none());

    // An empty scan says so explicitly.
    let doc = render_json(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: Some(&[]),
        },
        Format::CycloneDx,
    );
    assert_eq!(doc["vulnerabilities"], serde_json::json!([]));
}

#[test]
fn a_vulnerability_for_a_missing_package_is_an_error() {
    let inv = debian();
    let vulns = [xz_like_vuln("pkg:deb/debian/xz-utils@5.6.0-0.2")];
    let t = image_target();
    let err = render_to_string(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: Some(&vulns),
        },
        Format::CycloneDx,
        &opts(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownAffected { .. }));
    assert_eq!(
        err.to_string(),
        "vulnerability CVE-2024-3094 affects pkg:deb/debian/xz-utils@5.6.0-0.2, which is not in the inventory"
    );
}
