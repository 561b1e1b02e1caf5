//! Image tarballs: `docker save` output (`manifest.json` with `RepoTags`, layers as
//! `<id>/layer.tar` or, since Docker 25, `blobs/sha256/<hex>`) and OCI archives (a tar of an
//! OCI layout), read in place.
//!
//! The tar is indexed once — entry name → byte range, through the `tar` crate's seeking
//! iterator so layer bytes are skipped, not read — and every later read is a byte range of
//! the same file. Nothing is extracted. The index is ours because the `tar` crate reads
//! archives front to back only.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::oci::{self, MAX_DOCUMENT_BYTES};
use super::store::{io_err, safe_path, Store, StoreBlobs};
use super::SourceOptions;
use crate::platform::{self, Platform};
use crate::{BlobSource, Error, Image, Result};

/// Most tar entries indexed. A docker save of a large image has a few hundred; the bound
/// keeps a hostile archive of empty entries from growing the index without end.
const MAX_TAR_ENTRIES: usize = 1_000_000;
/// Most symbolic / hard links followed for one name.
const MAX_LINK_HOPS: usize = 8;

#[derive(Debug, Clone)]
enum Slot {
    File {
        offset: u64,
        size: u64,
    },
    /// A symbolic or hard link; the target is archive-relative, already normalised, or the
    /// reason it cannot be followed.
    Link(std::result::Result<String, String>),
}

/// A tar file's directory: where each regular file's bytes are.
pub(crate) struct TarStore {
    name: String,
    path: PathBuf,
    entries: HashMap<String, Slot>,
}

impl TarStore {
    /// Indexes the tar at `path`. Refuses compressed tarballs (their byte ranges cannot be
    /// read in place) and truncated ones.
    pub(crate) fn index(path: &Path) -> Result<TarStore> {
        let name = path.display().to_string();
        let io = |e: std::io::Error| Error::Io {
            path: name.clone(),
            source: e,
        };
        let mut file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut magic = [0u8; 4];
        let got = read_up_to(&mut file, &mut magic).map_err(io)?;
        match &magic[..got] {
            [0x1f, 0x8b, ..] => {
                return Err(Error::Invalid(format!(
                    "{name}: gzip-compressed tarball; decompress it first (gunzip -k {name})"
                )))
            }
            [0x28, 0xb5, 0x2f, 0xfd] => {
                return Err(Error::Invalid(format!(
                    "{name}: zstd-compressed tarball; decompress it first (zstd -d {name})"
                )))
            }
            _ => {}
        }
        if len < 512 {
            return Err(Error::Invalid(format!(
                "{name}: not a tar archive ({len} bytes, shorter than one tar header)"
            )));
        }
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let bad =
            |e: std::io::Error| Error::Invalid(format!("{name}: not a valid tar archive: {e}"));
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive.entries_with_seek().map_err(bad)? {
            let entry = entry.map_err(bad)?;
            if entries.len() >= MAX_TAR_ENTRIES {
                return Err(Error::Limit {
                    what: name.clone(),
                    limit: format!("{MAX_TAR_ENTRIES} tar entries"),
                });
            }
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(key) = normalize(&raw) else { continue };
            let kind = entry.header().entry_type();
            let slot = if kind.is_file() || kind == tar::EntryType::Continuous {
                let (offset, size) = (entry.raw_file_position(), entry.size());
                if offset.checked_add(size).is_none_or(|end| end > len) {
                    return Err(Error::Invalid(format!(
                        "{name}: truncated tar archive: entry {raw:?} needs {size} bytes at offset {offset}, the file has {len}"
                    )));
                }
                Slot::File { offset, size }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let base = if kind.is_symlink() {
                    key.rsplit_once('/').map_or("", |(dir, _)| dir)
                } else {
                    ""
                };
                Slot::Link(resolve_link(base, &target))
            } else {
                continue;
            };
            entries.insert(key, slot);
        }
        Ok(TarStore {
            name,
            path: path.to_path_buf(),
            entries,
        })
    }

    fn locate(&self, rel: &str) -> Result<(u64, u64)> {
        let mut key = rel.to_string();
        for _ in 0..=MAX_LINK_HOPS {
            match self.entries.get(&key) {
                Some(Slot::File { offset, size }) => return Ok((*offset, *size)),
                Some(Slot::Link(Ok(target))) => key = target.clone(),
                Some(Slot::Link(Err(why))) => {
                    return Err(Error::Invalid(format!(
                        "{}: {key} is a link {why}; refusing to follow it",
                        self.name
                    )))
                }
                None => {
                    return Err(Error::Invalid(format!(
                        "{}: {rel} is not in the archive",
                        self.name
                    )))
                }
            }
        }
        Err(Error::Invalid(format!(
            "{}: {rel}: more than {MAX_LINK_HOPS} links in a row",
            self.name
        )))
    }

    /// Names of the regular files (and links) in the archive.
    pub(crate) fn has(&self, rel: &str) -> bool {
        self.entries.contains_key(rel)
    }
}

impl Store for TarStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn exists(&self, rel: &str) -> bool {
        self.locate(rel).is_ok()
    }

    fn size(&self, rel: &str) -> Result<u64> {
        self.locate(rel).map(|(_, size)| size)
    }

    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send + '_>> {
        let (offset, size) = self.locate(rel)?;
        // A fresh handle per reader: readers are independent and the store stays `Sync`.
        let mut file = File::open(&self.path).map_err(|e| io_err(&self.name, rel, e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io_err(&self.name, rel, e))?;
        Ok(Box::new(ExactRange {
            inner: file.take(size),
            left: size,
            what: format!("{}: {rel}", self.name),
        }))
    }
}

/// A byte range that must be read in full: if the file shrank since it was indexed, the
/// reader fails instead of ending early and passing for a short layer.
struct ExactRange {
    inner: std::io::Take<File>,
    left: u64,
    what: String,
}

impl Read for ExactRange {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("{}: file ended {} bytes early", self.what, self.left),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Archive member names as the index keys them: no leading `./` or `/`, no empty or `.`
/// parts. Names with `..` are not indexed at all, so nothing can be looked up through them.
fn normalize(raw: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A link target relative to `base` (the link's directory), kept inside the archive.
fn resolve_link(base: &str, target: &str) -> std::result::Result<String, String> {
    if target.starts_with('/') {
        return Err(format!("to the absolute path {target:?}"));
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("to {target:?}, outside the archive"));
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(format!("to {target:?}, not a file"));
    }
    Ok(parts.join("/"))
}

/// Opens a tarball: `docker save` when it has a `manifest.json`, an OCI archive when it has
/// `oci-layout` / `index.json`.
pub(crate) fn open_archive(
    path: &Path,
    opts: &SourceOptions,
) -> Result<(Image, Box<dyn BlobSource>)> {
    let store = TarStore::index(path)?;
    let name = path.display().to_string();
    let docker = store.has("manifest.json");
    let oci = store.has("oci-layout") || store.has("index.json");
    let store: Arc<dyn Store> = Arc::new(store);
    let (image, blobs) = if docker {
        read_docker_save(store, &name, opts)?
    } else if oci {
        super::layout::read_oci_layout(store, &name, opts)?
    } else {
        return Err(Error::Invalid(format!(
            "{name}: neither a docker save archive (no manifest.json) nor an OCI archive (no oci-layout or index.json)"
        )));
    };
    Ok((image, Box::new(blobs)))
}

/// One image of `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SaveEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
    #[serde(default)]
    layer_sources: Option<HashMap<String, LayerSource>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayerSource {
    #[serde(default)]
    media_type: Option<String>,
}

/// Reads a `docker save` image from `store`. Layers in such archives are uncompressed tars,
/// so a layer's digest is its file name when the name is a digest (`blobs/sha256/<hex>`,
/// `<hex>.tar`) and otherwise its `diff_id`; the squash verifies it either way.
pub(crate) fn read_docker_save(
    store: Arc<dyn Store>,
    name: &str,
    opts: &SourceOptions,
) -> Result<(Image, StoreBlobs)> {
    let sname = store.name().to_string();
    let bytes = store.read_small("manifest.json", MAX_DOCUMENT_BYTES)?;
    let entries: Vec<SaveEntry> = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{sname}: manifest.json: {e}")))?;
    if entries.is_empty() {
        return Err(Error::Invalid(format!(
            "{sname}: manifest.json lists no images"
        )));
    }
    // Several images in one archive: the one for the requested platform (reading each
    // config is cheap; they are small).
    let mut configs = Vec::with_capacity(entries.len());
    for entry in &entries {
        let path = safe_path(&sname, "manifest.json", &entry.config)?;
        let raw = store.read_small(&path, MAX_DOCUMENT_BYTES)?;
        let config = oci::parse_config(&raw, &format!("{sname}: {path}"))?;
        configs.push((path, raw, config));
    }
    let chosen = match &opts.image {
        Some(wanted) => entries
            .iter()
            .position(|e| {
                e.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| super::names_match(wanted, t))
            })
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{sname}: no image named {wanted:?} (the archive has: {})",
                    list_tags(&entries)
                ))
            })?,
        None if entries.len() == 1 => 0,
        None => {
            // Several images: by platform when that tells them apart, else the user must say.
            let platforms: Vec<Option<Platform>> = configs
                .iter()
                .map(|(_, _, c)| oci::config_platform(c).and_then(|p| Platform::parse(&p).ok()))
                .collect();
            let matching: Vec<usize> = (0..entries.len())
                .filter(|&i| {
                    platforms[i]
                        .as_ref()
                        .is_some_and(|p| opts.platform.matches(p))
                })
                .collect();
            match matching.as_slice() {
                [one] => *one,
                [] => {
                    return Err(platform::no_match(
                        &format!("{sname}: manifest.json"),
                        &opts.platform,
                        &platforms,
                    ))
                }
                _ => {
                    return Err(Error::Invalid(format!(
                        "{sname}: the archive holds {} images; choose one by name: {}",
                        entries.len(),
                        list_tags(&entries)
                    )))
                }
            }
        }
    };
    let entry = &entries[chosen];
    let (_, raw_config, config) = &configs[chosen];
    let diff_ids = config
        .rootfs
        .as_ref()
        .map(|r| r.diff_ids.clone())
        .unwrap_or_default();

    let mut paths = HashMap::new();
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (i, layer) in entry.layers.iter().enumerate() {
        let path = safe_path(&sname, "manifest.json", layer)?;
        let size = store.size(&path).map_err(|e| match e {
            Error::Invalid(msg) => {
                Error::Invalid(format!("{msg} (manifest.json names it as layer {})", i + 1))
            }
            other => other,
        })?;
        if size > opts.limits.max_layer_bytes {
            return Err(Error::Limit {
                what: format!("{sname}: {path} ({size} bytes)"),
                limit: format!("{}-byte layer", opts.limits.max_layer_bytes),
            });
        }
        let digest = match digest_from_name(&path) {
            Some(d) => d,
            None => diff_ids.get(i).cloned().ok_or_else(|| {
                Error::Invalid(format!(
                    "{sname}: layer {path} has no digest in its name and the config lists no diff_id for it"
                ))
            })?,
        };
        oci::check_digest(&digest, &format!("{sname}: {path}"))?;
        let media_type = entry
            .layer_sources
            .as_ref()
            .and_then(|s| diff_ids.get(i).and_then(|d| s.get(d)))
            .and_then(|s| s.media_type.clone());
        paths.insert(digest.clone(), path);
        layers.push((digest, media_type, Some(size)));
    }
    let mut image = oci::empty_image(name);
    image.config_digest = Some(oci::sha256_digest(raw_config));
    image.repo_tags = entry.repo_tags.clone().unwrap_or_default();
    image.platform = oci::config_platform(config);
    image.layers = oci::layers_from(layers, config);
    Ok((image, StoreBlobs { store, paths }))
}

fn list_tags(entries: &[SaveEntry]) -> String {
    let tags: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.repo_tags.iter().flatten())
        .map(String::as_str)
        .collect();
    if tags.is_empty() {
        "no RepoTags".to_string()
    } else {
        tags.join(", ")
    }
}

/// `sha256:<hex>` when the file name is a digest: `blobs/sha256/<hex>` (Docker 25+, OCI) or
/// `<hex>.tar` / `<hex>` (skopeo's docker-archive).
fn digest_from_name(path: &str) -> Option<String> {
    let is_hex =
        |s: &str| s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    if let Some(hex) = path.strip_prefix("blobs/sha256/") {
        return is_hex(hex).then(|| format!("sha256:{hex}"));
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".tar").unwrap_or(file);
    is_hex(stem).then(|| format!("sha256:{stem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stay_inside() {
        assert_eq!(
            resolve_link("abc", "../blobs/sha256/x").unwrap(),
            "blobs/sha256/x"
        );
        assert!(resolve_link("abc", "../../etc/passwd").is_err());
        assert!(resolve_link("abc", "/etc/passwd").is_err());
        assert_eq!(normalize("./a//b/"), Some("a/b".into()));
        assert_eq!(normalize("a/../b"), None);
    }

    #[test]
    fn digests_from_names() {
        let hex = "a".repeat(64);
        assert_eq!(
            digest_from_name(&format!("blobs/sha256/{hex}")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(
            digest_from_name(&format!("{hex}.tar")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(digest_from_name(&format!("{hex}/layer.tar")), None);
    }
}
