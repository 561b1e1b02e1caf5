//! `rpmdb.sqlite`: table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! The bytes are copied into an in-memory SQLite database with `sqlite3_deserialize` (rusqlite's
//! `serialize` feature, `Connection::deserialize_read_exact`), opened read-only: nothing from an
//! image touches the disk, as the design requires, and no temp file needs cleaning up.

use std::io::Read;

use rusqlite::{Connection, MAIN_DB};

use crate::error::{Error, Result};

/// Offsets of the "file format write/read version" bytes in the SQLite header; 2 means WAL.
const WRITE_VERSION: usize = 18;
const READ_VERSION: usize = 19;

/// Every header blob in `hnum` order (the order `rpm -qa` lists them).
pub fn blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    // rpm puts its database in WAL mode. A deserialized database has no -wal file to read, and
    // SQLite refuses WAL on an in-memory image, so the copy SQLite gets is marked as
    // rollback-journal. Pages that are still only in an uncheckpointed `rpmdb.sqlite-wal` are
    // not seen; rpm checkpoints when a transaction ends, so a built image's main file is
    // normally complete. The header is patched on the way in, so the bytes are copied once.
    let split = bytes.len().min(READ_VERSION + 1);
    let mut head = bytes[..split].to_vec();
    for at in [WRITE_VERSION, READ_VERSION] {
        if head.get(at) == Some(&2) {
            head[at] = 1;
        }
    }
    let mut conn = Connection::open_in_memory()?;
    let reader = head.as_slice().chain(&bytes[split..]);
    conn.deserialize_read_exact(MAIN_DB, reader, bytes.len(), true)?;
    let has_table: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
        [],
        |r| r.get(0),
    )?;
    if has_table == 0 {
        return Err(Error::NotRpmdb(
            "SQLite database without a Packages table".into(),
        ));
    }
    let mut stmt = conn.prepare("SELECT blob FROM Packages ORDER BY hnum")?;
    let rows = stmt.query_map([], |row| row.get::<_, Vec<u8>>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}
