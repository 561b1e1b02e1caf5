//! The SQLite file: schema, opening (with version checks), metadata, status and freshness.
//!
//! Layout, chosen for the one query that matters (all entries of one package in one ecosystem):
//! `affected` is a WITHOUT ROWID table keyed by `(ecosystem, name, rid, n)`, so one package's
//! entries are stored together; each row holds its ranges as compact JSON and points at its
//! `advisory` row, whose text (summary, details, references) is read only for entries that
//! match. The file is opened read-only and memory-mapped.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// Version of the layout below. A kvet refuses files with another version: older files are
/// rebuilt by `kvet db update`/`import`, newer ones need a newer kvet.
pub const SCHEMA_VERSION: u32 = 1;

/// File name of the database inside the database folder.
pub const DB_FILE_NAME: &str = "kvet-vulndb.sqlite";

pub(crate) const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE source (
  name TEXT PRIMARY KEY,
  location TEXT NOT NULL,
  records INTEGER NOT NULL,
  skipped INTEGER NOT NULL
);
CREATE TABLE advisory (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  modified TEXT,
  published TEXT,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  summary TEXT,
  details TEXT,
  severity TEXT NOT NULL,
  db_severity TEXT,
  refs TEXT NOT NULL,
  source TEXT NOT NULL
);
-- Clustered by package: every entry of one (ecosystem, name) sits on the same page(s), so a
-- lookup is one B-tree descent. Written once, in key order, at the end of an import.
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  rid INTEGER NOT NULL,
  n INTEGER NOT NULL,
  ranges TEXT NOT NULL,
  versions TEXT,
  severity TEXT,
  own_severity TEXT,
  PRIMARY KEY (ecosystem, name, rid, n)
) WITHOUT ROWID;
CREATE TABLE ecosystem_count (
  ecosystem TEXT PRIMARY KEY,
  advisories INTEGER NOT NULL,
  entries INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The staging table entries are loaded into during an import (a separate, temporary file
/// attached as `stage`), in record order. Rows arrive in rid order, so its index only ever
/// appends; it makes replacing or merging a record seen twice (same id in two sources) a lookup
/// instead of a scan.
pub(crate) const STAGE: &str = "
CREATE TABLE stage.affected (
  rid INTEGER NOT NULL,
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  ranges TEXT NOT NULL,
  versions TEXT,
  severity TEXT,
  own_severity TEXT
);
CREATE INDEX stage.affected_rid ON affected (rid);
";

/// After the load: entries copied into the clustered table in key order, counts per ecosystem.
pub(crate) const FINISH: &str = "
INSERT INTO main.affected (ecosystem, name, rid, n, ranges, versions, severity, own_severity)
  SELECT ecosystem, name, rid, rowid, ranges, versions, severity, own_severity
  FROM stage.affected ORDER BY ecosystem, name, rid, rowid;
INSERT INTO ecosystem_count
  SELECT ecosystem, COUNT(DISTINCT rid), COUNT(*) FROM main.affected GROUP BY ecosystem;
";

/// The folder the database lives in when the user names none: `KVET_DB_DIR` is handled by the
/// CLI; this is the user cache folder (`~/.cache/kvet/db` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|c| c.join("kvet").join("db"))
}

/// An open, read-only advisory database.
pub struct VulnDb {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// One imported source (an archive, folder or file) and what it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    pub name: String,
    pub location: String,
    pub records: u64,
    pub skipped: u64,
}

/// Advisories and affected entries per ecosystem string (`Alpine:v3.10` is its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemCount {
    pub ecosystem: String,
    pub advisories: u64,
    pub entries: u64,
}

/// What `kvet db status` shows.
#[derive(Debug, Clone)]
pub struct Status {
    pub path: PathBuf,
    pub schema_version: u32,
    pub built_at: DateTime<Utc>,
    pub kvet_version: String,
    pub size_bytes: u64,
    pub advisories: u64,
    pub sources: Vec<SourceInfo>,
    pub ecosystems: Vec<EcosystemCount>,
}

impl Status {
    pub fn age(&self, now: DateTime<Utc>) -> chrono::Duration {
        now.signed_duration_since(self.built_at)
    }
}

/// Whether the database is recent enough to trust its "no findings".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh {
        age: chrono::Duration,
    },
    /// Older than the allowed age: the caller warns (`kvet image` does, past 7 days).
    Stale {
        age: chrono::Duration,
        built_at: DateTime<Utc>,
    },
}

impl VulnDb {
    /// Opens the database in `dir` (the file [`DB_FILE_NAME`]).
    pub fn open_dir(dir: &Path) -> Result<VulnDb> {
        VulnDb::open(&dir.join(DB_FILE_NAME))
    }

    /// Opens a database file read-only, checking that it is one of ours and of this schema.
    pub fn open(path: &Path) -> Result<VulnDb> {
        if !path.is_file() {
            return Err(Error::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(Error::sqlite(path))?;
        check_schema(&conn, path)?;
        // Lookups touch a few scattered pages each; mapping the file avoids a read() per page.
        // Best effort: where mmap is unavailable SQLite falls back to reads.
        let _ = conn.pragma_update(None, "mmap_size", 1i64 << 31);
        Ok(VulnDb {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(Error::sqlite(&self.path))
    }

    /// When the file was built.
    pub fn built_at(&self) -> Result<DateTime<Utc>> {
        let raw = self.meta("built_at")?.unwrap_or_default();
        DateTime::parse_from_rfc3339(&raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| Error::NotKvet {
                path: self.path.clone(),
                reason: format!("bad built_at '{raw}': {e}"),
            })
    }

    pub fn status(&self) -> Result<Status> {
        let sq = Error::sqlite;
        let mut sources = Vec::new();
        let mut st = self
            .conn
            .prepare("SELECT name, location, records, skipped FROM source ORDER BY name")
            .map_err(sq(&self.path))?;
        let rows = st
            .query_map([], |r| {
                Ok(SourceInfo {
                    name: r.get(0)?,
                    location: r.get(1)?,
                    records: r.get::<_, i64>(2)?.max(0) as u64,
                    skipped: r.get::<_, i64>(3)?.max(0) as u64,
                })
            })
            .map_err(sq(&self.path))?;
        for r in rows {
            sources.push(r.map_err(sq(&self.path))?);
        }
        let mut ecosystems = Vec::new();
        let mut st = self
            .conn
            .prepare(
                "SELECT ecosystem, advisories, entries FROM ecosystem_count ORDER BY ecosystem",
            )
            .map_err(sq(&self.path))?;
        let rows = st
            .query_map([], |r| {
                Ok(EcosystemCount {
                    ecosystem: r.get(0)?,
                    advisories: r.get::<_, i64>(1)?.max(0) as u64,
                    entries: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .map_err(sq(&self.path))?;
        for r in rows {
            ecosystems.push(r.map_err(sq(&self.path))?);
        }
        let advisories = self
            .conn
            .query_row("SELECT COUNT(*) FROM advisory", [], |r| r.get::<_, i64>(0))
            .map_err(sq(&self.path))?
            .max(0) as u64;
        Ok(Status {
            path: self.path.clone(),
            schema_version: SCHEMA_VERSION,
            built_at: self.built_at()?,
            kvet_version: self.meta("kvet_version")?.unwrap_or_default(),
            size_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            advisories,
            sources,
            ecosystems,
        })
    }

    /// Fresh when built less than `max_age` before `now`.
    pub fn check_fresh(
        &self,
        max_age: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Freshness> {
        let built_at = self.built_at()?;
        let age = now.signed_duration_since(built_at);
        let max = chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
        Ok(if age > max {
            Freshness::Stale { age, built_at }
        } else {
            Freshness::Fresh { age }
        })
    }
}

/// Opens the database in `dir` and says whether it is younger than `max_age`; a missing
/// database is an error telling how to get one. What the image scan calls before matching.
pub fn check_fresh(dir: &Path, max_age: std::time::Duration) -> Result<Freshness> {
    VulnDb::open_dir(dir)?.check_fresh(max_age, Utc::now())
}

fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let found: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| Error::NotKvet {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let Some(found) = found else {
        return Err(Error::NotKvet {
            path: path.to_path_buf(),
            reason: "no schema_version in its meta table".into(),
        });
    };
    match found.parse::<u32>() {
        Ok(v) if v == SCHEMA_VERSION => Ok(()),
        Ok(v) if v < SCHEMA_VERSION => Err(Error::Schema {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
            hint: "it was built by an older kvet; rebuild it with `kvet db update` or `kvet db import`",
        }),
        _ => Err(Error::Schema {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
            hint: "it was built by a newer kvet; upgrade kvet, or rebuild the database with this one (`kvet db update` or `kvet db import`)",
        }),
    }
}
