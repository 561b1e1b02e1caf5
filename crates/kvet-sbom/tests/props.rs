//! Hostile package records (any Unicode, control characters, colliding names and PURLs, licence
//! strings valid and not): every format renders, both JSON forms stay schema-valid, ids stay
//! valid and unique, the table never carries a raw escape character.

mod common;

use std::collections::HashSet;
use std::sync::OnceLock;

use common::*;
use kvet_inventory::{Distro, Inventory, Package, PackageKind};
use kvet_sbom::{render_to_string, Format, Sbom, Target};
use proptest::prelude::*;

fn validators() -> &'static (jsonschema::Validator, jsonschema::Validator) {
    static V: OnceLock<(jsonschema::Validator, jsonschema::Validator)> = OnceLock::new();
    V.get_or_init(|| (cyclonedx_validator(), spdx_validator()))
}

/// The first package of `dpkg/debian12-minbase.status`.
fn template() -> Package {
    static T: OnceLock<Package> = OnceLock::new();
    T.get_or_init(|| debian().packages[0].clone()).clone()
}

fn kind() -> impl Strategy<Value = PackageKind> {
    prop_oneof![
        Just(PackageKind::Deb),
        Just(PackageKind::Rpm),
        Just(PackageKind::Apk),
        Just(PackageKind::Maven),
        Just(PackageKind::Golang),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Small pools so names, versions and locations collide.
        prop::sample::select(vec!["libstdc++6", "ssl_client", "g:a", "a~b", "x", "ünï"])
            .prop_map(str::to_owned),
        "\\PC{1,12}",
        "[\\x00-\\x1f\\x1b a-z+_:~.-]{1,10}",
    ]
}

fn licence() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "MIT",
            "GPL-2.0+",
            "( Apache-2.0 OR MIT ) AND MPL-2.0",
            "GPLv2+ and LGPLv2+ and BSD",
            "LicenseRef-foo",
            "MIT BSD GPL2+",
            "gpl",
        ])
        .prop_map(|s| Some(s.to_owned())),
        "\\PC{0,20}".prop_map(Some),
    ]
}

prop_compose! {
    fn package()(
        kind in kind(),
        name in text(),
        version in text(),
        release in prop::option::of("[0-9a-z.]{1,5}"),
        epoch in prop::option::of(0u32..3),
        arch in prop::option::of(prop::sample::select(vec!["amd64", "x86_64", "noarch"])),
        license in licence(),
        location in prop::sample::select(vec!["/var/lib/dpkg/status", "/a b/x.jar", "/c\u{1b}[31m"]),
        source in prop::option::of(text()),
    ) -> Package {
        // Start from a real record (so a field added to `Package` later needs no change here)
        // and overwrite everything the renderers read.
        let mut p = template();
        p.name = name;
        p.version = version;
        p.epoch = epoch;
        p.release = release;
        p.arch = arch.map(str::to_owned);
        p.source_name = source;
        p.source_version = None;
        p.license = license;
        p.kind = kind;
        p.purl = String::new();
        p.location = location.to_owned();
        p.files = vec![];
        p.layer = None;
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_inventory_renders_valid_documents(
        mut packages in prop::collection::vec(package(), 0..12),
        distro in prop_oneof![Just(Distro::unknown()), Just(Distro::new("debian", Some("12")))],
        target_name in "\\PC{1,20}",
    ) {
        for p in &mut packages {
            p.compute_purl(&distro);
        }
        let mut inv: Inventory = debian();
        inv.distro = distro;
        inv.packages = packages;
        inv.warnings.clear();
        let t = Target::image(target_name, Some("sha256:00".into()));
        let sbom = Sbom { target: &t, inventory: &inv, vulnerabilities: None };
        let (cdx_v, spdx_v) = validators();

        let cdx: serde_json::Value =
            serde_json::from_str(&render_to_string(&sbom, Format::CycloneDx, &opts()).unwrap()).unwrap();
        let errs = schema_errors(cdx_v, &cdx);
        prop_assert!(errs.is_empty(), "{:?}", errs);
        let refs: Vec<&str> = cdx["components"].as_array().unwrap().iter()
            .map(|c| c["bom-ref"].as_str().unwrap()).collect();
        prop_assert_eq!(refs.iter().collect::<HashSet<_>>().len(), refs.len());

        let spdx: serde_json::Value =
            serde_json::from_str(&render_to_string(&sbom, Format::Spdx, &opts()).unwrap()).unwrap();
        let errs = schema_errors(spdx_v, &spdx);
        prop_assert!(errs.is_empty(), "{:?}", errs);
        let ids: Vec<&str> = spdx["packages"].as_array().unwrap().iter()
            .map(|p| p["SPDXID"].as_str().unwrap()).collect();
        for id in &ids {
            let rest = id.strip_prefix("SPDXRef-").unwrap_or("");
            prop_assert!(!rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'), "{}", id);
        }
        prop_assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());

        let native: serde_json::Value =
            serde_json::from_str(&render_to_string(&sbom, Format::Json, &opts()).unwrap()).unwrap();
        prop_assert_eq!(native["packages"].as_array().unwrap().len(), inv.packages.len());

        let table = render_to_string(&sbom, Format::Table, &opts()).unwrap();
        prop_assert!(!table.contains('\x1b'), "raw escape in table");
    }
}
