//! The blob cache: pulled blobs stored by digest (`<dir>/sha256/<hex>`), so a second scan of
//! the same image, or of an image sharing its base layers, downloads nothing.
//!
//! A blob enters the cache only verified: it is written to a temporary file beside its final
//! place while being hashed, and renamed into place only when its digest matches; on any
//! failure the temporary file is removed. A cached blob is **trusted by name** (and by size,
//! when the manifest gives one) when it is opened again: re-hashing every layer on every
//! scan would double the read cost, and the squash verifies the digest of every layer it
//! reads anyway, so a blob corrupted on disk is still caught, just later.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::source::oci::Hasher;
use crate::source::{Progress, ProgressFn};
use crate::{Error, Result};

/// Where pulled blobs go by default: `$XDG_CACHE_HOME/kvet/blobs`, else
/// `~/.cache/kvet/blobs` (`%LOCALAPPDATA%\kvet\blobs` on Windows). `None` when there is no
/// home directory to put it in. Written by hand: three environment variables do not
/// justify a dependency.
pub fn default_cache_dir() -> Option<PathBuf> {
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return nonempty("LOCALAPPDATA").map(|d| d.join("kvet").join("blobs"));
    }
    nonempty("XDG_CACHE_HOME")
        .or_else(|| nonempty("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("kvet").join("blobs"))
}

/// Copy buffer size; also how often progress is reported.
const CHUNK: usize = 256 << 10;

pub(crate) struct BlobCache {
    root: PathBuf,
}

/// Why storing a blob failed: the source (network, worth retrying) or everything else.
pub(crate) enum StoreError {
    Read(std::io::Error),
    Other(Error),
}

impl BlobCache {
    pub(crate) fn new(root: &Path) -> Result<BlobCache> {
        std::fs::create_dir_all(root).map_err(|e| Error::Io {
            path: root.display().to_string(),
            source: e,
        })?;
        Ok(BlobCache {
            root: root.to_path_buf(),
        })
    }

    /// `<root>/<alg>/<hex>` for a validated digest.
    pub(crate) fn path(&self, digest: &str) -> PathBuf {
        let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
        self.root.join(alg).join(hex)
    }

    /// The cached file for `digest`, if present with the expected size.
    pub(crate) fn lookup(&self, digest: &str, size: Option<u64>) -> Option<PathBuf> {
        let path = self.path(digest);
        let meta = std::fs::metadata(&path).ok()?;
        (meta.is_file() && size.is_none_or(|s| s == meta.len())).then_some(path)
    }

    /// Streams `reader` into the cache as `digest`, hashing as it writes; at most `max`
    /// bytes are accepted. Returns the cached file.
    pub(crate) fn store(
        &self,
        digest: &str,
        reader: &mut dyn Read,
        max: u64,
        total: Option<u64>,
        progress: Option<&ProgressFn>,
    ) -> std::result::Result<PathBuf, StoreError> {
        let final_path = self.path(digest);
        let dir = final_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        let io = |path: &Path, e: std::io::Error| {
            StoreError::Other(Error::Io {
                path: path.display().to_string(),
                source: e,
            })
        };
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".partial-")
            .tempfile_in(&dir)
            .map_err(|e| io(&dir, e))?;
        let mut hasher = Hasher::for_digest(digest).map_err(StoreError::Other)?;
        let mut buf = vec![0u8; CHUNK];
        let mut done: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::Read(e)),
            };
            done += n as u64;
            if done > max {
                return Err(StoreError::Other(Error::Limit {
                    what: format!("blob {digest} (more than {max} bytes)"),
                    limit: format!("{max}-byte blob"),
                }));
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n]).map_err(|e| io(tmp.path(), e))?;
            if let Some(p) = progress {
                p(Progress {
                    digest,
                    done,
                    total,
                    finished: false,
                });
            }
        }
        let actual = hasher.finish();
        if actual != digest {
            // `tmp` is deleted on drop: only verified blobs stay.
            return Err(StoreError::Other(Error::DigestMismatch {
                digest: digest.to_string(),
                actual,
            }));
        }
        if let Some(want) = total.filter(|&t| t != done) {
            return Err(StoreError::Other(Error::Invalid(format!(
                "blob {digest}: received {done} bytes, the manifest says {want}"
            ))));
        }
        tmp.flush().map_err(|e| io(&final_path, e))?;
        tmp.persist(&final_path)
            .map_err(|e| io(&final_path, e.error))?;
        if let Some(p) = progress {
            p(Progress {
                digest,
                done,
                total,
                finished: true,
            });
        }
        Ok(final_path)
    }

    pub(crate) fn open(&self, path: &Path) -> Result<File> {
        File::open(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })
    }
}
