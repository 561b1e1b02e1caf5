//! Secret detection: credentials in any text — files under `kvet fs`, Dockerfiles, manifest
//! fields, and (later) files inside image layers.
//!
//! Rules are data ([`rules::BUILTIN`], plus custom rules from the configuration). A scan
//! first runs one Aho-Corasick automaton over the bytes for every rule's keywords; only the
//! lines holding a keyword are handed to that rule's regex, so text without any keyword
//! costs one linear pass. Matches then pass an optional entropy threshold and the
//! allow-lists. Findings never carry the secret: messages show a masked form
//! ([`mask`]: at most the first four characters, then `****`).
//!
//! Everything here is pure: [`Scanner::scan_bytes`] takes a path (for the finding and the
//! path allow-list) and bytes; the collectors decide what to read.

mod config;
mod entropy;
mod manifest;
pub mod rules;
mod scanner;

pub use config::{CustomRule, SecretsConfig};
pub use entropy::shannon_entropy;
pub use rules::{Rule, BUILTIN};
pub use scanner::{is_binary, mask, Scanner};

/// Errors building a scanner from configuration.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret rule '{id}': invalid regex: {message}")]
    Regex { id: String, message: String },
    #[error("secret rule '{id}': {message}")]
    Rule { id: String, message: String },
    #[error("secrets allow-list: bad {what} '{pattern}': {message}")]
    Allow {
        what: &'static str,
        pattern: String,
        message: String,
    },
}

/// The prefix of every secret finding's check id: `KVET-SECRET-aws-access-key-id`.
pub const CHECK_PREFIX: &str = "KVET-SECRET-";
