//! Container images without a Docker engine: where an image comes from ([`source`]), and how
//! its layers become the few files the cataloguers read ([`mod@squash`]).
//!
//! Entry points: [`scan_image`] (an [`Image`] and its [`BlobSource`] → inventory with layer
//! attribution) and [`scan_rootfs`] (an unpacked root filesystem → inventory). Below them:
//! [`layer`] (one blob → verified, decompressed tar bytes), [`mod@squash`] (layers → kept files,
//! whiteouts, in-root symlinks, attribution history) and [`rootfs`] (the same view of a
//! directory on disk).
//!
//! # Contract
//!
//! A source turns what the user named (a registry reference, a `docker save` tarball, an OCI
//! archive or layout directory) into an [`Image`]: the chosen manifest's layers in order with
//! their digests, and the config's history and platform. Layer bytes are read through the
//! source's [`BlobSource`], one layer at a time, as a stream; nothing from an image is written to
//! disk except pulled blobs in the cache directory, by digest.
//!
//! The squash reads each layer stream once (verifying its digest, decompressing gzip / zstd /
//! plain), applies whiteouts, keeps only the files [`kvet_inventory::is_wanted`] asks for (and
//! executables for the Go cataloguer), resolves symlinks inside the image root only, and
//! remembers which layer last wrote each kept file. Every size and count is bounded by
//! [`Limits`]; hostile input is an [`Error`] or a warning, never a panic or a write.

pub mod error;
pub mod layer;
pub mod limits;
pub mod platform;
pub mod reference;
pub mod rootfs;
pub mod scan;
pub mod source;
pub mod squash;

use std::io::Read;

use serde::Serialize;

pub use error::{Error, Result};
pub use limits::Limits;
pub use platform::Platform;
pub use reference::Reference;
pub use scan::{scan_image, scan_rootfs, ImageInventory, LayerInfo, Progress as ScanProgress};
pub use source::{open, Credentials, Progress, ProgressFn, SourceOptions, SourceSpec};
pub use squash::{squash, Squashed};

/// One layer as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerDesc {
    /// Digest of the blob as stored (`sha256:<hex>`); the squash verifies it.
    pub digest: String,
    /// Media type from the manifest (`application/vnd.oci.image.layer.v1.tar+gzip`, …); `docker
    /// save` archives have none, and the squash sniffs the compression from the first bytes
    /// whatever this says.
    pub media_type: Option<String>,
    /// Size of the blob as stored, when the manifest says.
    pub size: Option<u64>,
    /// The config's `rootfs.diff_ids` entry for this layer (digest of the uncompressed tar).
    pub diff_id: Option<String>,
    /// The non-empty history entry that made this layer (`created_by`).
    pub created_by: Option<String>,
}

/// An image resolved to one platform: what a scan needs besides the layer bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The image as the user named it (`nginx:1.25.3`, `app.tar`, `./layout`).
    pub name: String,
    /// Fully qualified reference for registry images (`docker.io/library/nginx:1.25.3`).
    pub reference: Option<String>,
    /// Digest of the manifest (for registry images and OCI layouts), `sha256:…`.
    pub manifest_digest: Option<String>,
    /// Digest of the config blob: the image id.
    pub config_digest: Option<String>,
    /// Tags recorded in an archive (`RepoTags` of `docker save`).
    pub repo_tags: Vec<String>,
    /// `os/architecture[/variant]` from the config.
    pub platform: Option<String>,
    /// Layers, base first.
    pub layers: Vec<LayerDesc>,
}

/// Where layer bytes come from. Implementations open one blob at a time; the caller reads it
/// to the end once.
pub trait BlobSource: Send + Sync {
    /// The stored (possibly compressed) bytes of `layer`, unverified: the squash checks the
    /// digest as it reads.
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>>;
}

/// Debian's runc and bash from the real test image (scripts/make-test-images.sh; the
/// `KVET_TEST_IMAGES` folder, else target/test-images), and where runc's Go build-info magic
/// starts: the unit tests of marker sniffing cut the files there.
#[cfg(test)]
pub(crate) fn real_runc_and_bash() -> (Vec<u8>, Vec<u8>, usize) {
    let rootfs = std::env::var_os("KVET_TEST_IMAGES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-images")
        })
        .join("debian-bookworm.rootfs");
    let runc = std::fs::read(rootfs.join("usr/sbin/runc"))
        .expect("real test images: run scripts/make-test-images.sh");
    let bash = std::fs::read(rootfs.join("usr/bin/bash")).unwrap();
    let m = kvet_inventory::gobin::MAGIC;
    let magic = runc.windows(m.len()).position(|w| w == m).unwrap();
    (runc, bash, magic)
}
