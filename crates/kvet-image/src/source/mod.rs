//! Where an image comes from: a registry reference, a `docker save` tarball or OCI archive,
//! or an OCI layout directory. [`open`] is the one entry point; it resolves the image to one
//! platform and returns its [`Image`] description and a [`BlobSource`] for its layers.
//!
//! ```no_run
//! use kvet_image::source::{self, SourceOptions, SourceSpec};
//! let spec = SourceSpec::registry("nginx:1.25.3")?;            // or SourceSpec::input("app.tar")?
//! let (image, blobs) = source::open(&spec, &SourceOptions::default())?;
//! for layer in &image.layers {
//!     let _stream = blobs.open_layer(layer)?;                 // hand to the squash
//! }
//! # Ok::<(), kvet_image::Error>(())
//! ```

mod archive;
mod layout;
pub(crate) mod oci;
mod registry;
mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::platform::Platform;
use crate::reference::Reference;
use crate::{BlobSource, Error, Image, Limits, Result};

pub use oci::MAX_DOCUMENT_BYTES;
pub use registry::cache::default_cache_dir;

/// What the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// An image in a registry (`nginx:1.25.3`, `registry.local:5000/app@sha256:…`).
    Registry(Reference),
    /// A tarball: `docker save` output or an OCI archive (told apart by content).
    Archive(PathBuf),
    /// A directory: an OCI image layout, or an extracted `docker save`.
    Layout(PathBuf),
}

impl SourceSpec {
    /// A registry reference, parsed as Docker does.
    pub fn registry(reference: &str) -> Result<SourceSpec> {
        Reference::parse(reference).map(SourceSpec::Registry)
    }

    /// What `--input PATH` names: a directory is a layout, a file an archive.
    pub fn input(path: impl AsRef<Path>) -> Result<SourceSpec> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            Ok(SourceSpec::Layout(path.to_path_buf()))
        } else {
            Ok(SourceSpec::Archive(path.to_path_buf()))
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Registry(r) => write!(f, "{r}"),
            SourceSpec::Archive(p) | SourceSpec::Layout(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A user name and password (or token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name ([`Credentials::IDENTITY_TOKEN`] for an OAuth identity token).
    pub username: String,
    /// Password or access token.
    pub password: String,
}

impl Credentials {
    /// The user name docker and its credential helpers use to say that the secret is an OAuth2
    /// refresh ("identity") token, as `docker login` stores for Azure Container Registry and
    /// other registries with an OAuth token server: it is exchanged at the token realm with a
    /// refresh-token grant instead of being sent as a password.
    pub const IDENTITY_TOKEN: &'static str = "<token>";

    /// Credentials holding an identity token.
    pub fn identity_token(token: &str) -> Credentials {
        Credentials {
            username: Self::IDENTITY_TOKEN.to_string(),
            password: token.to_string(),
        }
    }

    pub fn is_identity_token(&self) -> bool {
        self.username == Self::IDENTITY_TOKEN
    }
}

impl fmt::Debug for Credentials {
    /// Never prints the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// One progress report while a blob downloads.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The blob's digest.
    pub digest: &'a str,
    /// Bytes received so far for this blob.
    pub done: u64,
    /// The blob's size, when the manifest says.
    pub total: Option<u64>,
    /// True once, when the blob is complete and verified (also for a blob found in the cache).
    pub finished: bool,
}

/// Progress callback: called from the thread that reads the layer.
pub type ProgressFn = Arc<dyn Fn(Progress<'_>) + Send + Sync>;

/// How to open a source. `Default` is what the CLI does without flags.
#[derive(Clone)]
pub struct SourceOptions {
    /// Platform to choose from multi-platform images (`--platform`, default `linux/amd64`).
    pub platform: Platform,
    /// Explicit credentials (`--username/--password`); they win over the docker config.
    pub credentials: Option<Credentials>,
    /// Docker's `config.json` to read registry credentials from. `None`: `$DOCKER_CONFIG/config.json`,
    /// else `~/.docker/config.json`; a missing file means anonymous access.
    pub docker_config: Option<PathBuf>,
    /// Talk plain HTTP to the registry (`--insecure`).
    pub insecure: bool,
    /// Extra PEM CA certificates to trust for registry TLS, besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Where pulled blobs are cached by digest (`--cache-dir`). `None`: [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Size limits; `max_layer_bytes` refuses bigger blobs before downloading them.
    pub limits: Limits,
    /// Connect and response timeout for each registry request; a download that stalls
    /// longer than this between two reads fails too.
    pub timeout: Duration,
    /// Attempts per registry request on 429, 5xx and connection errors (with backoff).
    pub retries: u32,
    /// Download progress, for a progress bar.
    pub progress: Option<ProgressFn>,
    /// Which image of an archive or layout that holds several (`docker save a:1 b:2`, a
    /// layout with several tags): a name as `RepoTags` or the layout's ref-name annotations
    /// give it (`b:2`, `docker.io/library/b:2`, or a bare tag `2`). Without it, such a
    /// source is an error listing the names; a source with one image ignores it unless it
    /// names something else.
    pub image: Option<String>,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            platform: Platform::default(),
            credentials: None,
            docker_config: None,
            insecure: false,
            ca_file: None,
            cache_dir: None,
            limits: Limits::default(),
            timeout: Duration::from_secs(60),
            retries: 4,
            progress: None,
            image: None,
        }
    }
}

impl fmt::Debug for SourceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceOptions")
            .field("platform", &self.platform)
            .field("credentials", &self.credentials)
            .field("docker_config", &self.docker_config)
            .field("insecure", &self.insecure)
            .field("ca_file", &self.ca_file)
            .field("cache_dir", &self.cache_dir)
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("progress", &self.progress.is_some())
            .field("image", &self.image)
            .finish()
    }
}

/// Whether `name` (from an archive: a `RepoTags` entry or a ref-name annotation) is what the
/// user asked for with `wanted`: equal as written, equal as references once normalised
/// (`nginx:1` is `docker.io/library/nginx:1`), or a bare tag equal to the name's tag.
pub(crate) fn names_match(wanted: &str, name: &str) -> bool {
    if wanted == name {
        return true;
    }
    match (Reference::parse(wanted), Reference::parse(name)) {
        (Ok(a), Ok(b)) if wanted.contains([':', '/', '@']) && name.contains([':', '/', '@']) => {
            a == b
        }
        _ => name.rsplit_once(':').is_some_and(|(_, tag)| tag == wanted),
    }
}

/// Resolves `spec` to one image for `opts.platform`: fetches and checks the manifest and
/// config (registry: over the network; archives and layouts: from the file), and returns
/// the image and where its layer bytes are. Registry layers are downloaded into the cache
/// when [`BlobSource::open_layer`] first asks for them.
pub fn open(spec: &SourceSpec, opts: &SourceOptions) -> Result<(Image, Box<dyn BlobSource>)> {
    match spec {
        SourceSpec::Registry(reference) => {
            let (image, blobs) = registry::open(reference, opts)?;
            Ok((image, Box::new(blobs)))
        }
        SourceSpec::Archive(path) => archive::open_archive(path, opts),
        SourceSpec::Layout(dir) => layout::open_dir(dir, opts),
    }
}
