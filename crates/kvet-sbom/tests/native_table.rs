//! kvet's native JSON and the table: field names, order, grouping, summary, warnings.

mod common;

use common::*;
use kvet_sbom::{render_to_string, Format, Sbom, Target, NATIVE_FORMAT_VERSION};

#[test]
fn native_json_carries_the_whole_inventory() {
    // Layered Debian image: dpkg/debian12-minbase.status + plexus-cipher-2.0.jar.
    let inv = debian_image();
    let t = image_target();
    let d = render_json(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: None,
        },
        Format::Json,
    );
    assert_eq!(d["format_version"], NATIVE_FORMAT_VERSION);
    assert_eq!(d["tool"]["name"], "kvet");
    assert_eq!(d["created"], "2026-11-23T12:00:00Z");
    assert_eq!(d["target"]["kind"], "image");
    assert!(d["target"]["purl"]
        .as_str()
        .unwrap()
        .starts_with("pkg:oci/app@"));
    assert_eq!(d["distro"]["id"], "debian");
    assert_eq!(d["distro"]["version_id"], "12");
    assert_eq!(d["distro"]["codename"], "bookworm");
    assert_eq!(d["distro"]["source"], "/etc/os-release");
    let pkgs = d["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 89);
    // Sorted by kind (deb before maven), then name.
    assert_eq!(pkgs[0]["kind"], "deb");
    assert_eq!(pkgs[88]["kind"], "maven");
    let login = pkgs.iter().find(|p| p["name"] == "login").unwrap();
    assert_eq!(login["version"], "4.13+dfsg1-1+deb12u2");
    assert_eq!(login["epoch"], 1);
    assert_eq!(login["full_version"], "1:4.13+dfsg1-1+deb12u2");
    assert_eq!(login["source_name"], "shadow");
    assert_eq!(login["license"], serde_json::Value::Null);
    assert_eq!(login["layer"]["index"], 0);
    assert_eq!(login["bom_ref"], login["purl"]);
    // Every documented key is present on every package, null or not.
    for p in pkgs {
        for k in [
            "name",
            "version",
            "epoch",
            "release",
            "full_version",
            "arch",
            "kind",
            "purl",
            "bom_ref",
            "source_name",
            "source_version",
            "license",
            "location",
            "files",
        ] {
            assert!(p.get(k).is_some(), "{k} missing in {p}");
        }
    }
    assert_eq!(d["warnings"], serde_json::json!([]));
    assert!(d.get("vulnerabilities").is_none());
}

#[test]
fn native_json_reports_warnings() {
    // apk/syft-corrupt.installed is deliberately corrupt: its warning must reach the output.
    let files: kvet_inventory::Files = [(
        "/lib/apk/db/installed".to_owned(),
        read("apk/syft-corrupt.installed"),
    )]
    .into_iter()
    .collect();
    let inv = kvet_inventory::catalogue(&files);
    assert!(!inv.warnings.is_empty(), "fixture should warn");
    let t = Target::filesystem("/rootfs");
    let sbom = Sbom {
        target: &t,
        inventory: &inv,
        vulnerabilities: None,
    };
    let d = render_json(&sbom, Format::Json);
    assert_eq!(d["warnings"].as_array().unwrap().len(), inv.warnings.len());
    assert_eq!(d["warnings"][0]["location"], "/lib/apk/db/installed");
    assert_eq!(d["distro"]["id"], "unknown");
    let table = render_to_string(&sbom, Format::Table, &opts()).unwrap();
    assert!(table.contains(&format!("  Warnings         {}", inv.warnings.len())));
    assert!(table.contains(&format!(
        "    /lib/apk/db/installed: {}",
        inv.warnings[0].message
    )));
    assert!(table.contains("  Distro           unknown"));
}

#[test]
fn table_groups_by_kind_with_a_summary() {
    // Layered Debian image: 88 dpkg packages (layer 0) and one jar (layer 2).
    let inv = debian_image();
    let t = image_target();
    let out = render_to_string(
        &Sbom {
            target: &t,
            inventory: &inv,
            vulnerabilities: None,
        },
        Format::Table,
        &opts(),
    )
    .unwrap();
    let deb = out.find("deb packages (88)").expect("deb heading");
    let maven = out.find("maven packages (1)").expect("maven heading");
    assert!(deb < maven);
    assert!(out.contains("NAME"));
    assert!(out.contains("LAYER"));
    let bash_line = out.lines().find(|l| l.contains(" bash ")).unwrap();
    for cell in ["5.2.15-2+b13", "deb", "/var/lib/dpkg/status", " 0 "] {
        assert!(bash_line.contains(cell), "{cell} not in {bash_line}");
    }
    let jar_line = out
        .lines()
        .find(|l| l.contains("org.codehaus.plexus:plexus-cipher"))
        .unwrap();
    assert!(jar_line.contains("/opt/app/lib/plexus-cipher-2.0.jar"));
    assert!(jar_line.contains(" 2 "));
    assert!(out.contains("  Target           registry.example:5000/team/app:1.0\n"));
    assert!(out.contains("  Distro           Debian GNU/Linux 12 (bookworm) (debian-12)\n"));
    assert!(out.contains("  Packages         89 (deb 88 · maven 1)\n"));
    assert!(!out.contains('\x1b'), "no colour unless asked");
    // No layer column when no package has a layer (a filesystem scan).
    let plain = debian();
    let out = render_to_string(
        &Sbom {
            target: &t,
            inventory: &plain,
            vulnerabilities: Some(&[]),
        },
        Format::Table,
        &opts(),
    )
    .unwrap();
    assert!(!out.contains("LAYER"));
    assert!(out.contains("  Vulnerabilities  0\n"));
}

#[test]
fn format_names_parse() {
    assert_eq!("cyclonedx".parse(), Ok(Format::CycloneDx));
    assert_eq!("SPDX-JSON".parse(), Ok(Format::Spdx));
    assert_eq!("json".parse(), Ok(Format::Json));
    assert_eq!("table".parse(), Ok(Format::Table));
    let e = "xml".parse::<Format>().unwrap_err();
    assert!(e.contains("'xml'"), "{e}");
}
