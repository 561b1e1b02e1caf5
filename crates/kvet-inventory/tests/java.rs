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
fn jar_without_pom_properties_is_named_from_its_manifest() {
    // tests/data/javax.inject-1.jar: manifest only (Bundle-SymbolicName javax.inject,
    // Bundle-Version 1.0.0). The file name gives name and version; the dotted name is kept whole
    // (Maven Central: javax.inject:javax.inject:1) and no groupId can be checked, so none is given.
    let (pkgs, warnings) = java::parse_archive(
        &fixture("javax.inject-1.jar"),
        "/usr/share/maven-repo/javax/inject/javax.inject/1/javax.inject-1.jar",
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pkgs.len(), 1, "{pkgs:?}");
    assert_eq!(
        (pkgs[0].name.as_str(), pkgs[0].version.as_str()),
        ("javax.inject", "1")
    );
    assert_eq!(pkgs[0].purl, "pkg:maven/javax.inject@1");
    assert!(pkgs[0]
        .location
        .ends_with("javax.inject-1.jar!META-INF/MANIFEST.MF"));
    // Under a name without a version (as Debian's symlinks name jars), Bundle-Version is used.
    let (pkgs, _) = java::parse_archive(&fixture("javax.inject-1.jar"), "/usr/share/java/x.jar");
    assert_eq!(
        (pkgs[0].name.as_str(), pkgs[0].version.as_str()),
        ("x", "1.0.0")
    );
}

/// A jar holding only `META-INF/MANIFEST.MF` = `tests/data/java/<manifest>`.
fn manifest_jar(manifest: &str) -> Vec<u8> {
    zip_of(&[(
        "META-INF/MANIFEST.MF",
        &fixture(&format!("java/{manifest}")),
    )])
}

#[test]
fn debian_jars_without_pom_properties() {
    // Manifests of Debian 12 jars (tests/data/SOURCES.md): libmongodb-java 3.6.3-2 and
    // libcommons-logging-java 1.2-3, under their paths in the packages.
    let cases = [
        (
            "bson-3.6.3.MANIFEST.MF",
            "/usr/share/java/bson-3.6.3.jar",
            "org.mongodb:bson",
            "3.6.3",
            "pkg:maven/org.mongodb/bson@3.6.3",
        ),
        (
            "mongodb-driver-async-3.6.3.MANIFEST.MF",
            "/usr/share/java/mongodb-driver-async-3.6.3.jar",
            "org.mongodb:mongodb-driver-async",
            "3.6.3",
            "pkg:maven/org.mongodb/mongodb-driver-async@3.6.3",
        ),
        // `Manifest-Version: 1.0` and nothing else: the file name is all there is.
        (
            "mongodb-driver-3.6.3.MANIFEST.MF",
            "/usr/share/java/mongodb-driver-3.6.3.jar",
            "mongodb-driver",
            "3.6.3",
            "pkg:maven/mongodb-driver@3.6.3",
        ),
        (
            "commons-logging-1.2.MANIFEST.MF",
            "/usr/share/java/commons-logging-1.2.jar",
            "commons-logging:commons-logging",
            "1.2",
            "pkg:maven/commons-logging/commons-logging@1.2",
        ),
        // The same jar through Debian's unversioned name: Implementation-Version 1.2.
        (
            "commons-logging-1.2.MANIFEST.MF",
            "/usr/share/java/commons-logging.jar",
            "commons-logging:commons-logging",
            "1.2",
            "pkg:maven/commons-logging/commons-logging@1.2",
        ),
    ];
    for (manifest, path, name, version, purl) in cases {
        let (pkgs, warnings) = java::parse_archive(&manifest_jar(manifest), path);
        assert!(warnings.is_empty(), "{path}: {warnings:?}");
        assert_eq!(pkgs.len(), 1, "{path}: {pkgs:?}");
        assert_eq!(
            (
                pkgs[0].name.as_str(),
                pkgs[0].version.as_str(),
                pkgs[0].purl.as_str()
            ),
            (name, version, purl),
            "{path}"
        );
    }
}

#[test]
fn manifest_continuation_lines() {
    // bson-3.6.3.jar's manifest (libmongodb-java 3.6.3-2) wraps Export-Package over 72-byte
    // CRLF lines, splitting `org.bson` / `.codecs.configuration` mid-word.
    let text = String::from_utf8(fixture("java/bson-3.6.3.MANIFEST.MF")).expect("utf-8");
    let m = java::manifest::Manifest::parse(&text);
    let export = m.main("Export-Package").expect("Export-Package");
    assert!(
        export.starts_with(
            "org.bson;version=\"3.6.3\";uses:=\"org.bson.codecs,org.bson.codecs.configuration,"
        ),
        "{export}"
    );
    assert!(
        export.ends_with("org.bson.types;version=\"3.6.3\";uses:=\"org.bson\""),
        "{export}"
    );
    assert_eq!(m.main("bundle-symbolicname"), Some("org.mongodb.bson"));
    assert!(m.sections.is_empty());
}

/// httpclient-osgi.jar of Debian 12 `libhttpclient-java` 4.5.14-1 (a bundle that inlines
/// httpclient, httpmime, fluent-hc, httpclient-cache and commons-codec), rebuilt from its real
/// `MANIFEST.MF` and `pom.properties` files in `tests/data/java/httpclient-osgi/`, leaving out
/// the entries named in `skip`.
fn httpclient_osgi(skip: &str) -> Vec<u8> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/java/httpclient-osgi");
    let mut entries: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&root).expect("under root");
            let bytes = std::fs::read(e.path()).expect("read fixture");
            (rel.to_string_lossy().replace('\\', "/"), bytes)
        })
        .filter(|(name, _)| skip.is_empty() || !name.contains(skip))
        .collect();
    entries.sort();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&refs)
}

#[test]
fn shaded_jar_one_package_per_pom_properties() {
    let names = |pkgs: &[kvet_inventory::Package]| {
        let mut v: Vec<String> = pkgs
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        v.sort();
        v
    };
    let bundled = [
        "commons-codec:commons-codec 1.15",
        "org.apache.httpcomponents:fluent-hc 4.5.14",
        "org.apache.httpcomponents:httpclient 4.5.14",
        "org.apache.httpcomponents:httpclient-cache 4.5.14",
        "org.apache.httpcomponents:httpmime 4.5.14",
    ];
    // As Debian ships it: its own pom.properties names the outer jar, so no manifest package.
    let (pkgs, warnings) =
        java::parse_archive(&httpclient_osgi(""), "/usr/share/java/httpclient-osgi.jar");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut want: Vec<String> = bundled.iter().map(|s| s.to_string()).collect();
    want.push("org.apache.httpcomponents:httpclient-osgi 4.5.14".into());
    want.sort();
    assert_eq!(names(&pkgs), want);
    // A shaded jar that dropped its own pom.properties: the outer jar comes from the manifest
    // (its symbolic name org.apache.httpcomponents.httpclient does not end in httpclient-osgi,
    // so no groupId is claimed).
    let (pkgs, _) = java::parse_archive(
        &httpclient_osgi("httpclient-osgi/pom.properties"),
        "/usr/share/java/httpclient-osgi.jar",
    );
    let mut want: Vec<String> = bundled.iter().map(|s| s.to_string()).collect();
    want.push("httpclient-osgi 4.5.14".into());
    want.sort();
    assert_eq!(names(&pkgs), want);
    // Renamed, as applications often copy jars (`app.jar`): the outer identity differs from
    // every pom.properties, so it is reported too, versioned by Implementation-Version.
    let (pkgs, _) = java::parse_archive(&httpclient_osgi(""), "/opt/app/app.jar");
    assert_eq!(pkgs.len(), 7, "{:?}", names(&pkgs));
    assert!(names(&pkgs).contains(&"app 4.5.14".to_string()));
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
    let mut locations: Vec<&str> = inv.packages.iter().map(|p| p.location.as_str()).collect();
    locations.sort();
    assert_eq!(
        locations,
        [
            "/opt/app/app.ear!app.war!WEB-INF/lib/javax.inject-1.jar!META-INF/MANIFEST.MF",
            "/opt/app/app.ear!app.war!WEB-INF/lib/plexus-cipher-2.0.jar!META-INF/maven/org.codehaus.plexus/plexus-cipher/pom.properties",
        ]
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
