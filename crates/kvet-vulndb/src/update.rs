//! `kvet db update`: download OSV's per-ecosystem `all.zip` archives, then import them.
//!
//! HTTP client: `ureq` 3 (blocking, small), on rustls with the aws-lc-rs provider passed in
//! explicitly, the backend the workspace already has through kube; ureq's own default would
//! enable ring as a second backend. Certificates come from the platform's store (rustls'
//! platform verifier), so mirrors behind a company CA work as the system trusts them.
//!
//! Archives are downloaded into a temporary folder beside the database and checked (complete
//! body, readable zip) before anything is imported; the import itself swaps the file in
//! atomically. Any failure leaves the previous database as it was.

use crate::error::{Error, Result};
use crate::import::{self, Input};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The public OSV bucket: `<base>/<Ecosystem>/all.zip`.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Environment variable overriding the base URL (mirrors, tests).
pub const SOURCE_URL_ENV: &str = "KVET_DB_SOURCE_URL";

/// The ecosystems `kvet db update` fetches when none is named: the language ecosystems kvet
/// catalogues and the distributions it detects (release-scoped records live in the base
/// ecosystem's archive: `Debian/all.zip` holds `Debian:12`).
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Go",
    "PyPI",
    "Maven",
    "npm",
    "crates.io",
    "NuGet",
    "RubyGems",
    "Packagist",
    "Debian",
    "Ubuntu",
    "Alpine",
    "openEuler",
    "Rocky Linux",
    "AlmaLinux",
    "Red Hat",
    "SUSE",
    "openSUSE",
    "Wolfi",
    "Chainguard",
];

#[derive(Debug, Clone)]
pub enum Progress {
    /// Bytes of one archive so far (`total` from Content-Length when the server sent it).
    Download {
        ecosystem: String,
        done: u64,
        total: Option<u64>,
    },
    /// A failed attempt that will be retried.
    Retry {
        ecosystem: String,
        attempt: u32,
        reason: String,
    },
    Import(import::Progress),
}

pub struct Options<'a> {
    /// Base URL; archives are `<base>/<Ecosystem>/all.zip`.
    pub base_url: String,
    pub ecosystems: Vec<String>,
    /// Extra attempts per archive after the first (network errors, 5xx, 429, cut-off bodies).
    pub retries: u32,
    /// Wait before the first retry; doubled each time.
    pub retry_delay: Duration,
    /// A read that waits longer than this fails the attempt (a stalled server).
    pub read_timeout: Duration,
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    pub named_warnings: usize,
    /// An archive larger than this is refused (a broken or hostile mirror must not fill the disk).
    pub max_archive_bytes: u64,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            base_url: DEFAULT_BASE_URL.to_string(),
            ecosystems: DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect(),
            retries: 3,
            retry_delay: Duration::from_secs(2),
            read_timeout: Duration::from_secs(60),
            progress: None,
            named_warnings: 5,
            max_archive_bytes: 8 << 30,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub import: import::Report,
    pub downloaded_bytes: u64,
}

/// The archive URL of one ecosystem (spaces and other reserved characters percent-encoded).
pub fn archive_url(base: &str, ecosystem: &str) -> String {
    let mut enc = String::new();
    for b in ecosystem.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}/{enc}/all.zip", base.trim_end_matches('/'))
}

/// Downloads the archives and builds a new database at `db_path` from them.
pub fn update(db_path: &Path, opts: &Options) -> Result<Report> {
    if opts.ecosystems.is_empty() {
        return Err(Error::Input("no ecosystem to download".into()));
    }
    let dir = match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let work = TempDir::new(&dir)?;
    let agent = agent(opts.read_timeout);
    let mut inputs = Vec::new();
    let mut downloaded = 0;
    for (i, eco) in opts.ecosystems.iter().enumerate() {
        let url = archive_url(&opts.base_url, eco);
        let path = work.0.join(format!("{i}.zip"));
        downloaded += fetch_with_retries(&agent, &url, eco, &path, opts)?;
        check_zip(&path, &url)?;
        inputs.push(Input {
            name: eco.clone(),
            path,
            location: url,
        });
    }
    let forward = |p: import::Progress| {
        if let Some(f) = opts.progress {
            f(Progress::Import(p));
        }
    };
    let import_opts = import::Options {
        progress: Some(&forward),
        named_warnings: opts.named_warnings,
        ..import::Options::default()
    };
    let import = import::import(db_path, &inputs, &import_opts)?;
    Ok(Report {
        import,
        downloaded_bytes: downloaded,
    })
}

fn agent(read_timeout: Duration) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(read_timeout))
        .timeout_per_read(Some(read_timeout))
        .user_agent(concat!("kvet/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// A failed attempt, and whether trying again may help.
struct Failure {
    reason: String,
    retry: bool,
}

fn fetch_with_retries(
    agent: &ureq::Agent,
    url: &str,
    eco: &str,
    path: &Path,
    opts: &Options,
) -> Result<u64> {
    let mut delay = opts.retry_delay;
    let mut attempt = 0;
    loop {
        match fetch(agent, url, eco, path, opts) {
            Ok(n) => return Ok(n),
            Err(f) if f.retry && attempt < opts.retries => {
                attempt += 1;
                if let Some(p) = opts.progress {
                    p(Progress::Retry {
                        ecosystem: eco.to_string(),
                        attempt,
                        reason: f.reason.clone(),
                    });
                }
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
            }
            Err(f) => {
                let tries = if attempt > 0 {
                    format!(" (after {} attempts)", attempt + 1)
                } else {
                    String::new()
                };
                return Err(Error::Download {
                    url: url.to_string(),
                    reason: format!("{}{tries}", f.reason),
                });
            }
        }
    }
}

fn fetch(
    agent: &ureq::Agent,
    url: &str,
    eco: &str,
    path: &Path,
    opts: &Options,
) -> Result<u64, Failure> {
    let transport = |e: &dyn std::fmt::Display| Failure {
        reason: e.to_string(),
        retry: true,
    };
    let resp = agent.get(url).call().map_err(|e| transport(&e))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(Failure {
            reason: match status {
                404 => format!("HTTP 404: no archive for ecosystem '{eco}' at this source"),
                s => format!("HTTP {s}"),
            },
            retry: status >= 500 || status == 429,
        });
    }
    let total = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut reader = resp.into_body().into_reader();
    let local = |e: std::io::Error| Failure {
        reason: format!("{}: {e}", path.display()),
        retry: false,
    };
    let mut out = File::create(path).map_err(local)?;
    let mut buf = vec![0u8; 256 << 10];
    let mut done = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| Failure {
            reason: format!("download interrupted after {done} bytes: {e}"),
            retry: true,
        })?;
        if n == 0 {
            break;
        }
        out.write_all(&buf[..n]).map_err(local)?;
        done += n as u64;
        if done > opts.max_archive_bytes {
            return Err(Failure {
                reason: format!("archive larger than {} bytes", opts.max_archive_bytes),
                retry: false,
            });
        }
        if let Some(p) = opts.progress {
            p(Progress::Download {
                ecosystem: eco.to_string(),
                done,
                total,
            });
        }
    }
    if let Some(t) = total {
        if done != t {
            return Err(Failure {
                reason: format!("download cut off: {done} of {t} bytes"),
                retry: true,
            });
        }
    }
    out.flush().map_err(local)?;
    Ok(done)
}

/// A downloaded archive must be a complete zip (its central directory at the end is the first
/// thing a cut-off download loses).
fn check_zip(path: &Path, url: &str) -> Result<()> {
    let f = File::open(path).map_err(Error::io(path))?;
    zip::ZipArchive::new(std::io::BufReader::new(f))
        .map(|_| ())
        .map_err(|e| Error::Download {
            url: url.to_string(),
            reason: format!("the downloaded archive is not a complete zip ({e})"),
        })
}

/// Download folder beside the database, removed with everything in it.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: &Path) -> Result<TempDir> {
        let p = parent.join(format!(".kvet-download-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).map_err(Error::io(&p))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_encoded() {
        assert_eq!(
            archive_url("http://127.0.0.1:8080/", "Rocky Linux"),
            "http://127.0.0.1:8080/Rocky%20Linux/all.zip"
        );
        assert_eq!(
            archive_url(DEFAULT_BASE_URL, "crates.io"),
            format!("{DEFAULT_BASE_URL}/crates.io/all.zip")
        );
    }
}
