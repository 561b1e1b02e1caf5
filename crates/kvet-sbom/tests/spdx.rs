//! SPDX 2.3: valid against the official schema, valid and unique ids (names with `+`, `_`,
//! `:`; versions with `~` and `:`), licences as expressions or declared LicenseRefs.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use kvet_sbom::{Format, Sbom, Target};
use serde_json::Value;

fn doc(target: &Target, inv: &kvet_inventory::Inventory) -> Value {
    render_json(
        &Sbom {
            target,
            inventory: inv,
            vulnerabilities: None,
        },
        Format::Spdx,
    )
}

/// SPDX 2.3.1's package id pattern (`^SPDXRef-[a-zA-Z0-9.-]+$`), which the 2.3 schema lacks.
fn valid_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

fn package<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

#[test]
fn every_real_inventory_is_valid_spdx_2_3() {
    // dpkg/debian12-minbase.status, apk/syft-multiple-2.installed, apk/trivy-alpine.installed,
    // rpmdb/cbl-mariner-2.0/rpmdb.sqlite, kvet-inventory's jars, the layered Debian image.
    let v = spdx_validator();
    let t = image_target();
    for (name, inv) in [
        ("debian", debian()),
        ("alpine", alpine()),
        ("alpine-trivy", alpine_trivy()),
        ("mariner", mariner()),
        ("jars", jars()),
        ("debian-image", debian_image()),
    ] {
        let d = doc(&t, &inv);
        let errors = schema_errors(&v, &d);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
        let pkgs = d["packages"].as_array().unwrap();
        let os = usize::from(!inv.distro.is_unknown());
        assert_eq!(pkgs.len(), inv.packages.len() + 1 + os, "{name}");
        let ids: Vec<&str> = pkgs.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
        for id in &ids {
            assert!(valid_spdx_id(id), "{name}: bad SPDXID {id}");
        }
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "{name}: SPDXIDs not unique"
        );
        // Every relationship names an element of the document.
        let known: HashSet<&str> = ids.iter().copied().chain(["SPDXRef-DOCUMENT"]).collect();
        for r in d["relationships"].as_array().unwrap() {
            assert!(known.contains(r["spdxElementId"].as_str().unwrap()));
            assert!(known.contains(r["relatedSpdxElement"].as_str().unwrap()));
        }
        // Every LicenseRef used is declared.
        let declared: HashSet<&str> = d["hasExtractedLicensingInfos"]
            .as_array()
            .map(|a| a.iter().map(|l| l["licenseId"].as_str().unwrap()).collect())
            .unwrap_or_default();
        for p in pkgs {
            let l = p["licenseDeclared"].as_str().unwrap();
            if l.starts_with("LicenseRef-") {
                assert!(declared.contains(l), "{name}: {l} not declared");
                assert!(
                    valid_spdx_id(&l.replacen("LicenseRef-", "SPDXRef-", 1)),
                    "{l}"
                );
            }
            assert_eq!(p["licenseConcluded"], "NOASSERTION");
            assert_eq!(p["downloadLocation"], "NOASSERTION");
        }
    }
}

#[test]
fn the_schema_rejects_what_it_should() {
    let v = spdx_validator();
    let mut d = doc(&image_target(), &debian());
    assert!(schema_errors(&v, &d).is_empty());
    d["packages"][2]["externalRefs"][0]["referenceCategory"] = "PACKAGE MANAGER".into();
    assert!(!schema_errors(&v, &d).is_empty());
    let mut d = doc(&image_target(), &debian());
    d["packages"][3]
        .as_object_mut()
        .unwrap()
        .remove("downloadLocation");
    assert!(!schema_errors(&v, &d).is_empty());
}

#[test]
fn debian_document_fields_and_relationships() {
    // dpkg/debian12-minbase.status + os-release/debian12_etc_os-release.
    let d = doc(&image_target(), &debian());
    assert_eq!(d["spdxVersion"], "SPDX-2.3");
    assert_eq!(d["dataLicense"], "CC0-1.0");
    assert_eq!(d["SPDXID"], "SPDXRef-DOCUMENT");
    assert_eq!(d["name"], "registry.example:5000/team/app:1.0");
    assert_eq!(
        d["documentNamespace"],
        "https://kvet-dev.github.io/spdx/image/registry.example-5000-team-app-1.0-3b1c54d0-7e0f-4f5c-9d55-2f8e1f0b6a11"
    );
    assert_eq!(
        d["creationInfo"]["creators"],
        serde_json::json!(["Tool: kvet-0.1.0"])
    );
    assert_eq!(d["creationInfo"]["created"], "2026-11-23T12:00:00Z");

    let pkgs = d["packages"].as_array().unwrap();
    let image = &pkgs[0];
    assert_eq!(image["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(image["externalRefs"][0]["referenceType"], "purl");
    assert!(image["externalRefs"][0]["referenceLocator"]
        .as_str()
        .unwrap()
        .starts_with("pkg:oci/app@sha256:"));
    let os = &pkgs[1];
    assert_eq!(os["primaryPackagePurpose"], "OPERATING_SYSTEM");
    assert_eq!(os["SPDXID"], "SPDXRef-OperatingSystem-debian-12");

    let lib = package(&d, "libstdc++6");
    let id = lib["SPDXID"].as_str().unwrap();
    assert!(id.starts_with("SPDXRef-Package-deb-libstdc--6-"), "{id}");
    assert_eq!(lib["versionInfo"], "12.2.0-14+deb12u1");
    assert_eq!(
        lib["externalRefs"],
        serde_json::json!([{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=gcc-12"
        }])
    );
    assert_eq!(
        lib["sourceInfo"],
        "acquired package info from deb database /var/lib/dpkg/status"
    );
    assert_eq!(lib["comment"], "source package: gcc-12; arch: amd64");
    // No copyright files in the input: nothing recorded, nothing asserted.
    assert_eq!(lib["licenseDeclared"], "NOASSERTION");
    assert_eq!(
        package(&d, "login")["versionInfo"],
        "1:4.13+dfsg1-1+deb12u2"
    );

    let rels = d["relationships"].as_array().unwrap();
    assert_eq!(rels.len(), 1 + 1 + 88);
    assert_eq!(rels[0]["spdxElementId"], "SPDXRef-DOCUMENT");
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels[0]["relatedSpdxElement"], image["SPDXID"]);
    let contained: HashSet<&str> = rels[1..]
        .iter()
        .inspect(|r| {
            assert_eq!(r["relationshipType"], "CONTAINS");
            assert_eq!(r["spdxElementId"], image["SPDXID"]);
        })
        .map(|r| r["relatedSpdxElement"].as_str().unwrap())
        .collect();
    assert_eq!(contained.len(), 89);
}

#[test]
fn ids_from_awkward_names_are_valid_and_distinct() {
    // apk/syft-multiple-2.installed has `ssl_client`; the jars have `group:artifact` names and
    // one PURL twice; dpkg has `libstdc++6` and `~`/`:` in versions.
    let t = image_target();
    let alp = doc(&t, &alpine());
    let ssl = package(&alp, "ssl_client")["SPDXID"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ssl.starts_with("SPDXRef-Package-apk-ssl-client-"), "{ssl}");
    assert_eq!(
        package(&alp, "ssl_client")["licenseDeclared"],
        "GPL-2.0-only"
    );

    let j = doc(&Target::filesystem("/srv/app root"), &jars());
    assert!(j["documentNamespace"]
        .as_str()
        .unwrap()
        .starts_with("https://kvet-dev.github.io/spdx/filesystem/-srv-app-root-"));
    let plexus: Vec<&str> = j["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "org.codehaus.plexus:plexus-cipher")
        .map(|p| p["SPDXID"].as_str().unwrap())
        .collect();
    assert_eq!(plexus.len(), 2);
    assert_ne!(plexus[0], plexus[1]);
    for id in &plexus {
        assert!(id.starts_with("SPDXRef-Package-maven-org.codehaus.plexus-plexus-cipher-"));
        assert!(valid_spdx_id(id));
    }

    // Ids are stable: the same inventory, rendered again with another serial, keeps them.
    let inv = debian();
    let a = doc(&t, &inv);
    let mut o = opts();
    o.serial = uuid::Uuid::nil();
    let b: Value = serde_json::from_str(
        &kvet_sbom::render_to_string(
            &Sbom {
                target: &t,
                inventory: &inv,
                vulnerabilities: None,
            },
            Format::Spdx,
            &o,
        )
        .unwrap(),
    )
    .unwrap();
    assert_ne!(a["documentNamespace"], b["documentNamespace"]);
    assert_eq!(a["packages"], b["packages"]);
}

#[test]
fn non_spdx_licences_become_declared_licence_refs() {
    // apk/trivy-alpine.installed: `GPL2` (busybox, …), `MIT BSD GPL2+`, `openssl`, `zlib`,
    // `Public-Domain`, and one real expression.
    let d = doc(&image_target(), &alpine_trivy());
    let infos: HashMap<String, String> = d["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["name"], l["extractedText"]);
            (
                l["extractedText"].as_str().unwrap().to_owned(),
                l["licenseId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut texts: Vec<&str> = infos.keys().map(String::as_str).collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            "GPL",
            "GPL2",
            "MIT BSD GPL2+",
            "Public-Domain",
            "openssl",
            "zlib"
        ]
    );
    let busybox = package(&d, "busybox");
    assert_eq!(
        busybox["licenseDeclared"],
        Value::from(infos["GPL2"].clone())
    );
    assert!(infos["MIT BSD GPL2+"].starts_with("LicenseRef-MIT-BSD-GPL2-"));
    assert_eq!(package(&d, "musl")["licenseDeclared"], "MIT");
    let expr: Vec<&Value> = d["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["licenseDeclared"])
        .filter(|l| l.as_str().unwrap().contains(" AND "))
        .collect();
    assert_eq!(expr, [&Value::from("( Apache-2.0 OR MIT ) AND MPL-2.0")]);
}
