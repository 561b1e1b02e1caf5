use std::path::PathBuf;

/// Everything that can go wrong with the advisory database. Messages name the file (and, for
/// downloads, the URL) so they can be shown to a user as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no vulnerability database at {}: run `kvet db update` to download one, or `kvet db import PATH` to build it from OSV zips or folders",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "{} has database schema version {found}, but this kvet reads version {expected}: {hint}",
        path.display()
    )]
    Schema {
        path: PathBuf,
        found: String,
        expected: u32,
        hint: &'static str,
    },
    #[error("{}: not a kvet vulnerability database ({reason})", path.display())]
    NotKvet { path: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a readable zip archive: {reason}", path.display())]
    Zip { path: PathBuf, reason: String },
    #[error("{url}: {reason}")]
    Download { url: String, reason: String },
    #[error("{0}")]
    Input(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> Error + '_ {
        move |source| Error::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
