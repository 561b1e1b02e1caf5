//! The crate's one error type.
//!
//! Cataloguers are fed bytes from untrusted images, so every way a database can be malformed
//! is an error value naming what was wrong; none of them panics. `path` fields carry the file
//! the bytes came from so a caller can say which file of which image was bad.

use thiserror::Error;

/// Why a database or release file could not be read.
#[derive(Debug, Error)]
pub enum Error {
    /// An RPM header blob is malformed (bad counts, offsets past the end, bad types).
    #[error("rpm header: {0}")]
    RpmHeader(String),
    /// A BerkeleyDB hash database (`Packages`) is malformed or of an unsupported kind.
    #[error("berkeleydb: {0}")]
    BerkeleyDb(String),
    /// An NDB database (`Packages.db`) is malformed.
    #[error("ndb: {0}")]
    Ndb(String),
    /// The file is not an rpm database of any format kvet reads.
    #[error("not an rpm database: {0}")]
    NotRpmdb(String),
    /// SQLite refused the `rpmdb.sqlite` bytes or its `Packages` table.
    #[error("rpmdb.sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Reading a file from a root filesystem directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file being read.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand used by the rpm header parser.
pub(crate) fn header_err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::RpmHeader(msg.into()))
}
