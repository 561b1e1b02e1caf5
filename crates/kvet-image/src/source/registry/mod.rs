//! Pulling from a registry (OCI distribution API v2): the manifest (or index, then the
//! platform's manifest) and the config into memory, each checked against its digest; layer
//! blobs into the blob cache, verified while they download, when the scan first opens them.

mod auth;
pub(crate) mod cache;
mod credentials;
mod http;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use ureq::http::Response;
use ureq::Body;

use self::auth::Auth;
use self::cache::{BlobCache, StoreError};
use self::http::Http;
use super::oci::{self, MAX_DOCUMENT_BYTES};
use super::{ProgressFn, SourceOptions};
use crate::reference::Reference;
use crate::{BlobSource, Error, Image, LayerDesc, Limits, Result};

/// One repository on one registry.
struct Client {
    http: Http,
    /// `scheme://host/v2/<repository>`
    base: String,
    registry: String,
    auth: Auth,
}

impl Client {
    fn new(reference: &Reference, opts: &SourceOptions) -> Result<Client> {
        let credentials = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None => match opts
                .docker_config
                .clone()
                .or_else(credentials::default_config_path)
            {
                Some(path) => credentials::lookup(&path, &reference.registry)?,
                None => None,
            },
        };
        let scheme = if opts.insecure { "http" } else { "https" };
        Ok(Client {
            http: Http::new(opts)?,
            base: format!(
                "{scheme}://{}/v2/{}",
                reference.api_host(),
                reference.repository
            ),
            registry: reference.registry.clone(),
            auth: Auth::new(&reference.registry, &reference.repository, credentials),
        })
    }

    /// GET with authentication: on 401, answer the challenge once and repeat.
    fn get(&self, url: &str, accept: Option<&str>, what: &str) -> Result<Response<Body>> {
        let send = |authz: Option<&str>| {
            let mut headers = Vec::new();
            if let Some(a) = accept {
                headers.push(("Accept", a));
            }
            if let Some(h) = authz {
                headers.push(("Authorization", h));
            }
            self.http.get(url, &headers, &[], what)
        };
        let sent = self.auth.current();
        let resp = send(sent.as_deref())?;
        if resp.status().as_u16() != 401 {
            return self.check(resp, what);
        }
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let header = self
            .auth
            .answer(&self.http, challenge.as_deref(), sent.as_deref())?;
        let resp = send(Some(&header))?;
        if resp.status().as_u16() == 401 {
            return Err(self.auth.rejected(&header));
        }
        self.check(resp, what)
    }

    fn check(&self, resp: Response<Body>, what: &str) -> Result<Response<Body>> {
        match resp.status().as_u16() {
            200 => Ok(resp),
            403 => Err(self.auth.denied()),
            404 => Err(Error::Registry(format!(
                "registry {}: {what} not found{}",
                self.registry,
                error_detail(resp)
            ))),
            s => Err(Error::Registry(format!(
                "registry {}: {what}: HTTP {s}{}",
                self.registry,
                error_detail(resp)
            ))),
        }
    }

    /// A manifest or index by tag or digest: bytes and media type.
    fn manifest(&self, reference: &str) -> Result<(Vec<u8>, Option<String>)> {
        let url = format!("{}/manifests/{reference}", self.base);
        self.document(
            &url,
            Some(oci::ACCEPT_MANIFESTS),
            &format!("manifest {reference}"),
        )
    }

    /// A small blob (the config), verified against its digest.
    fn small_blob(&self, digest: &str) -> Result<Vec<u8>> {
        let url = format!("{}/blobs/{digest}", self.base);
        let (bytes, _) = self.document(&url, None, &format!("config blob {digest}"))?;
        oci::verify_bytes(&bytes, digest)?;
        Ok(bytes)
    }

    /// A bounded document and its media type; a body that breaks off is fetched again.
    fn document(
        &self,
        url: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<(Vec<u8>, Option<String>)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let resp = self.get(url, accept, what)?;
            let media_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match resp
                .into_body()
                .into_with_config()
                .limit(MAX_DOCUMENT_BYTES)
                .read_to_vec()
            {
                Ok(bytes) => return Ok((bytes, media_type)),
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(Error::Limit {
                        what: format!("registry {}: {what}", self.registry),
                        limit: format!("{MAX_DOCUMENT_BYTES}-byte document"),
                    })
                }
                Err(_) if attempt < self.http.attempts() => {
                    std::thread::sleep(http::backoff(attempt))
                }
                Err(e) => {
                    return Err(Error::Registry(format!(
                        "registry {}: {what}: download failed after {attempt} attempts: {e}",
                        self.registry
                    )))
                }
            }
        }
    }
}

/// The registry's error body (`{"errors":[{"code":…,"message":…}]}`), briefly.
fn error_detail(resp: Response<Body>) -> String {
    let Ok(body) = resp
        .into_body()
        .into_with_config()
        .limit(64 << 10)
        .read_to_vec()
    else {
        return String::new();
    };
    #[derive(serde::Deserialize)]
    struct Errs {
        errors: Vec<Err1>,
    }
    #[derive(serde::Deserialize)]
    struct Err1 {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Errs>(&body) {
        Ok(e) if !e.errors.is_empty() => {
            let parts: Vec<String> = e
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.code, e.message))
                .collect();
            format!(" ({})", parts.join("; "))
        }
        _ => String::new(),
    }
}

/// Resolves `reference` to the image for `opts.platform` (manifest and config fetched and
/// verified) and prepares the cache its layers will be pulled into.
pub(crate) fn open(reference: &Reference, opts: &SourceOptions) -> Result<(Image, RegistryBlobs)> {
    let client = Client::new(reference, opts)?;
    let what = reference.to_string();
    let (bytes, media_type) = client.manifest(reference.manifest_ref())?;
    let top_digest = match &reference.digest {
        Some(d) => {
            oci::verify_bytes(&bytes, d)?;
            d.clone()
        }
        None => oci::sha256_digest(&bytes),
    };
    let top = oci::parse_document(&bytes, media_type.as_deref(), &what)?;
    let mut fetch = |d: &oci::Descriptor| -> Result<Vec<u8>> {
        if d.size.is_some_and(|s| s > MAX_DOCUMENT_BYTES) {
            return Err(Error::Limit {
                what: format!("{what}: manifest {}", d.digest),
                limit: format!("{MAX_DOCUMENT_BYTES}-byte document"),
            });
        }
        let (bytes, _) = client.manifest(&d.digest)?;
        oci::verify_bytes(&bytes, &d.digest)?;
        Ok(bytes)
    };
    let (manifest, manifest_digest) =
        oci::resolve(&what, top, Some(top_digest), &opts.platform, &mut fetch)?;
    if manifest.config.size.is_some_and(|s| s > MAX_DOCUMENT_BYTES) {
        return Err(Error::Limit {
            what: format!("{what}: config {}", manifest.config.digest),
            limit: format!("{MAX_DOCUMENT_BYTES}-byte document"),
        });
    }
    let config_raw = client.small_blob(&manifest.config.digest)?;
    let config = oci::parse_config(
        &config_raw,
        &format!("{what}: config {}", manifest.config.digest),
    )?;
    for layer in &manifest.layers {
        if let Some(size) = layer.size.filter(|&s| s > opts.limits.max_layer_bytes) {
            return Err(Error::Limit {
                what: format!("{what}: layer {} ({size} bytes)", layer.digest),
                limit: format!("{}-byte layer", opts.limits.max_layer_bytes),
            });
        }
    }
    let cache_dir = match &opts.cache_dir {
        Some(d) => d.clone(),
        None => cache::default_cache_dir().ok_or_else(|| {
            Error::Invalid(
                "no cache directory: HOME is not set; pass a cache directory (--cache-dir)".into(),
            )
        })?,
    };
    let cache = BlobCache::new(&cache_dir)?;

    let layers = manifest
        .layers
        .iter()
        .map(|d| (d.digest.clone(), d.media_type.clone(), d.size))
        .collect();
    let mut image = oci::empty_image(&familiar(reference));
    image.reference = Some(reference.to_string());
    image.manifest_digest = manifest_digest;
    image.config_digest = Some(manifest.config.digest.clone());
    image.platform = oci::config_platform(&config);
    image.layers = oci::layers_from(layers, &config);
    Ok((
        image,
        RegistryBlobs {
            client: Arc::new(client),
            cache,
            limits: opts.limits,
            progress: opts.progress.clone(),
        },
    ))
}

/// How `docker images` shows a name: Docker Hub's registry and `library/` left out.
fn familiar(r: &Reference) -> String {
    let mut name = if r.registry == crate::reference::DOCKER_HUB {
        r.repository
            .strip_prefix("library/")
            .unwrap_or(&r.repository)
            .to_string()
    } else {
        format!("{}/{}", r.registry, r.repository)
    };
    if let Some(t) = &r.tag {
        name.push(':');
        name.push_str(t);
    }
    if let Some(d) = &r.digest {
        name.push('@');
        name.push_str(d);
    }
    name
}

/// Layer bytes of a registry image: each layer is pulled into the blob cache (verified)
/// the first time it is opened, then read from the cached file.
pub(crate) struct RegistryBlobs {
    client: Arc<Client>,
    cache: BlobCache,
    limits: Limits,
    progress: Option<ProgressFn>,
}

impl RegistryBlobs {
    /// The cached, verified file for `layer`, downloading it when it is not cached yet.
    fn fetch(&self, layer: &LayerDesc) -> Result<PathBuf> {
        oci::check_digest(&layer.digest, "layer")?;
        if let Some(path) = self.cache.lookup(&layer.digest, layer.size) {
            if let Some(p) = &self.progress {
                let done = layer.size.unwrap_or(0);
                p(super::Progress {
                    digest: &layer.digest,
                    done,
                    total: layer.size,
                    finished: true,
                });
            }
            return Ok(path);
        }
        let max = self.limits.max_layer_bytes;
        if let Some(size) = layer.size.filter(|&s| s > max) {
            return Err(Error::Limit {
                what: format!("layer {} ({size} bytes)", layer.digest),
                limit: format!("{max}-byte layer"),
            });
        }
        let url = format!("{}/blobs/{}", self.client.base, layer.digest);
        let what = format!("layer {}", layer.digest);
        let attempts = self.client.http.attempts();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let resp = self.client.get(&url, None, &what)?;
            if let Some(len) = resp
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
            {
                if len > max {
                    return Err(Error::Limit {
                        what: format!("{what} ({len} bytes)"),
                        limit: format!("{max}-byte layer"),
                    });
                }
            }
            let mut body = resp.into_body().into_reader();
            let limit = layer.size.unwrap_or(max).min(max);
            match self.cache.store(
                &layer.digest,
                &mut body as &mut dyn Read,
                limit,
                layer.size,
                self.progress.as_ref(),
            ) {
                Ok(path) => return Ok(path),
                Err(StoreError::Read(_)) if attempt < attempts => {
                    std::thread::sleep(http::backoff(attempt));
                }
                Err(StoreError::Read(e)) => {
                    return Err(Error::Registry(format!(
                        "registry {}: {what}: download failed after {attempt} attempts: {e}",
                        self.client.registry
                    )))
                }
                Err(StoreError::Other(e)) => return Err(e),
            }
        }
    }
}

impl BlobSource for RegistryBlobs {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>> {
        let path = self.fetch(layer)?;
        Ok(Box::new(self.cache.open(&path)?))
    }
}
