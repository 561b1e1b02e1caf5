//! Entry points: an image (any [`BlobSource`]) or an unpacked root filesystem → an inventory.

use std::path::Path;

use kvet_inventory::{Inventory, Warning};
use serde::Serialize;

use crate::layer::Compression;
use crate::squash::{attribution, drop_alias_duplicates, Squasher};
use crate::{BlobSource, Image, Limits, Result};

/// One layer as the scan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerInfo {
    /// Position, 0 = base.
    pub index: usize,
    /// Blob digest (verified).
    pub digest: String,
    /// The config's diff id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// The history entry that made the layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Compression sniffed from the blob.
    pub compression: Compression,
    /// Bytes as stored.
    pub stored_bytes: u64,
    /// Bytes of the uncompressed tar.
    pub uncompressed_bytes: u64,
    /// Tar entries read.
    pub entries: u64,
    /// Files kept from this layer (before later layers replaced or deleted any).
    pub kept_files: u64,
    /// Packages of the final inventory attributed to this layer.
    pub packages: usize,
}

/// What a scan of an image found.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInventory {
    /// Distro and packages, each package with its [`kvet_inventory::Package::layer`]; the
    /// inventory's own warnings are the cataloguers' (unreadable records and databases).
    pub inventory: Inventory,
    /// The layers, base first.
    pub layers: Vec<LayerInfo>,
    /// What the squash skipped or could not follow (escaping entries, symlink loops, files over
    /// the size limit), naming path and layer.
    pub warnings: Vec<Warning>,
}

/// Progress of a scan, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// Layer being read, 0-based.
    pub layer: usize,
    /// Number of layers.
    pub layers: usize,
    /// Its digest.
    pub digest: &'a str,
    /// Stored bytes read so far from this layer.
    pub bytes: u64,
    /// The layer's stored size, when the manifest says.
    pub size: Option<u64>,
    /// The layer has been read and verified.
    pub done: bool,
}

/// Scans `image`, reading each layer once from `blobs` (see [`mod@crate::squash`]), catalogues the
/// squashed files and attributes every package to the layer that introduced it.
pub fn scan_image(
    image: &Image,
    blobs: &dyn BlobSource,
    limits: &Limits,
    progress: Option<&dyn Fn(&Progress<'_>)>,
) -> Result<ImageInventory> {
    let mut squasher = Squasher::new(limits);
    let count = image.layers.len();
    for (i, layer) in image.layers.iter().enumerate() {
        let report = |bytes: u64, done: bool| {
            if let Some(p) = progress {
                p(&Progress {
                    layer: i,
                    layers: count,
                    digest: &layer.digest,
                    bytes,
                    size: layer.size,
                    done,
                });
            }
        };
        report(0, false);
        let stored = blobs.open_layer(layer)?;
        let bytes_cb = |n: u64| report(n, false);
        let cb: Option<&dyn Fn(u64)> = progress.map(|_| &bytes_cb as &dyn Fn(u64));
        let stats = squasher.add_layer(layer, stored, cb)?;
        report(stats.stored_bytes, true);
    }
    let squashed = squasher.finish();
    let mut inventory = kvet_inventory::catalogue(&squashed.files);
    drop_alias_duplicates(&mut inventory.packages, &squashed.aliases);
    attribution::attribute(&mut inventory.packages, &squashed, &image.layers);
    let layers = squashed
        .layers
        .iter()
        .zip(&image.layers)
        .map(|(s, d)| LayerInfo {
            index: s.index,
            digest: s.digest.clone(),
            diff_id: d.diff_id.clone(),
            created_by: d.created_by.clone(),
            compression: s.compression,
            stored_bytes: s.stored_bytes,
            uncompressed_bytes: s.uncompressed_bytes,
            entries: s.entries,
            kept_files: s.kept_files,
            packages: inventory
                .packages
                .iter()
                .filter(|p| p.layer.as_ref().is_some_and(|l| l.index == s.index))
                .count(),
        })
        .collect();
    Ok(ImageInventory {
        inventory,
        layers,
        warnings: squashed.warnings,
    })
}

/// Scans an unpacked root filesystem (see [`crate::rootfs`]). Walk warnings come first in the
/// inventory's warnings, then the cataloguers'. Packages have no layer.
pub fn scan_rootfs(dir: &Path, limits: &Limits) -> Result<Inventory> {
    let read = crate::rootfs::read_rootfs(dir, limits)?;
    let mut inventory = kvet_inventory::catalogue(&read.files);
    drop_alias_duplicates(&mut inventory.packages, &read.aliases);
    let mut warnings = read.warnings;
    warnings.append(&mut inventory.warnings);
    inventory.warnings = warnings;
    Ok(inventory)
}
