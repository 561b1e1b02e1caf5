//! kvet's advisory database: OSV records (osv.dev's schema, the one input format) imported into
//! one SQLite file, and the matcher that answers "which advisories affect this package at this
//! version?".
//!
//! The crate is split so that the judging stays pure:
//! - [`osv`] parses records, [`ecosystem`] names ecosystems and normalises package names,
//!   [`range`] evaluates OSV ranges with a comparator the caller injects (ECOSYSTEM ranges) or
//!   SemVer 2.0 ([`semver_cmp`], SEMVER ranges), [`severity`] turns vectors and distro ratings
//!   into one [`kvet_core::Severity`], [`merge`] folds aliases into one finding, and
//!   [`distro`] says which OSV feeds a detected distro is answered by. None of these do I/O.
//! - [`store`] owns the SQLite file (schema, metadata, status, freshness), [`import`] builds a new
//!   file from zips/folders/files and swaps it in atomically, [`update`] downloads the OSV
//!   per-ecosystem archives and imports them, and [`query`] reads candidates and runs the matcher.

pub mod distro;
pub mod ecosystem;
mod error;
pub mod import;
pub mod merge;
pub mod osv;
pub mod query;
pub mod range;
pub mod semver_cmp;
pub mod severity;
pub mod store;
pub mod update;

pub use error::{Error, Result};
pub use query::{Match, MatchedBy, PackageQuery};
pub use range::Comparator;
pub use store::{Freshness, Status, VulnDb, DB_FILE_NAME, SCHEMA_VERSION};
