//! Import behaviour: malformed records skipped and counted, atomic replace, schema checks,
//! missing database. Inputs are real records from ../shared/testdata/osv (named per test) and
//! damaged copies of them made in a temporary folder.

mod common;
use common::*;
use kvet_vulndb::import::{self, Input};
use kvet_vulndb::{Error, PackageQuery, VulnDb};
use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(osv(rel)).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// PyPI/ (31 real records) plus six damaged copies of PyPI/PYSEC-2023-74.json: each bad one
/// is skipped and counted, the good ones are all imported, and the first few are named.
#[test]
fn malformed_records_are_skipped_and_counted() {
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let good = read("PyPI/PYSEC-2023-74.json");
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    // 1. Cut off mid-way.
    write(&bad, "a-truncated.json", &good[..good.len() / 2]);
    // 2. No id.
    let mut x = v.clone();
    x.as_object_mut().unwrap().remove("id");
    write(&bad, "b-no-id.json", &x.to_string());
    // 3. No affected.
    let mut x = v.clone();
    x["id"] = "TEST-NO-AFFECTED".into();
    x.as_object_mut().unwrap().remove("affected");
    write(&bad, "c-no-affected.json", &x.to_string());
    // 4. An event with two kinds at once (the schema forbids it).
    let mut x = v.clone();
    x["id"] = "TEST-BAD-RANGE".into();
    x["affected"][0]["ranges"][1]["events"][0] =
        serde_json::json!({"introduced": "2.3.0", "fixed": "2.31.0"});
    write(&bad, "d-bad-range.json", &x.to_string());
    // 5. An ecosystem OSV does not define.
    let mut x = v.clone();
    x["id"] = "TEST-UNKNOWN-ECO".into();
    x["affected"][0]["package"]["ecosystem"] = "Slackware".into();
    write(&bad, "e-unknown-ecosystem.json", &x.to_string());
    // 6. A SEMVER range whose bound is not SemVer.
    let mut x = v.clone();
    x["id"] = "TEST-BAD-SEMVER".into();
    x["affected"][0]["ranges"][1]["type"] = "SEMVER".into();
    x["affected"][0]["ranges"][1]["events"][1] = serde_json::json!({"fixed": "two.31"});
    write(&bad, "f-bad-semver.json", &x.to_string());
    // 7. Not even JSON.
    write(&bad, "g-binary.json", "\u{0}\u{1}PK garbage");

    let db_path = work.path().join("db").join(kvet_vulndb::DB_FILE_NAME);
    let inputs = [Input::from_path(osv("PyPI")), Input::from_path(&bad)];
    let report = import::import(&db_path, &inputs, &import::Options::default()).unwrap();
    assert_eq!(report.imported, 31);
    assert_eq!(report.skipped, 7);
    assert_eq!(report.sources[1].skipped, 7);
    assert_eq!(report.warnings.len(), 5, "first five named");
    let w = report.warnings.join("\n");
    for (file, why) in [
        ("a-truncated.json", "not an OSV JSON record"),
        ("b-no-id.json", "missing `id`"),
        ("c-no-affected.json", "missing `affected`"),
        ("d-bad-range.json", "exactly one of"),
        ("e-unknown-ecosystem.json", "unknown ecosystem 'Slackware'"),
    ] {
        assert!(
            w.lines().any(|l| l.contains(file) && l.contains(why)),
            "{file}: {why} in\n{w}"
        );
    }
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.status().unwrap().advisories, 31);
}

/// A record with one good and one bad affected entry keeps the good one, counted as a
/// dropped entry (Maven/GHSA-7rjr-3q55-vv33.json with its second entry's ecosystem damaged).
#[test]
fn a_bad_entry_drops_only_itself() {
    let work = tempfile::tempdir().unwrap();
    let mut v: serde_json::Value =
        serde_json::from_str(&read("Maven/GHSA-7rjr-3q55-vv33.json")).unwrap();
    v["affected"][1]["package"]["ecosystem"] = "NotAnEcosystem".into();
    write(work.path(), "one.json", &v.to_string());
    let db_path = work.path().join("x.sqlite");
    let r = import::import(
        &db_path,
        &[Input::from_path(work.path().join("one.json"))],
        &import::Options::default(),
    )
    .unwrap();
    assert_eq!((r.imported, r.skipped, r.dropped_entries), (1, 0, 1));
    assert!(r.warnings[0].contains("affected[1]") && r.warnings[0].contains("NotAnEcosystem"));
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(
        db.entries("Maven", "org.apache.logging.log4j:log4j-core")
            .unwrap()
            .len(),
        1
    );
}

/// Go/ imported, then an import of a cut-off copy of Alpine/all.zip fails: the error names the
/// archive, the Go database is still in place and answers, and no temporary file is left.
#[test]
fn failed_import_keeps_the_old_database() {
    let work = tempfile::tempdir().unwrap();
    let db_path = work.path().join(kvet_vulndb::DB_FILE_NAME);
    import::import(
        &db_path,
        &[Input::from_path(osv("Go"))],
        &import::Options::default(),
    )
    .unwrap();
    let before = VulnDb::open(&db_path).unwrap();
    let zip = std::fs::read(osv("Alpine/all.zip")).unwrap();
    let cut = work.path().join("cut.zip");
    std::fs::write(&cut, &zip[..zip.len() * 2 / 3]).unwrap();
    let err = import::import(
        &db_path,
        &[Input::from_path(osv("PyPI")), Input::from_path(&cut)],
        &import::Options::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Zip { .. }), "{err}");
    assert!(err.to_string().contains("cut.zip"), "{err}");
    let never = |_: &str, _: &str| -> std::cmp::Ordering { unreachable!() };
    for db in [before, VulnDb::open(&db_path).unwrap()] {
        let m = db
            .matches(
                &PackageQuery {
                    ecosystem: "Go",
                    name: "stdlib",
                    version: "1.19.0",
                },
                &never,
            )
            .unwrap();
        assert!(ids(&m).contains(&"GO-2022-0969".to_string()));
        assert!(db.entries("PyPI", "requests").unwrap().is_empty());
    }
    let left: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}"); // the database and cut.zip
                                           // Nothing importable at all is an error too, and also leaves the database alone.
    let empty = tempfile::tempdir().unwrap();
    let err = import::import(
        &db_path,
        &[Input::from_path(empty.path())],
        &import::Options::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no OSV records"), "{err}");
    assert!(VulnDb::open(&db_path).is_ok());
}

/// Schema versions: a file claiming a newer schema is refused with a message saying so; a
/// missing database says how to get one; a non-kvet SQLite file is named as such.
#[test]
fn schema_and_missing_database() {
    let work = tempfile::tempdir().unwrap();
    let err = VulnDb::open_dir(work.path()).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("kvet db update") && msg.contains("kvet db import"),
        "{msg}"
    );
    assert!(
        kvet_vulndb::store::check_fresh(work.path(), std::time::Duration::from_secs(1)).is_err()
    );

    let db_path = work.path().join(kvet_vulndb::DB_FILE_NAME);
    import::import(
        &db_path,
        &[Input::from_path(osv("Maven"))],
        &import::Options::default(),
    )
    .unwrap();
    let c = rusqlite::Connection::open(&db_path).unwrap();
    c.execute(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(c);
    let msg = VulnDb::open(&db_path).err().unwrap().to_string();
    assert!(
        msg.contains("schema version 99") && msg.contains("newer kvet"),
        "{msg}"
    );

    let other = work.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let msg = VulnDb::open(&other).err().unwrap().to_string();
    assert!(msg.contains("not a kvet vulnerability database"), "{msg}");
}

/// Maven/: freshness against the build time.
#[test]
fn freshness() {
    let (_dir, db_path, _) = build(&[Input::from_path(osv("Maven"))]);
    let db = VulnDb::open(&db_path).unwrap();
    let week = std::time::Duration::from_secs(7 * 24 * 3600);
    let now = chrono::Utc::now();
    assert!(matches!(
        db.check_fresh(week, now).unwrap(),
        kvet_vulndb::Freshness::Fresh { .. }
    ));
    let later = now + chrono::Duration::days(8);
    match db.check_fresh(week, later).unwrap() {
        kvet_vulndb::Freshness::Stale { age, .. } => assert!(age >= chrono::Duration::days(8)),
        f => panic!("{f:?}"),
    }
    let s = db.status().unwrap();
    assert_eq!(s.sources.len(), 1);
    assert!(s.size_bytes > 0);
    assert!(s.age(now) < chrono::Duration::minutes(5));
}

/// Alpine/all.zip with a 1,000-byte record limit: larger entries are skipped and named, smaller
/// ones imported (the limit is checked on what is inflated, not on the header's claim).
#[test]
fn record_size_limit() {
    let work = tempfile::tempdir().unwrap();
    let db_path = work.path().join("x.sqlite");
    let opts = import::Options {
        max_record_bytes: 1000,
        ..import::Options::default()
    };
    let r = import::import(&db_path, &[Input::from_path(osv("Alpine/all.zip"))], &opts).unwrap();
    assert!(r.skipped > 0 && r.imported > 0, "{r:?}");
    assert_eq!(r.skipped + r.imported, 2442);
    assert!(r.warnings[0].contains("all.zip:") && r.warnings[0].contains("larger than 1000 bytes"));
}
