//! The JSON documents every source shares — image indexes / manifest lists, image manifests
//! (Docker schema 2 and OCI), image configs — and the walk from an index to the one manifest
//! for a platform.
//!
//! Own serde structs rather than `oci-spec`'s: we read a handful of fields from documents in
//! both the Docker and the OCI dialects and from hand-made layouts, and want a missing
//! optional field to be `None` rather than a rejected image.

use serde::Deserialize;
use sha2::{Digest as _, Sha256, Sha512};

use crate::platform::{self, Platform};
use crate::reference::validate_digest;
use crate::{Error, Image, LayerDesc, Result};

/// Largest manifest, index or config document read into memory. Real ones are a few KiB;
/// the bound keeps a hostile source from making us buffer gigabytes.
pub const MAX_DOCUMENT_BYTES: u64 = 4 << 20;

/// Deepest chain of nested indexes followed (layout `index.json` → image index → manifest is
/// two).
const MAX_INDEX_DEPTH: usize = 4;

pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1";

/// `Accept` header for manifest requests: every dialect we can read.
pub(crate) const ACCEPT_MANIFESTS: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub media_type: Option<String>,
    pub digest: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub platform: Option<PlatformJson>,
    #[serde(default)]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PlatformJson {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl PlatformJson {
    /// `None` for entries that are no image for any platform (BuildKit attestations say
    /// `unknown/unknown`).
    fn platform(&self) -> Option<Platform> {
        if self.os.is_empty()
            || self.architecture.is_empty()
            || self.os == "unknown"
            || self.architecture == "unknown"
        {
            None
        } else {
            Some(Platform::new(
                &self.os,
                &self.architecture,
                self.variant.as_deref(),
            ))
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Index {
    pub manifests: Vec<Descriptor>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub history: Option<Vec<History>>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct History {
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// A manifest-or-index document, told apart by media type or, failing that, by shape.
pub(crate) enum Document {
    Index(Index),
    Manifest(Manifest),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    #[serde(default)]
    schema_version: Option<u64>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
    #[serde(default)]
    layers: Option<serde_json::Value>,
    #[serde(default)]
    fs_layers: Option<serde_json::Value>,
}

/// Parses a manifest or index; `media_type` is the transport's (HTTP `Content-Type`, the
/// referring descriptor's), `what` names the document in errors.
pub(crate) fn parse_document(
    bytes: &[u8],
    media_type: Option<&str>,
    what: &str,
) -> Result<Document> {
    let probe: Probe = serde_json::from_slice(bytes)
        .map_err(|e| Error::Invalid(format!("{what}: not a manifest or index: {e}")))?;
    let media_type = probe
        .media_type
        .as_deref()
        .or(media_type)
        .map(|m| m.split(';').next().unwrap_or(m).trim().to_string());
    if probe.schema_version == Some(1)
        || probe.fs_layers.is_some()
        || media_type
            .as_deref()
            .is_some_and(|m| m.starts_with(DOCKER_SCHEMA1))
    {
        return Err(Error::Invalid(format!(
            "{what}: Docker image manifest schema 1 is not supported (deprecated since 2017); re-push the image with a current Docker or skopeo"
        )));
    }
    let is_index = match media_type.as_deref() {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        _ => probe.manifests.is_some() && probe.layers.is_none(),
    };
    if is_index {
        let index: Index = serde_json::from_slice(bytes)
            .map_err(|e| Error::Invalid(format!("{what}: invalid image index: {e}")))?;
        for d in &index.manifests {
            check_digest(&d.digest, what)?;
        }
        Ok(Document::Index(index))
    } else {
        let manifest: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| Error::Invalid(format!("{what}: invalid image manifest: {e}")))?;
        check_digest(&manifest.config.digest, what)?;
        for d in &manifest.layers {
            check_digest(&d.digest, what)?;
        }
        Ok(Document::Manifest(manifest))
    }
}

pub(crate) fn check_digest(digest: &str, what: &str) -> Result<()> {
    validate_digest(digest).map_err(|why| Error::Invalid(format!("{what}: {why}")))
}

/// Follows indexes down to the manifest for `want`. `fetch` returns a child document's
/// bytes (verified against its digest); `top_digest` is the digest of `top` when known.
/// Returns the manifest and its digest.
pub(crate) fn resolve(
    what: &str,
    top: Document,
    top_digest: Option<String>,
    want: &Platform,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
) -> Result<(Manifest, Option<String>)> {
    let mut doc = top;
    let mut digest = top_digest;
    for _ in 0..=MAX_INDEX_DEPTH {
        match doc {
            Document::Manifest(m) => return Ok((m, digest)),
            Document::Index(index) => {
                let candidates: Vec<Option<Platform>> = index
                    .manifests
                    .iter()
                    .map(|d| d.platform.as_ref().and_then(PlatformJson::platform))
                    .collect();
                // An index whose entries carry no platform at all (an OCI layout's
                // index.json usually) names images, not platforms: take the single image
                // it names, or the first one.
                let chosen = if candidates.iter().all(Option::is_none) {
                    if index.manifests.is_empty() {
                        return Err(Error::Invalid(format!(
                            "{what}: the index lists no manifests"
                        )));
                    }
                    0
                } else {
                    platform::choose(want, &candidates)
                        .ok_or_else(|| platform::no_match(what, want, &candidates))?
                };
                let desc = &index.manifests[chosen];
                let bytes = fetch(desc)?;
                let child_what = format!("{what}: manifest {}", desc.digest);
                doc = parse_document(&bytes, desc.media_type.as_deref(), &child_what)?;
                digest = Some(desc.digest.clone());
            }
        }
    }
    Err(Error::Invalid(format!(
        "{what}: image indexes nested more than {MAX_INDEX_DEPTH} deep"
    )))
}

pub(crate) fn parse_config(bytes: &[u8], what: &str) -> Result<ConfigFile> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Invalid(format!("{what}: invalid image config: {e}")))
}

/// Assembles the [`Image`] from the chosen manifest's layers and its config: `diff_ids`
/// and the non-empty history entries are paired with layers by position. When their count
/// differs from the layer count the pairing would be a guess, so it is left out.
pub(crate) fn layers_from(
    layers: Vec<(String, Option<String>, Option<u64>)>,
    config: &ConfigFile,
) -> Vec<LayerDesc> {
    let diff_ids = config
        .rootfs
        .as_ref()
        .map(|r| r.diff_ids.clone())
        .unwrap_or_default();
    let created: Vec<Option<String>> = config
        .history
        .iter()
        .flatten()
        .filter(|h| h.empty_layer != Some(true))
        .map(|h| h.created_by.clone())
        .collect();
    let n = layers.len();
    layers
        .into_iter()
        .enumerate()
        .map(|(i, (digest, media_type, size))| LayerDesc {
            digest,
            media_type,
            size,
            diff_id: if diff_ids.len() == n {
                Some(diff_ids[i].clone())
            } else {
                None
            },
            created_by: if created.len() == n {
                created[i].clone()
            } else {
                None
            },
        })
        .collect()
}

/// `os/arch[/variant]` as the config states it.
pub(crate) fn config_platform(config: &ConfigFile) -> Option<String> {
    match (&config.os, &config.architecture) {
        (Some(os), Some(arch)) if !os.is_empty() && !arch.is_empty() => {
            Some(Platform::new(os, arch, config.variant.as_deref()).to_string())
        }
        _ => None,
    }
}

/// An image with no fields filled but the name.
pub(crate) fn empty_image(name: &str) -> Image {
    Image {
        name: name.to_string(),
        reference: None,
        manifest_digest: None,
        config_digest: None,
        repo_tags: Vec::new(),
        platform: None,
        layers: Vec::new(),
    }
}

/// Incremental digest of a blob, for the algorithms [`validate_digest`] accepts.
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    /// A hasher for the algorithm of `digest` (already validated).
    pub(crate) fn for_digest(digest: &str) -> Result<Hasher> {
        match digest.split_once(':').map(|(a, _)| a) {
            Some("sha256") => Ok(Hasher::Sha256(Sha256::new())),
            Some("sha512") => Ok(Hasher::Sha512(Sha512::new())),
            _ => Err(Error::Invalid(format!(
                "unsupported digest {digest:?} (sha256 and sha512 are supported)"
            ))),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// `algorithm:hex` of everything hashed.
    pub(crate) fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("sha256:{}", hex(&h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", hex(&h.finalize())),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Checks that `bytes` hash to `digest`.
pub(crate) fn verify_bytes(bytes: &[u8], digest: &str) -> Result<()> {
    let mut h = Hasher::for_digest(digest)?;
    h.update(bytes);
    let actual = h.finish();
    if actual == digest {
        Ok(())
    } else {
        Err(Error::DigestMismatch {
            digest: digest.to_string(),
            actual,
        })
    }
}

/// `sha256:` digest of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}
