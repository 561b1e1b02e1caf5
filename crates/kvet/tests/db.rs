//! `kvet db` end to end: import of the real OSV records in ../shared/testdata/osv (each test
//! names its inputs), status in both formats, malformed records, the missing-database hint, and
//! `update` against a local server on 127.0.0.1 serving Alpine/all.zip.

mod common;
use common::*;
use predicates::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn osv(rel: &str) -> PathBuf {
    let p = kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("osv")
        .join(rel);
    assert!(p.exists(), "test data missing: {}", p.display());
    p
}

fn db(dir: &std::path::Path) -> assert_cmd::Command {
    let mut c = kvet();
    c.env_remove("KVET_DB_SOURCE_URL")
        .env("KVET_DB_DIR", dir)
        .arg("db");
    c
}

/// Go/, PyPI/ and Alpine/all.zip imported; status as a table and as JSON.
#[test]
fn import_then_status() {
    let dir = tempfile::tempdir().unwrap();
    db(dir.path())
        .args(["import", "--no-progress"])
        .arg(osv("Go"))
        .arg(osv("PyPI"))
        .arg(osv("Alpine/all.zip"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "from 3 source(s): 3433 advisories (3433 records read, 0 skipped, 4 withdrawn)",
        ));
    db(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("Schema      1"))
        .stdout(predicate::str::contains("Advisories  3433"))
        .stdout(
            predicate::str::is_match(r"(?m)^  Alpine:v3\.10\s+1723 advisories\s+1857 entries$")
                .unwrap(),
        )
        .stdout(predicate::str::is_match(r"(?m)^  Go\s+960 advisories\s+1304 entries$").unwrap())
        .stderr(predicate::str::is_empty());
    let out = db(dir.path())
        .args(["status", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = json_of(&out.stdout);
    assert_eq!(doc["schemaVersion"], 1);
    assert_eq!(doc["stale"], false);
    assert_eq!(doc["advisories"], 3433);
    let pypi = doc["ecosystems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ecosystem"] == "PyPI")
        .unwrap();
    assert_eq!(
        (pypi["advisories"].as_u64(), pypi["entries"].as_u64()),
        (Some(31), Some(31))
    );
    assert_eq!(doc["sources"].as_array().unwrap().len(), 3);
}

/// No database yet: status and a bad format are input errors (exit 2) with a hint.
#[test]
fn missing_database_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    db(dir.path()).arg("status").assert().code(2).stderr(
        predicate::str::contains("kvet db update").and(predicate::str::contains("kvet db import")),
    );
    db(dir.path())
        .args(["import", "/nonexistent/osv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/osv"));
}

/// Maven/ plus a folder holding a cut-off copy of a real record: the bad one is skipped with a
/// warning naming it; --quiet keeps standard output and error empty.
#[test]
fn malformed_records_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let bad = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(osv("Maven/GHSA-7rjr-3q55-vv33.json")).unwrap();
    std::fs::write(bad.path().join("cut.json"), &text[..100]).unwrap();
    db(dir.path())
        .args(["import", "--no-progress"])
        .arg(osv("Maven"))
        .arg(bad.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "3 advisories (3 records read, 1 skipped",
        ))
        .stderr(predicate::str::contains("1 malformed record(s) skipped"))
        .stderr(predicate::str::contains("cut.json: not an OSV JSON record"));
    db(dir.path())
        .args(["import", "--quiet"])
        .arg(osv("Maven"))
        .arg(bad.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
}

/// Serves Alpine/all.zip at /Alpine/all.zip (404 for anything else) until dropped.
struct Server {
    url: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let zip = std::fs::read(osv("Alpine/all.zip")).unwrap();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !s2.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                let Ok((mut c, _)) = l.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                c.set_nonblocking(false).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut r = BufReader::new(c.try_clone().unwrap());
                let mut first = String::new();
                let _ = r.read_line(&mut first);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
                        break;
                    }
                }
                let _ = if first.starts_with("GET /Alpine/all.zip ") {
                    c.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            zip.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| c.write_all(&zip))
                } else {
                    c.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                };
                let _ = c.shutdown(std::net::Shutdown::Both);
            }
        });
        Server {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `db update --ecosystem Alpine --source-url` against the local server builds the database;
/// an update naming an ecosystem the server does not have fails (exit 2, URL in the message)
/// and the database from the first update still answers `status`.
#[test]
fn update_from_a_mirror_and_failed_update_keeps_database() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    db(dir.path())
        .args([
            "update",
            "--no-progress",
            "--ecosystem",
            "Alpine",
            "--source-url",
            &server.url,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("2442 advisories"));
    db(dir.path())
        .args([
            "update",
            "-q",
            "--retries",
            "0",
            "--ecosystem",
            "Alpine",
            "--ecosystem",
            "Go",
        ])
        .env("KVET_DB_SOURCE_URL", &server.url)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}/Go/all.zip",
            server.url
        )))
        .stderr(predicate::str::contains("HTTP 404"));
    db(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("Advisories  2442"))
        .stdout(predicate::str::contains(format!(
            "{}/Alpine/all.zip",
            server.url
        )));
}
