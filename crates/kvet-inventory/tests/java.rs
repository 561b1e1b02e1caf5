//! Java archive cataloguer on real jars (`tests/data/`, see `tests/data/SOURCES.md`) and on
//! wars/ears assembled from them in memory.

use std::io::{Cursor, Write};

use kvet_inventory::{catalogue, java, Files};
use zip::write::SimpleFileOptions;

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A zip holding `entries` (name, bytes), deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(*name, SimpleFileOptions::default())
            .expect("start");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn plexus_cipher_jar() {
    // tests/data/plexus-cipher-2.0.jar
    let (pkgs, warnings) = java::parse_archive(
        &fixture("plexus-cipher-2.0.jar"),
        "/usr/share/java/plexus-cipher.jar",
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pkgs.len(), 1);
    let p = &pkgs[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str()),
        ("org.codehaus.plexus:plexus-cipher", "2.0")
    );
    assert_eq!(p.purl, "pkg:maven/org.codehaus.plexus/plexus-cipher@2.0");
    assert_eq!(
        p.location,
        "/usr/share/java/plexus-cipher.jar!META-INF/maven/org.codehaus.plexus/plexus-cipher/pom.properties"
    );
}

#[test]
fn jar_without_pom_properties_is_not_guessed() {
    // tests/data/javax.inject-1.jar: manifest only
    let (pkgs, warnings) = java::parse_archive(&fixture("javax.inject-1.jar"), "/x.jar");
    assert!(pkgs.is_empty());
    assert!(warnings.is_empty());
}

#[test]
fn nested_war_in_ear() {
    // tests/data/*.jar inside WEB-INF/lib of a war, inside an ear, found through catalogue().
    let war = zip_of(&[
        (
            "WEB-INF/lib/plexus-cipher-2.0.jar",
            &fixture("plexus-cipher-2.0.jar"),
        ),
        (
            "WEB-INF/lib/javax.inject-1.jar",
            &fixture("javax.inject-1.jar"),
        ),
        ("index.html", b"<html></html>"),
    ]);
    let ear = zip_of(&[("app.war", &war)]);
    let mut files = Files::new();
    files.insert("/opt/app/app.ear".into(), ear);
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(inv.packages.len(), 1);
    assert!(
        inv.packages[0].location.starts_with(
            "/opt/app/app.ear!app.war!WEB-INF/lib/plexus-cipher-2.0.jar!META-INF/maven/"
        ),
        "{}",
        inv.packages[0].location
    );
}

#[test]
fn nesting_limit_is_a_warning() {
    // plexus-cipher-2.0.jar wrapped in 4 more archives: level 5 is not opened.
    let mut bytes = fixture("plexus-cipher-2.0.jar");
    for _ in 0..4 {
        bytes = zip_of(&[("inner.jar", &bytes)]);
    }
    let (pkgs, warnings) = java::parse_archive(&bytes, "/deep.jar");
    assert!(pkgs.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("nested deeper"),
        "{warnings:?}"
    );
    // One level less is fine.
    let mut bytes = fixture("plexus-cipher-2.0.jar");
    for _ in 0..3 {
        bytes = zip_of(&[("inner.jar", &bytes)]);
    }
    assert_eq!(java::parse_archive(&bytes, "/ok.jar").0.len(), 1);
}

#[test]
fn broken_archives_are_warnings() {
    let jar = fixture("plexus-cipher-2.0.jar");
    for cut in [0, 10, jar.len() / 2, jar.len() - 10] {
        let (_, warnings) = java::parse_archive(&jar[..cut], "/cut.jar");
        assert!(!warnings.is_empty(), "cut at {cut}");
    }
}
