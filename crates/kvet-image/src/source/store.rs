//! Named files inside an archive or a directory, behind one interface so that the `docker
//! save` and OCI layout readers work the same on a tarball and on a folder.
//!
//! Every name handed to a store comes from the image (manifest.json, index.json) and is
//! untrusted: [`safe_path`] refuses absolute paths and `..`, and the directory store also
//! refuses symbolic links that lead outside its root.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{BlobSource, Error, LayerDesc, Result};

/// Read access to the files of an image archive or layout.
pub(crate) trait Store: Send + Sync {
    /// The archive or directory as the user named it, for messages.
    fn name(&self) -> &str;
    /// Whether `rel` (already [`safe_path`]-checked) is there; reading it may still be
    /// refused (a directory, a link leading outside).
    fn exists(&self, rel: &str) -> bool;
    /// Size of the file `rel`.
    fn size(&self, rel: &str) -> Result<u64>;
    /// A reader over the file `rel`.
    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send + '_>>;

    /// The whole file `rel`, refused when larger than `max` bytes.
    fn read_small(&self, rel: &str, max: u64) -> Result<Vec<u8>> {
        let size = self.size(rel)?;
        if size > max {
            return Err(Error::Limit {
                what: format!("{}: {rel} ({size} bytes)", self.name()),
                limit: format!("{max}-byte document"),
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        self.open(rel)?
            .take(max + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io_err(self.name(), rel, e))?;
        Ok(buf)
    }
}

pub(crate) fn io_err(store: &str, rel: &str, e: std::io::Error) -> Error {
    Error::Io {
        path: format!("{store}: {rel}"),
        source: e,
    }
}

/// Normalises a relative path named by the image (`./blobs//sha256/x` → `blobs/sha256/x`)
/// and refuses anything that could leave the archive or layout: absolute paths, drive
/// letters, backslashes, `..`.
pub(crate) fn safe_path(store: &str, what: &str, path: &str) -> Result<String> {
    let refuse = |why: &str| {
        Error::Invalid(format!(
            "{store}: {what} names {path:?}, {why}; refusing to read outside the image"
        ))
    };
    if path.is_empty() {
        return Err(refuse("an empty path"));
    }
    if path.starts_with('/') || path.contains('\\') || path.as_bytes().get(1) == Some(&b':') {
        return Err(refuse("an absolute path"));
    }
    if path.contains('\0') {
        return Err(refuse("a path with a NUL byte"));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refuse("a path with '..'")),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(refuse("no file"));
    }
    Ok(parts.join("/"))
}

/// The conventional place of a blob in an OCI layout: `blobs/<alg>/<encoded>`. The digest
/// has been validated, so this path has no `/` or `..` of the image's making.
pub(crate) fn blob_path(digest: &str) -> String {
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    format!("blobs/{alg}/{hex}")
}

/// A directory on disk (an OCI layout, or an extracted `docker save`).
pub(crate) struct DirStore {
    name: String,
    root: PathBuf,
}

impl DirStore {
    pub(crate) fn new(dir: &Path) -> Result<DirStore> {
        let name = dir.display().to_string();
        let root = dir.canonicalize().map_err(|e| Error::Io {
            path: name.clone(),
            source: e,
        })?;
        Ok(DirStore { name, root })
    }

    /// The real file for `rel`, refused when a symbolic link takes it outside the root.
    fn resolve(&self, rel: &str) -> Result<PathBuf> {
        let joined = self.root.join(rel);
        let real = joined
            .canonicalize()
            .map_err(|e| io_err(&self.name, rel, e))?;
        if !real.starts_with(&self.root) {
            return Err(Error::Invalid(format!(
                "{}: {rel} is a symbolic link leading outside the directory ({}); refusing to read it",
                self.name,
                real.display()
            )));
        }
        Ok(real)
    }
}

impl Store for DirStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).symlink_metadata().is_ok()
    }

    fn size(&self, rel: &str) -> Result<u64> {
        let real = self.resolve(rel)?;
        let meta = std::fs::metadata(&real).map_err(|e| io_err(&self.name, rel, e))?;
        if !meta.is_file() {
            return Err(Error::Invalid(format!(
                "{}: {rel} is not a file",
                self.name
            )));
        }
        Ok(meta.len())
    }

    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send + '_>> {
        let real = self.resolve(rel)?;
        let file = File::open(&real).map_err(|e| io_err(&self.name, rel, e))?;
        Ok(Box::new(file))
    }
}

/// Layer bytes from a store: each layer digest maps to the file that holds it.
pub(crate) struct StoreBlobs {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) paths: HashMap<String, String>,
}

impl BlobSource for StoreBlobs {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>> {
        let path = self.paths.get(&layer.digest).ok_or_else(|| {
            Error::Invalid(format!(
                "{}: layer {} is not part of this image",
                self.store.name(),
                layer.digest
            ))
        })?;
        self.store.open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        assert_eq!(
            safe_path("a", "x", "./blobs//sha256/ab").unwrap(),
            "blobs/sha256/ab"
        );
        assert_eq!(
            safe_path("a", "x", "abc/layer.tar").unwrap(),
            "abc/layer.tar"
        );
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "a/..",
            "C:/x",
            "a\\..\\b",
            "",
            ".",
            "./",
        ] {
            let err = safe_path("img.tar", "manifest.json", bad)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("img.tar: manifest.json names"), "{err}");
            assert!(err.contains("refusing"), "{err}");
        }
    }
}
