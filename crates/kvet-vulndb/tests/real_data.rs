//! The database built from the real OSV records in ../shared/testdata/osv (Go/, PyPI/,
//! Maven/, GHSA/, Debian/, Alpine/all.zip; each test names what it uses), and matches on them.

mod common;
use common::*;
use kvet_core::Severity;
use kvet_vulndb::merge::merge;
use kvet_vulndb::severity::Source;
use kvet_vulndb::{MatchedBy, PackageQuery, VulnDb};
use std::sync::OnceLock;

/// One database of every real record, shared by the tests of this file.
fn db() -> &'static (
    tempfile::TempDir,
    std::path::PathBuf,
    kvet_vulndb::import::Report,
) {
    static DB: OnceLock<(
        tempfile::TempDir,
        std::path::PathBuf,
        kvet_vulndb::import::Report,
    )> = OnceLock::new();
    DB.get_or_init(|| build(&all_inputs()))
}

fn open() -> VulnDb {
    VulnDb::open(&db().1).unwrap()
}

/// All inputs: exact counts per ecosystem. Expected values were counted independently from the
/// JSON (a Python pass over the same files): withdrawn records left out (4 Go records), GIT-only
/// entries left out, duplicate ids merged (GHSA-jfh8… and GHSA-p6xc… are in both Maven/ and
/// GHSA/; DEBIAN-CVE-2022-1271 and DEBIAN-CVE-2024-12133 exist for two source packages each).
#[test]
fn counts_per_ecosystem_are_exact() {
    let (_, _, report) = db();
    assert_eq!(report.imported, 3610 - 4);
    assert_eq!(report.withdrawn, 4);
    assert_eq!(report.skipped, 0, "{:?}", report.warnings);
    assert_eq!(report.duplicates, 4);
    assert_eq!(report.advisories, 3602);
    let status = open().status().unwrap();
    let got: Vec<(String, u64, u64)> = status
        .ecosystems
        .iter()
        .map(|e| (e.ecosystem.clone(), e.advisories, e.entries))
        .collect();
    let want: Vec<(String, u64, u64)> = [
        ("Alpine:v3.10", 1723, 1857),
        ("Alpine:v3.11", 1904, 2052),
        ("Alpine:v3.3", 457, 460),
        ("Alpine:v3.4", 678, 681),
        ("Alpine:v3.5", 875, 919),
        ("Alpine:v3.6", 1049, 1103),
        ("Alpine:v3.7", 1392, 1459),
        ("Alpine:v3.8", 1478, 1575),
        ("Alpine:v3.9", 1558, 1669),
        ("Debian:12", 161, 163),
        ("Go", 960, 1304),
        ("Maven", 6, 22),
        ("PyPI", 32, 32),
        ("npm", 1, 2),
    ]
    .iter()
    .map(|(e, a, n)| (e.to_string(), *a, *n))
    .collect();
    assert_eq!(got, want);
    assert_eq!(status.advisories, 3602);
    assert_eq!(status.schema_version, kvet_vulndb::SCHEMA_VERSION);
    let alpine = status
        .sources
        .iter()
        .find(|s| s.name == "Alpine/all.zip")
        .unwrap();
    assert_eq!((alpine.records, alpine.skipped), (2442, 0));
    let go = status.sources.iter().find(|s| s.name == "Go").unwrap();
    assert_eq!(go.records, 960);
}

/// Go/ (golang/vulndb): golang.org/x/net at a pseudo-version from 2022-07-22 and at v0.50.0.
/// SEMVER ranges, so no ecosystem comparator is involved.
#[test]
fn go_module_pseudo_version_and_release() {
    let db = open();
    let never = |_: &str, _: &str| -> std::cmp::Ordering { panic!("SEMVER only") };
    let q = |v| PackageQuery {
        ecosystem: "Go",
        name: "golang.org/x/net",
        version: v,
    };
    let m = db
        .matches(&q("v0.0.0-20220722155237-a158d28d115b"), &never)
        .unwrap();
    let mut want: Vec<String> = [
        "GO-2022-0969",
        "GO-2022-1144",
        "GO-2023-1495",
        "GO-2023-1571",
        "GO-2023-1988",
        "GO-2023-2102",
        "GO-2024-2687",
        "GO-2024-3333",
        "GO-2025-3503",
        "GO-2025-3595",
        "GO-2026-4440",
        "GO-2026-4441",
        "GO-2026-4918",
        "GO-2026-5025",
        "GO-2026-5026",
        "GO-2026-5027",
        "GO-2026-5028",
        "GO-2026-5029",
        "GO-2026-5030",
        "GO-2026-5942",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.sort();
    assert_eq!(ids(&m), want);
    let http2 = m.iter().find(|m| m.id == "GO-2022-0969").unwrap();
    assert_eq!(http2.fixed, vec!["0.0.0-20220906165146-f3363e06e74c"]);
    assert_eq!(http2.feed, "Go");
    assert_eq!(http2.matched_by, MatchedBy::Range);
    assert_eq!(http2.aliases, vec!["CVE-2022-27664", "GHSA-69cg-p879-7622"]);

    // v0.50.0: only what is unfixed there, including [0.50.0, 0.51.0).
    let m = db.matches(&q("v0.50.0"), &never).unwrap();
    assert_eq!(
        ids(&m),
        [
            "GO-2026-4559",
            "GO-2026-4918",
            "GO-2026-5025",
            "GO-2026-5026",
            "GO-2026-5027",
            "GO-2026-5028",
            "GO-2026-5029",
            "GO-2026-5030",
            "GO-2026-5942"
        ]
    );
    let m = db.matches(&q("v0.51.0"), &never).unwrap();
    assert!(!ids(&m).contains(&"GO-2026-4559".to_string()));
    assert_eq!(m.len(), 8);
    assert!(db.matches(&q("v0.56.0"), &never).unwrap().is_empty());
}

/// Go/GO-2022-0969.json: the standard library (`stdlib`), with the Go toolchain's version
/// spelling; two introduced/fixed pairs in one range.
#[test]
fn go_stdlib() {
    let db = open();
    let never = |_: &str, _: &str| -> std::cmp::Ordering { panic!("SEMVER only") };
    let at = |v| {
        db.matches(
            &PackageQuery {
                ecosystem: "Go",
                name: "stdlib",
                version: v,
            },
            &never,
        )
        .unwrap()
    };
    let m = at("go1.19");
    let x = m
        .iter()
        .find(|m| m.id == "GO-2022-0969")
        .expect("GO-2022-0969 at go1.19");
    assert_eq!(x.fixed, vec!["1.19.1"]);
    let m = at("go1.18.5");
    assert_eq!(
        m.iter().find(|m| m.id == "GO-2022-0969").unwrap().fixed,
        vec!["1.18.6"]
    );
    assert!(!ids(&at("go1.18.6")).contains(&"GO-2022-0969".to_string()));
    assert!(!ids(&at("1.19.1")).contains(&"GO-2022-0969".to_string()));
    assert!(at("go1.19").len() > at("go1.25.0").len());
}

/// Maven/ and GHSA/: log4j-core 2.14.1 is hit by Log4Shell and its two follow-ups, one finding
/// each (the GHSA records are in both folders), with CVSS-computed severities. The Maven
/// comparator here is PEP 440's: for purely numeric versions like these both order alike.
#[test]
fn log4j_core_2_14_1() {
    let db = open();
    let m = db
        .matches(
            &PackageQuery {
                ecosystem: "Maven",
                name: "org.apache.logging.log4j:log4j-core",
                version: "2.14.1",
            },
            &pep440_cmp,
        )
        .unwrap();
    assert_eq!(
        ids(&m),
        [
            "GHSA-7rjr-3q55-vv33",
            "GHSA-jfh8-c2jp-5v3q",
            "GHSA-p6xc-xr62-6r2g"
        ]
    );
    let vulns = merge(m);
    let mut got: Vec<(String, Vec<String>, Severity, Option<f64>)> = vulns
        .iter()
        .map(|v| {
            (
                v.id.clone(),
                v.fixed.clone(),
                v.severity.level,
                v.severity.score,
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (
                "CVE-2021-44228".into(),
                vec!["2.15.0".into()],
                Severity::Critical,
                Some(10.0)
            ),
            (
                "CVE-2021-45046".into(),
                vec!["2.16.0".into()],
                Severity::Critical,
                Some(9.0)
            ),
            (
                "CVE-2021-45105".into(),
                vec!["2.17.0".into()],
                Severity::High,
                Some(8.6)
            ),
        ]
    );
    assert!(vulns.iter().all(|v| v.severity.source == Source::Cvss));
    // 2.12.2 is the fix for the 2.4–2.12 line of Log4Shell, still before 2.12.3.
    let m = db
        .matches(
            &PackageQuery {
                ecosystem: "Maven",
                name: "org.apache.logging.log4j:log4j-core",
                version: "2.12.2",
            },
            &pep440_cmp,
        )
        .unwrap();
    assert_eq!(ids(&m), ["GHSA-p6xc-xr62-6r2g"]);
    assert_eq!(m[0].fixed, vec!["2.12.3"]);
    let none = db
        .matches(
            &PackageQuery {
                ecosystem: "Maven",
                name: "org.apache.logging.log4j:log4j-core",
                version: "2.17.1",
            },
            &pep440_cmp,
        )
        .unwrap();
    assert!(none.is_empty());
}

/// PyPI/PYSEC-2023-74.json and GHSA/GHSA-j8r2-6x86-q33q.json: the same requests flaw from two
/// databases merges into one finding named by its CVE; the name is PEP 503-normalised.
#[test]
fn pypi_requests_two_records_one_finding() {
    let db = open();
    let m = db
        .matches(
            &PackageQuery {
                ecosystem: "pypi",
                name: "Requests",
                version: "2.30.0",
            },
            &pep440_cmp,
        )
        .unwrap();
    assert_eq!(ids(&m), ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]);
    let pysec = m.iter().find(|m| m.id == "PYSEC-2023-74").unwrap();
    assert_eq!(pysec.matched_by, MatchedBy::Both);
    assert_eq!(pysec.fixed, vec!["2.31.0"]);
    let v = merge(m);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].id, "CVE-2023-32681");
    assert_eq!(v[0].aliases, vec!["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]);
    assert_eq!(v[0].fixed, vec!["2.31.0"]);
    // PYSEC has no severity; GitHub's vector scores 6.1.
    assert_eq!(
        (v[0].severity.level, v[0].severity.score),
        (Severity::Medium, Some(6.1))
    );
    let fixed = db
        .matches(
            &PackageQuery {
                ecosystem: "PyPI",
                name: "requests",
                version: "2.31.0",
            },
            &pep440_cmp,
        )
        .unwrap();
    assert!(fixed.is_empty());
    // PEP 440 equality: 2.3 is 2.3.0, the range's first version.
    let m = db
        .matches(
            &PackageQuery {
                ecosystem: "PyPI",
                name: "requests",
                version: "2.3",
            },
            &pep440_cmp,
        )
        .unwrap();
    let m = ids(&m);
    assert!(
        m.contains(&"PYSEC-2023-74".to_string()) && m.contains(&"GHSA-j8r2-6x86-q33q".to_string()),
        "{m:?}"
    );
}

/// Debian/ with dpkg/debian12-minbase.status: every record is fixed in the installed source
/// versions, so nothing matches; older versions of zlib, gzip and xz-utils match exactly the
/// records whose fix is newer.
#[test]
fn debian12_minbase_has_none_and_older_versions_match() {
    let db = open();
    let status = std::fs::read(testdata("dpkg/debian12-minbase.status")).unwrap();
    let distro = kvet_inventory::Distro::new("debian", Some("12"));
    let (pkgs, warnings) =
        kvet_inventory::dpkg::parse_status(&status, "/var/lib/dpkg/status", false, &distro);
    assert!(warnings.is_empty());
    assert!(pkgs.len() > 80, "{} packages", pkgs.len());
    let feeds = kvet_vulndb::distro::ecosystems(&distro);
    assert_eq!(feeds, ["Debian:12"]);
    let mut checked = 0;
    for p in &pkgs {
        let src = p.source_name.clone().unwrap_or_else(|| p.name.clone());
        let ver = p.source_version.clone().unwrap_or_else(|| p.full_version());
        let m = db.matches_in(&feeds, &src, &ver, &dpkg_cmp).unwrap();
        assert!(m.is_empty(), "{src} {ver}: {:?}", ids(&m));
        checked += !db.entries("Debian:12", &src).unwrap().is_empty() as usize;
    }
    // Binary packages of each of the 29 source packages with records were looked up.
    assert!(checked >= 29, "{checked} binary packages had records");

    let at = |src: &str, v: &str| {
        let m = db.matches_in(&feeds, src, v, &dpkg_cmp).unwrap();
        assert!(m.iter().all(|m| m.feed == "Debian:12"));
        m
    };
    assert_eq!(
        ids(&at("zlib", "1:1.2.11.dfsg-2")),
        ["DEBIAN-CVE-2018-25032", "DEBIAN-CVE-2022-37434"]
    );
    assert_eq!(
        ids(&at("zlib", "1:1.2.11.dfsg-4")),
        ["DEBIAN-CVE-2022-37434"]
    );
    assert!(at("zlib", "1:1.2.11.dfsg-4.1").is_empty());
    // The epoch matters: without it 1.2.11 sorts before 1:anything.
    assert_eq!(at("zlib", "1.2.13.dfsg-1").len(), 2);
    assert_eq!(ids(&at("gzip", "1.10-4")), ["DEBIAN-CVE-2022-1271"]);
    // One id for two source packages: each package gets its own fix.
    let xz = at("xz-utils", "5.2.5-2");
    assert_eq!(
        ids(&xz),
        [
            "DEBIAN-CVE-2022-1271",
            "DEBIAN-CVE-2025-31115",
            "DEBIAN-CVE-2026-34743"
        ]
    );
    assert_eq!(
        xz.iter()
            .find(|m| m.id == "DEBIAN-CVE-2022-1271")
            .unwrap()
            .fixed,
        vec!["5.2.5-2.1"]
    );
    assert_eq!(ids(&at("xz-utils", "5.4.1-1")), ["DEBIAN-CVE-2026-34743"]);
    // The upstream CVE names the finding; no severity in these records.
    let v = merge(at("gzip", "1.10-4"));
    assert_eq!(
        (v[0].id.as_str(), v[0].severity.level),
        ("CVE-2022-1271", Severity::Unknown)
    );
}

/// Alpine/all.zip, branch v3.10. The comparator is dpkg's: for versions made of digits, dots,
/// letters and `-rN` (no `_` suffixes, as here) it orders as apk does.
#[test]
fn alpine_v3_10() {
    let db = open();
    let distro = kvet_inventory::Distro::new("alpine", Some("3.10.9"));
    let feeds = kvet_vulndb::distro::ecosystems(&distro);
    assert_eq!(feeds, ["Alpine:v3.10"]);
    let at = |p: &str, v: &str| db.matches_in(&feeds, p, v, &dpkg_cmp).unwrap();
    let m = at("openssl", "1.1.1b-r1");
    assert_eq!(
        ids(&m),
        [
            "ALPINE-CVE-2019-1547",
            "ALPINE-CVE-2019-1549",
            "ALPINE-CVE-2019-1563"
        ]
    );
    assert!(m
        .iter()
        .all(|m| m.fixed == ["1.1.1d-r0"] && m.feed == "Alpine:v3.10"));
    assert_eq!(ids(&at("openssl", "1.1.1a-r0")).len(), 4);
    assert!(at("openssl", "1.1.1d-r0").is_empty());
    assert_eq!(ids(&at("busybox", "1.30.1-r1")), ["ALPINE-CVE-2019-5747"]);
    assert!(at("busybox", "1.30.1-r2").is_empty());
    assert_eq!(ids(&at("musl", "1.1.22-r2")), ["ALPINE-CVE-2019-14697"]);
    // The same package on another branch is another feed.
    let v311 = db
        .matches(
            &PackageQuery {
                ecosystem: "Alpine:v3.11",
                name: "musl",
                version: "1.1.22-r2",
            },
            &dpkg_cmp,
        )
        .unwrap();
    assert!(v311.iter().all(|m| m.feed == "Alpine:v3.11"));
}

/// All inputs: a 1,000-package inventory (real package names from the records: Go modules and
/// Alpine, Debian, Maven, PyPI packages; nine in ten at a version past every fix, one in ten at an old one),
/// opened and matched. The release-build figure is in bench/vulndb_bench.sh; this debug-build
/// bound only catches a lost index or a quadratic slip.
#[test]
fn thousand_packages_are_quick() {
    let conn = rusqlite::Connection::open(&db().1).unwrap();
    let mut st = conn
        .prepare(
            "SELECT DISTINCT ecosystem, name FROM affected
             ORDER BY name, ecosystem LIMIT 1000",
        )
        .unwrap();
    let pkgs: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pkgs.len(), 1000);
    let queries: Vec<(String, String, String)> = pkgs
        .into_iter()
        .enumerate()
        .map(|(i, (e, n))| {
            let old = i % 10 == 0;
            let v = match (e.as_str(), old) {
                ("Go", false) => "v99.0.0",
                ("Go", true) => "v0.1.0",
                (_, false) => "99.0-r0",
                (_, true) => "0.1-r0",
            };
            (e, n, v.to_string())
        })
        .collect();
    let start = std::time::Instant::now();
    let db = VulnDb::open(&db().1).unwrap();
    let mut found = 0;
    for (e, n, v) in &queries {
        found += db
            .matches(
                &PackageQuery {
                    ecosystem: e,
                    name: n,
                    version: v,
                },
                &dpkg_cmp,
            )
            .unwrap()
            .len();
    }
    let took = start.elapsed();
    eprintln!("open + match 1000 packages: {took:?} ({found} matches)");
    assert!(found > 100, "{found}");
    assert!(took < std::time::Duration::from_millis(1000), "{took:?}");
}
