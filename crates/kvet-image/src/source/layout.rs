//! OCI image layouts (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), as a directory or
//! inside an OCI archive: `index.json` → (nested index →) the manifest for the platform →
//! config and layers. Every document read is checked against its digest; blobs are found
//! by digest only, so an index cannot name a path.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::oci::{self, Document, MAX_DOCUMENT_BYTES, OCI_INDEX};
use super::store::{blob_path, DirStore, Store, StoreBlobs};
use super::SourceOptions;
use crate::{BlobSource, Error, Image, Result};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayoutFile {
    image_layout_version: String,
}

/// Opens a directory: an OCI layout, or an extracted `docker save`.
pub(crate) fn open_dir(dir: &Path, opts: &SourceOptions) -> Result<(Image, Box<dyn BlobSource>)> {
    let store = DirStore::new(dir)?;
    let name = dir.display().to_string();
    let (image, blobs) = if store.exists("oci-layout") {
        read_oci_layout(Arc::new(store), &name, opts)?
    } else if store.exists("manifest.json") {
        super::archive::read_docker_save(Arc::new(store), &name, opts)?
    } else {
        return Err(Error::Invalid(format!(
            "{name}: not an OCI image layout (no oci-layout file) nor an extracted docker save (no manifest.json)"
        )));
    };
    Ok((image, Box::new(blobs)))
}

/// Reads the image for `opts.platform` from an OCI layout in `store`.
pub(crate) fn read_oci_layout(
    store: Arc<dyn Store>,
    name: &str,
    opts: &SourceOptions,
) -> Result<(Image, StoreBlobs)> {
    let sname = store.name().to_string();
    if !store.exists("oci-layout") {
        return Err(Error::Invalid(format!(
            "{sname}: no oci-layout file; not an OCI image layout"
        )));
    }
    let marker = store.read_small("oci-layout", 64 << 10)?;
    let marker: LayoutFile = serde_json::from_slice(&marker)
        .map_err(|e| Error::Invalid(format!("{sname}: oci-layout: {e}")))?;
    if !marker.image_layout_version.starts_with("1.") {
        return Err(Error::Invalid(format!(
            "{sname}: oci-layout: unsupported imageLayoutVersion {:?} (1.x is supported)",
            marker.image_layout_version
        )));
    }
    let bytes = store.read_small("index.json", MAX_DOCUMENT_BYTES)?;
    let what = format!("{sname}: index.json");
    let top = oci::parse_document(&bytes, Some(OCI_INDEX), &what)?;
    let Document::Index(_) = &top else {
        return Err(Error::Invalid(format!("{what}: not an image index")));
    };
    let top = select_image(top, opts, &what)?;
    let tags: Vec<String> = match &top {
        Document::Index(index) => index.manifests.iter().filter_map(tags_of).collect(),
        Document::Manifest(_) => Vec::new(),
    };
    let mut fetch = |d: &oci::Descriptor| read_blob_doc(store.as_ref(), &d.digest, d.size);
    let (manifest, manifest_digest) = oci::resolve(&what, top, None, &opts.platform, &mut fetch)?;

    let config_raw = read_blob_doc(
        store.as_ref(),
        &manifest.config.digest,
        manifest.config.size,
    )?;
    let config = oci::parse_config(
        &config_raw,
        &format!("{sname}: config {}", manifest.config.digest),
    )?;

    let mut paths = HashMap::new();
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for d in &manifest.layers {
        let path = blob_path(&d.digest);
        if !store.exists(&path) {
            return Err(Error::Invalid(format!(
                "{sname}: the manifest names layer {}, but {path} is not in the layout",
                d.digest
            )));
        }
        let size = store.size(&path)?;
        if size > opts.limits.max_layer_bytes
            || d.size.is_some_and(|s| s > opts.limits.max_layer_bytes)
        {
            return Err(Error::Limit {
                what: format!("{sname}: layer {} ({size} bytes)", d.digest),
                limit: format!("{}-byte layer", opts.limits.max_layer_bytes),
            });
        }
        if let Some(want) = d.size.filter(|&s| s != size) {
            return Err(Error::Invalid(format!(
                "{sname}: {path} is {size} bytes, the manifest says {want}"
            )));
        }
        paths.insert(d.digest.clone(), path);
        layers.push((d.digest.clone(), d.media_type.clone(), Some(size)));
    }
    let mut image: Image = oci::empty_image(name);
    image.manifest_digest = manifest_digest;
    image.config_digest = Some(manifest.config.digest.clone());
    image.repo_tags = tags;
    image.platform = oci::config_platform(&config);
    image.layers = oci::layers_from(layers, &config);
    Ok((image, StoreBlobs { store, paths }))
}

/// A tag as the tool that wrote the layout recorded it: the full name containerd and Docker
/// write, else the bare `ref.name` skopeo and umoci write.
fn tags_of(d: &oci::Descriptor) -> Option<String> {
    let a = d.annotations.as_ref()?;
    a.get("io.containerd.image.name")
        .or_else(|| a.get("org.opencontainers.image.ref.name"))
        .cloned()
}

/// Narrows `index.json` to the image the user named (`opts.image`), or, when it lists
/// several different images without platforms and none was named, refuses to guess.
fn select_image(top: Document, opts: &SourceOptions, what: &str) -> Result<Document> {
    let Document::Index(mut index) = top else {
        return Ok(top);
    };
    let names = |index: &oci::Index| {
        let v: Vec<String> = index.manifests.iter().filter_map(tags_of).collect();
        if v.is_empty() {
            "no ref names".to_string()
        } else {
            v.join(", ")
        }
    };
    let named = |d: &oci::Descriptor, wanted: &str| {
        d.annotations.as_ref().is_some_and(|a| {
            a.iter()
                .filter(|(k, _)| {
                    *k == "io.containerd.image.name" || *k == "org.opencontainers.image.ref.name"
                })
                .any(|(_, v)| super::names_match(wanted, v))
        })
    };
    if let Some(wanted) = &opts.image {
        let listed = names(&index);
        index.manifests.retain(|d| named(d, wanted));
        if index.manifests.is_empty() {
            return Err(Error::Invalid(format!(
                "{what}: no image named {wanted:?} (the layout has: {listed})"
            )));
        }
    } else {
        let mut digests: Vec<&str> = index
            .manifests
            .iter()
            .filter(|d| d.platform.is_none())
            .map(|d| d.digest.as_str())
            .collect();
        digests.sort_unstable();
        digests.dedup();
        if digests.len() > 1 {
            return Err(Error::Invalid(format!(
                "{what}: the layout holds {} images; choose one by name: {}",
                digests.len(),
                names(&index)
            )));
        }
    }
    Ok(Document::Index(index))
}

/// A small blob (manifest, index, config) by digest, verified.
fn read_blob_doc(store: &dyn Store, digest: &str, size: Option<u64>) -> Result<Vec<u8>> {
    let path = blob_path(digest);
    if !store.exists(&path) {
        return Err(Error::Invalid(format!(
            "{}: blob {digest} is named but {path} is not in the layout",
            store.name()
        )));
    }
    if let Some(size) = size.filter(|&s| s > MAX_DOCUMENT_BYTES) {
        return Err(Error::Limit {
            what: format!("{}: {path} ({size} bytes)", store.name()),
            limit: format!("{MAX_DOCUMENT_BYTES}-byte document"),
        });
    }
    let bytes = store.read_small(&path, MAX_DOCUMENT_BYTES)?;
    oci::verify_bytes(&bytes, digest).map_err(|e| match e {
        Error::DigestMismatch { actual, .. } => Error::Invalid(format!(
            "{}: {path} does not match its digest (its bytes hash to {actual})",
            store.name()
        )),
        other => other,
    })?;
    Ok(bytes)
}
