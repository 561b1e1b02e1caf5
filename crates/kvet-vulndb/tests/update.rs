//! `update` against a local HTTP server on 127.0.0.1 (std TcpListener, started and stopped by
//! each test) serving zips built from the real records in ../shared/testdata/osv: Go/ and
//! PyPI/ zipped here, Alpine/all.zip as it is. Failures — a cut-off zip, a server dying
//! half-way through a body, a 500 that never clears, a 404 — leave the old database working.

mod common;
use common::*;
use kvet_vulndb::update::{self, Options, Progress};
use kvet_vulndb::{Error, PackageQuery, VulnDb};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server answers one path.
#[derive(Clone)]
enum Reply {
    Ok(Vec<u8>),
    /// Sends the full Content-Length, then only the first `n` bytes, then closes.
    DiesAfter(Vec<u8>, usize),
    Status(u16),
}

struct Server {
    base: String,
    stop: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(routes: HashMap<String, Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let routes = Arc::new(Mutex::new(routes));
        let (s2, h2) = (stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: a test never needs more than a minute of serving.
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !s2.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                let (mut conn, _) = match listener.accept() {
                    Ok(c) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).is_err() || l == "\r\n" || l.is_empty() {
                        break;
                    }
                }
                h2.fetch_add(1, Ordering::SeqCst);
                let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                let reply = routes.lock().unwrap().get(&path).cloned();
                let _ = match reply {
                    Some(Reply::Ok(body)) => conn
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .and_then(|_| conn.write_all(&body)),
                    Some(Reply::DiesAfter(body, n)) => conn
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .and_then(|_| conn.write_all(&body[..n])),
                    Some(Reply::Status(s)) => conn.write_all(
                        format!("HTTP/1.1 {s} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .as_bytes(),
                    ),
                    None => conn.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
                let _ = conn.flush();
                let _ = conn.shutdown(std::net::Shutdown::Both);
            }
        });
        Server {
            base,
            stop,
            hits,
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

/// A zip of every `*.json` in a testdata folder, laid out like OSV's all.zip (flat names).
fn zip_of(rel: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let mut files: Vec<_> = std::fs::read_dir(osv(rel))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(&std::fs::read(&f).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

fn opts(base: &str, ecos: &[&str]) -> Options<'static> {
    Options {
        base_url: base.to_string(),
        ecosystems: ecos.iter().map(|s| s.to_string()).collect(),
        retries: 2,
        retry_delay: Duration::from_millis(10),
        read_timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

fn stdlib_hits(db: &VulnDb) -> bool {
    let never = |_: &str, _: &str| -> std::cmp::Ordering { unreachable!() };
    let m = db
        .matches(
            &PackageQuery {
                ecosystem: "Go",
                name: "stdlib",
                version: "go1.19",
            },
            &never,
        )
        .unwrap();
    ids(&m).contains(&"GO-2022-0969".to_string())
}

/// Go and PyPI zips plus Alpine/all.zip, served and imported; progress reported; "Rocky Linux"
/// would be URL-encoded, so one ecosystem name with a space is served too.
#[test]
fn update_downloads_and_imports() {
    let alpine = std::fs::read(osv("Alpine/all.zip")).unwrap();
    let routes = HashMap::from([
        ("/Go/all.zip".to_string(), Reply::Ok(zip_of("Go"))),
        ("/PyPI/all.zip".to_string(), Reply::Ok(zip_of("PyPI"))),
        ("/Alpine/all.zip".to_string(), Reply::Ok(alpine)),
        (
            "/Rocky%20Linux/all.zip".to_string(),
            Reply::Ok(zip_of("Maven")),
        ),
    ]);
    let server = Server::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("sub").join(kvet_vulndb::DB_FILE_NAME);
    let downloads = AtomicUsize::new(0);
    let progress = |p: Progress| {
        if let Progress::Download { done, total, .. } = p {
            assert!(total.is_some_and(|t| done <= t));
            downloads.fetch_add(1, Ordering::SeqCst);
        }
    };
    let mut o = opts(&server.base, &["Go", "PyPI", "Alpine", "Rocky Linux"]);
    o.progress = Some(&progress);
    let report = update::update(&db_path, &o).unwrap();
    assert_eq!(report.import.imported, 960 + 31 + 2442 + 3);
    assert!(downloads.load(Ordering::SeqCst) >= 4);
    let db = VulnDb::open(&db_path).unwrap();
    assert!(stdlib_hits(&db));
    let status = db.status().unwrap();
    let names: Vec<&str> = status.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Alpine", "Go", "PyPI", "Rocky Linux"]);
    let go = status.sources.iter().find(|s| s.name == "Go").unwrap();
    assert_eq!(go.location, format!("{}/Go/all.zip", server.base));
    // No download folder left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
    assert_eq!(left.len(), 1);
}

fn old_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path, _) = build(&[kvet_vulndb::import::Input::from_path(osv("Go"))]);
    (dir, path)
}

fn assert_old_db_intact(path: &std::path::Path, open_before: &VulnDb) {
    assert!(
        stdlib_hits(open_before),
        "a reader that had it open still reads it"
    );
    let db = VulnDb::open(path).unwrap();
    assert!(stdlib_hits(&db));
    assert!(db.status().unwrap().sources[0].name.ends_with("osv/Go"));
    assert!(db.entries("PyPI", "requests").unwrap().is_empty());
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1, "temporary files left: {left:?}");
}

/// PyPI served fine, then a cut-off copy of Alpine/all.zip (served completely, with a matching
/// Content-Length): the archive check fails, nothing is imported.
#[test]
fn truncated_zip_keeps_old_database() {
    let alpine = std::fs::read(osv("Alpine/all.zip")).unwrap();
    let server = Server::start(HashMap::from([
        ("/PyPI/all.zip".to_string(), Reply::Ok(zip_of("PyPI"))),
        (
            "/Alpine/all.zip".to_string(),
            Reply::Ok(alpine[..alpine.len() / 2].to_vec()),
        ),
    ]));
    let (_dir, path) = old_db();
    let before = VulnDb::open(&path).unwrap();
    let err = update::update(&path, &opts(&server.base, &["PyPI", "Alpine"])).unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("/Alpine/all.zip") && msg.contains("not a complete zip"),
        "{msg}"
    );
    assert_old_db_intact(&path, &before);
}

/// The server announces all of Alpine/all.zip and dies after a third of it, every time: each
/// attempt fails, it is retried twice, then the update fails and the old database stays.
#[test]
fn server_dying_half_way_keeps_old_database() {
    let alpine = std::fs::read(osv("Alpine/all.zip")).unwrap();
    let n = alpine.len() / 3;
    let server = Server::start(HashMap::from([
        ("/PyPI/all.zip".to_string(), Reply::Ok(zip_of("PyPI"))),
        ("/Alpine/all.zip".to_string(), Reply::DiesAfter(alpine, n)),
    ]));
    let (_dir, path) = old_db();
    let before = VulnDb::open(&path).unwrap();
    let retries = AtomicUsize::new(0);
    let progress = |p: Progress| {
        if let Progress::Retry { .. } = p {
            retries.fetch_add(1, Ordering::SeqCst);
        }
    };
    let mut o = opts(&server.base, &["PyPI", "Alpine"]);
    o.progress = Some(&progress);
    let err = update::update(&path, &o).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/Alpine/all.zip") && msg.contains("after 3 attempts"),
        "{msg}"
    );
    assert_eq!(retries.load(Ordering::SeqCst), 2);
    assert_eq!(server.hits.load(Ordering::SeqCst), 1 + 3);
    assert_old_db_intact(&path, &before);
}

/// A 500 that never clears is retried then reported; a 404 (no such ecosystem archive) is not
/// retried.
#[test]
fn http_errors_keep_old_database() {
    let server = Server::start(HashMap::from([(
        "/Go/all.zip".to_string(),
        Reply::Status(500),
    )]));
    let (_dir, path) = old_db();
    let before = VulnDb::open(&path).unwrap();
    let msg = update::update(&path, &opts(&server.base, &["Go"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("HTTP 500") && msg.contains("after 3 attempts"),
        "{msg}"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 3);
    let msg = update::update(&path, &opts(&server.base, &["Nope"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("HTTP 404") && !msg.contains("attempts"),
        "{msg}"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 4);
    assert_old_db_intact(&path, &before);
}

/// Nothing listening: a connection error, retried, then reported with the URL.
#[test]
fn unreachable_source_keeps_old_database() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (_dir, path) = old_db();
    let before = VulnDb::open(&path).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let msg = update::update(&path, &opts(&base, &["Go"]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&format!("{base}/Go/all.zip")), "{msg}");
    assert_old_db_intact(&path, &before);
}

/// An archive over the size limit is refused without retrying (PyPI zip, limit 1 KiB).
#[test]
fn oversized_archive_is_refused() {
    let server = Server::start(HashMap::from([(
        "/PyPI/all.zip".to_string(),
        Reply::Ok(zip_of("PyPI")),
    )]));
    let (_dir, path) = old_db();
    let before = VulnDb::open(&path).unwrap();
    let mut o = opts(&server.base, &["PyPI"]);
    o.max_archive_bytes = 1024;
    let msg = update::update(&path, &o).unwrap_err().to_string();
    assert!(msg.contains("archive larger than 1024 bytes"), "{msg}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    assert_old_db_intact(&path, &before);
}
