//! Why an image could not be read.

use thiserror::Error;

/// Errors name the image part they concern (file, layer digest, registry URL).
#[derive(Debug, Error)]
pub enum Error {
    /// Reading a local file or directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The image is malformed (bad manifest, missing blob, bad tar).
    #[error("{0}")]
    Invalid(String),
    /// A blob's bytes do not hash to its digest.
    #[error("layer {digest}: digest mismatch (read {actual})")]
    DigestMismatch {
        /// Expected digest.
        digest: String,
        /// Digest of what was read.
        actual: String,
    },
    /// A safety limit was exceeded.
    #[error("{what}: exceeds the {limit} limit")]
    Limit {
        /// What exceeded it (layer digest, file path).
        what: String,
        /// Which limit, with its value.
        limit: String,
    },
    /// A registry could not be reached or answered with an error (names the registry and
    /// what was asked).
    #[error("{0}")]
    Registry(String),
    /// A registry demands credentials, or refused the ones given.
    #[error("{0}")]
    Auth(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
