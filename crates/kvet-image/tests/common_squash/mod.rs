//! Helpers for the squash, rootfs and scan tests: a minimal OCI-layout blob reader (the real
//! one belongs to the sources), an in-memory blob store, and a tar writer that can produce the
//! hostile entries `tar::Builder` refuses to write.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use kvet_image::{BlobSource, Error, Image, LayerDesc, Result};
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::from("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Where `scripts/make-test-images.sh` put the real images.
pub fn test_images() -> PathBuf {
    let dir = std::env::var_os("KVET_TEST_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-images"));
    assert!(
        dir.join("debian-bookworm/index.json").is_file(),
        "real test images missing under {}: run scripts/make-test-images.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// Reads blobs of an OCI image layout from `blobs/<alg>/<hex>`.
pub struct LayoutBlobs {
    pub root: PathBuf,
}

impl LayoutBlobs {
    fn blob_path(&self, digest: &str) -> PathBuf {
        let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
        self.root.join("blobs").join(alg).join(hex)
    }

    fn json(&self, digest: &str) -> serde_json::Value {
        let bytes = std::fs::read(self.blob_path(digest)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The image of the layout's first manifest, with diff ids and `created_by` from its config.
    pub fn image(&self) -> Image {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.root.join("index.json")).unwrap()).unwrap();
        let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
        let manifest = self.json(&manifest_digest);
        let config_digest = manifest["config"]["digest"].as_str().unwrap().to_owned();
        let config = self.json(&config_digest);
        let diff_ids: Vec<String> = config["rootfs"]["diff_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_owned())
            .collect();
        let created_by: Vec<Option<String>> = config["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| !h["empty_layer"].as_bool().unwrap_or(false))
            .map(|h| h["created_by"].as_str().map(str::to_owned))
            .collect();
        let layers = manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, l)| LayerDesc {
                digest: l["digest"].as_str().unwrap().to_owned(),
                media_type: l["mediaType"].as_str().map(str::to_owned),
                size: l["size"].as_u64(),
                diff_id: diff_ids.get(i).cloned(),
                created_by: created_by.get(i).cloned().flatten(),
            })
            .collect();
        Image {
            name: self.root.display().to_string(),
            reference: None,
            manifest_digest: Some(manifest_digest),
            config_digest: Some(config_digest),
            repo_tags: vec![],
            platform: Some("linux/amd64".into()),
            layers,
        }
    }
}

impl BlobSource for LayoutBlobs {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>> {
        let p = self.blob_path(&layer.digest);
        let f = std::fs::File::open(&p).map_err(|source| Error::Io {
            path: p.display().to_string(),
            source,
        })?;
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
    }
}

/// Blobs held in memory, by digest.
#[derive(Default)]
pub struct MemBlobs {
    pub blobs: HashMap<String, Vec<u8>>,
}

impl BlobSource for MemBlobs {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>> {
        let b = self
            .blobs
            .get(&layer.digest)
            .ok_or_else(|| Error::Invalid(format!("blob {} missing", layer.digest)))?;
        Ok(Box::new(&b[..]))
    }
}

impl MemBlobs {
    /// Adds a blob and returns its layer description (digest of the bytes as given).
    pub fn add(&mut self, blob: Vec<u8>, created_by: &str) -> LayerDesc {
        let digest = sha256(&blob);
        let desc = LayerDesc {
            digest: digest.clone(),
            media_type: None,
            size: Some(blob.len() as u64),
            diff_id: None,
            created_by: Some(created_by.to_owned()),
        };
        self.blobs.insert(digest, blob);
        desc
    }

    /// An image of the given blobs, in order.
    pub fn image(&mut self, blobs: Vec<Vec<u8>>) -> Image {
        let layers = blobs
            .into_iter()
            .enumerate()
            .map(|(i, b)| self.add(b, &format!("layer {i}")))
            .collect();
        Image {
            name: "test".into(),
            reference: None,
            manifest_digest: None,
            config_digest: None,
            repo_tags: vec![],
            platform: None,
            layers,
        }
    }
}

/// One entry of a hand-made layer.
pub enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// A ustar archive of `entries`, names written verbatim (so `../x` and `/x` are possible), no
/// compression.
pub fn tar(entries: &[E<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let (name, kind, link, data): (&str, tar::EntryType, &str, &[u8]) = match e {
            E::File(n, d) => (n, tar::EntryType::Regular, "", d),
            E::Dir(n) => (n, tar::EntryType::Directory, "", b""),
            E::Symlink(n, t) => (n, tar::EntryType::Symlink, t, b""),
            E::Hardlink(n, t) => (n, tar::EntryType::Link, t, b""),
        };
        out.extend_from_slice(&header(name, kind, link, data.len() as u64));
        out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

/// A 512-byte ustar header with the name and link name written as raw bytes.
pub fn header(name: &str, kind: tar::EntryType, link: &str, size: u64) -> [u8; 512] {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(0);
    {
        let raw = h.as_old_mut();
        raw.name = [0; 100];
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        raw.linkname = [0; 100];
        raw.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_cksum();
    *h.as_bytes()
}

/// `len` bytes of `fill` behind an ELF header start and the Go build-info magic: the walker
/// keeps executables that carry such a marker (others no cataloguer can use are dropped).
pub fn marked_elf(len: usize, fill: u8) -> Vec<u8> {
    let mut elf = b"\x7fELF".to_vec();
    elf.extend_from_slice(kvet_inventory::gobin::MAGIC);
    elf.resize(len, fill);
    elf
}

/// gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// zstd of `bytes`.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 3).unwrap()
}

/// Reads a whole reader (for checking decompression helpers).
pub fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}

/// Names of files in `dir`, recursively (to show nothing was written there).
pub fn list_dir(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .collect()
}
