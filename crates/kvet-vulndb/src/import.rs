//! Building a database from OSV records: per-ecosystem `all.zip` archives (osv.dev's bucket
//! layout), folders of `*.json` (recursive; zips found inside are read too) and single files.
//!
//! The new database is written to a temporary file beside the target and renamed over it only
//! when everything went well, so a failed import leaves the previous database working (and
//! readers that have it open keep reading it). Bad records never abort: each is skipped and
//! counted, and the first few are named (file or `archive.zip:entry`).
//!
//! Work is split in three: one thread reads and decompresses records in batches, rayon parses
//! and validates each batch in parallel, and the calling thread inserts batches in input order
//! inside one transaction with prepared statements.

use crate::error::{Error, Result};
use crate::osv::{self, Parsed, Record};
use crate::store::{SourceInfo, FINISH, SCHEMA, SCHEMA_VERSION, STAGE};
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One thing to import, with the name it is listed under in `kvet db status`.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub path: PathBuf,
    /// Where it came from, as `kvet db status` shows it (the path, or the download URL).
    pub location: String,
}

impl Input {
    /// An input named after its path.
    pub fn from_path(path: impl Into<PathBuf>) -> Input {
        let path = path.into();
        Input {
            name: path.display().to_string(),
            location: path.display().to_string(),
            path,
        }
    }
}

/// Progress, for a bar or a log line.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Started reading this source.
    Source { name: String },
    /// Running totals.
    Records { imported: u64, skipped: u64 },
    /// Records are in; the index is being built.
    Indexing,
}

pub struct Options<'a> {
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// How many skipped records / dropped entries to name in [`Report::warnings`].
    pub named_warnings: usize,
    /// Parse each batch on the rayon pool (true) or on the reading thread alone (false). Either
    /// way parsing overlaps inserting; see bench/vulndb_bench.sh for what the pool adds.
    pub parallel: bool,
    /// Records (zip entries, files) larger than this are skipped with a warning.
    pub max_record_bytes: u64,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            progress: None,
            named_warnings: 5,
            parallel: true,
            max_record_bytes: 64 << 20,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub db_path: PathBuf,
    /// Distinct advisories in the new database.
    pub advisories: u64,
    /// Records read and stored (a duplicate id replaces or merges, see [`Report::duplicates`]).
    pub imported: u64,
    /// Records skipped as malformed (bad JSON, no id, no usable affected entry…).
    pub skipped: u64,
    /// Affected entries dropped from otherwise good records (unknown ecosystem, bad range).
    pub dropped_entries: u64,
    /// Records marked withdrawn (not stored, not an error).
    pub withdrawn: u64,
    /// Records whose id was already imported: the newer `modified` wins; equal ones are merged.
    pub duplicates: u64,
    /// The first [`Options::named_warnings`] problems, each naming its file or zip entry.
    pub warnings: Vec<String>,
    pub sources: Vec<SourceInfo>,
    pub elapsed: Duration,
}

/// Imports `inputs` into a new database at `db_path` (replacing any database there).
pub fn import(db_path: &Path, inputs: &[Input], opts: &Options) -> Result<Report> {
    let start = Instant::now();
    for i in inputs {
        if !i.path.exists() {
            return Err(Error::Io {
                path: i.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    let dir = match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let tmp = TempPath::beside(db_path);
    let mut report = Report {
        db_path: db_path.to_path_buf(),
        ..Report::default()
    };
    build(&tmp.0, inputs, opts, &mut report)?;
    if report.imported == 0 {
        return Err(Error::Input(format!(
            "no OSV records found in {}; the database at {} was left as it was",
            inputs
                .iter()
                .map(|i| i.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            db_path.display()
        )));
    }
    tmp.persist(db_path, &dir)?;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// A file removed on drop unless it was renamed into place.
struct TempPath(PathBuf);

impl TempPath {
    fn beside(target: &Path) -> TempPath {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "kvet-vulndb.sqlite".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        TempPath(target.with_file_name(format!(".{name}.tmp-{}-{nanos}", std::process::id())))
    }

    fn persist(self, target: &Path, dir: &Path) -> Result<()> {
        // Make the new file durable before it replaces the old one, then the rename itself.
        File::open(&self.0)
            .and_then(|f| f.sync_all())
            .map_err(Error::io(&self.0))?;
        std::fs::rename(&self.0, target).map_err(Error::io(target))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all(); // not supported everywhere; the rename is already atomic
        }
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One record as read: where it came from, which source, its bytes (or why it could not be read).
struct RawItem {
    origin: String,
    source: usize,
    bytes: std::result::Result<Vec<u8>, String>,
}

/// A record parsed and validated: where it came from, its source, the verdict.
type ParsedItem = (String, usize, Parsed);

enum Msg {
    Source(usize),
    Batch(Vec<ParsedItem>),
}

const BATCH_RECORDS: usize = 2048;
const BATCH_BYTES: usize = 16 << 20;

fn build(tmp: &Path, inputs: &[Input], opts: &Options, report: &mut Report) -> Result<()> {
    let sq = Error::sqlite;
    let mut conn = Connection::open(tmp).map_err(sq(tmp))?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA cache_size = -65536;",
    )
    .map_err(sq(tmp))?;
    conn.execute_batch(SCHEMA).map_err(sq(tmp))?;
    let stage = TempPath(PathBuf::from(format!("{}.stage", tmp.display())));
    conn.execute(
        "ATTACH DATABASE ?1 AS stage",
        [stage.0.to_string_lossy().as_ref()],
    )
    .map_err(sq(&stage.0))?;
    conn.execute_batch(
        "PRAGMA stage.journal_mode = OFF; PRAGMA stage.synchronous = OFF;
         PRAGMA stage.cache_size = -65536;",
    )
    .map_err(sq(&stage.0))?;
    conn.execute_batch(STAGE).map_err(sq(&stage.0))?;
    let tx = conn.transaction().map_err(sq(tmp))?;
    let mut per_source: Vec<(u64, u64)> = vec![(0, 0); inputs.len()];
    {
        let mut ins = Inserter::new(&tx).map_err(sq(tmp))?;
        let (send, recv) = mpsc::sync_channel::<Result<Msg>>(2);
        let (max, parallel) = (opts.max_record_bytes, opts.parallel);
        std::thread::scope(|s| -> Result<()> {
            s.spawn(move || read_all(inputs, max, parallel, &send));
            for msg in recv {
                let batch = match msg? {
                    Msg::Source(i) => {
                        if let Some(p) = opts.progress {
                            p(Progress::Source {
                                name: inputs[i].name.clone(),
                            });
                        }
                        continue;
                    }
                    Msg::Batch(b) => b,
                };
                for (origin, src, p) in batch {
                    let mut warn = |w: String| {
                        if report.warnings.len() < opts.named_warnings {
                            report.warnings.push(w);
                        }
                    };
                    match p {
                        Parsed::Ok { record, dropped } => {
                            for d in dropped {
                                report.dropped_entries += 1;
                                warn(format!("{origin}: {d} (entry skipped)"));
                            }
                            if ins.insert(&record, &inputs[src].name).map_err(sq(tmp))? {
                                report.duplicates += 1;
                            }
                            report.imported += 1;
                            per_source[src].0 += 1;
                        }
                        Parsed::Withdrawn { .. } => report.withdrawn += 1,
                        Parsed::Bad(reason) => {
                            report.skipped += 1;
                            per_source[src].1 += 1;
                            warn(format!("{origin}: {reason}"));
                        }
                    }
                }
                if let Some(p) = opts.progress {
                    p(Progress::Records {
                        imported: report.imported,
                        skipped: report.skipped,
                    });
                }
            }
            Ok(())
        })?;
    }
    if let Some(p) = opts.progress {
        p(Progress::Indexing);
    }
    tx.execute_batch(FINISH).map_err(sq(tmp))?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (k, v) in [
        ("schema_version", SCHEMA_VERSION.to_string()),
        ("built_at", now),
        ("kvet_version", env!("CARGO_PKG_VERSION").to_string()),
    ] {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![k, v],
        )
        .map_err(sq(tmp))?;
    }
    for (i, input) in inputs.iter().enumerate() {
        let info = SourceInfo {
            name: input.name.clone(),
            location: input.location.clone(),
            records: per_source[i].0,
            skipped: per_source[i].1,
        };
        tx.execute(
            "INSERT INTO source (name, location, records, skipped) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET records = records + excluded.records,
                                             skipped = skipped + excluded.skipped",
            params![
                info.name,
                info.location,
                info.records as i64,
                info.skipped as i64
            ],
        )
        .map_err(sq(tmp))?;
        report.sources.push(info);
    }
    report.advisories = tx
        .query_row("SELECT COUNT(*) FROM advisory", [], |r| r.get::<_, i64>(0))
        .map_err(sq(tmp))?
        .max(0) as u64;
    tx.commit().map_err(sq(tmp))?;
    conn.execute("DETACH DATABASE stage", []).map_err(sq(tmp))?;
    drop(stage);
    conn.close().map_err(|(_, e)| Error::Sqlite {
        path: tmp.to_path_buf(),
        source: e,
    })?;
    Ok(())
}

/// Reads every input in order and sends batches of parsed records; stops at the first error
/// that makes an input unreadable as a whole (a truncated zip, an unreadable folder).
///
/// Parsing happens here, not on the inserting thread, so that reading + parsing and inserting
/// overlap; `parallel` parses each batch on the rayon pool as well.
fn read_all(inputs: &[Input], max: u64, parallel: bool, send: &mpsc::SyncSender<Result<Msg>>) {
    let mut batch = Batcher {
        items: Vec::new(),
        bytes: 0,
        parallel,
        send,
    };
    for (i, input) in inputs.iter().enumerate() {
        if send.send(Ok(Msg::Source(i))).is_err() {
            return;
        }
        let r = if input.path.is_dir() {
            read_dir(&input.path, i, max, &mut batch)
        } else {
            read_file_or_zip(&input.path, i, max, &mut batch)
        };
        if let Err(e) = r {
            let _ = send.send(Err(e));
            return;
        }
    }
    batch.flush();
}

struct Batcher<'a> {
    items: Vec<RawItem>,
    bytes: usize,
    parallel: bool,
    send: &'a mpsc::SyncSender<Result<Msg>>,
}

impl Batcher<'_> {
    fn push(&mut self, item: RawItem) -> Result<()> {
        self.bytes += item.bytes.as_ref().map_or(0, Vec::len);
        self.items.push(item);
        if (self.items.len() >= BATCH_RECORDS || self.bytes >= BATCH_BYTES) && !self.flush() {
            return Err(Error::Input("import stopped".into()));
        }
        Ok(())
    }
    fn flush(&mut self) -> bool {
        self.bytes = 0;
        if self.items.is_empty() {
            return true;
        }
        let items = std::mem::take(&mut self.items);
        let parse_one = |it: RawItem| {
            let parsed = match it.bytes {
                Ok(b) => osv::parse(&b),
                Err(reason) => Parsed::Bad(reason),
            };
            (it.origin, it.source, parsed)
        };
        let parsed: Vec<ParsedItem> = if self.parallel {
            items.into_par_iter().map(parse_one).collect()
        } else {
            items.into_iter().map(parse_one).collect()
        };
        self.send.send(Ok(Msg::Batch(parsed))).is_ok()
    }
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
}

fn read_dir(dir: &Path, src: usize, max: u64, batch: &mut Batcher) -> Result<()> {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let p = entry.path();
        if has_ext(p, "json") || has_ext(p, "zip") {
            read_file_or_zip(p, src, max, batch)?;
        }
    }
    Ok(())
}

fn read_file_or_zip(path: &Path, src: usize, max: u64, batch: &mut Batcher) -> Result<()> {
    let mut f = File::open(path).map_err(Error::io(path))?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(Error::io(path))?;
    if has_ext(path, "zip") || (n == 4 && &magic == b"PK\x03\x04") {
        return read_zip(path, src, max, batch);
    }
    let origin = path.display().to_string();
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes = if len > max {
        Err(format!("record larger than {max} bytes"))
    } else {
        std::fs::read(path).map_err(|e| format!("unreadable: {e}"))
    };
    batch.push(RawItem {
        origin,
        source: src,
        bytes,
    })
}

/// Entries are read one at a time through the central directory, so memory stays at one
/// record plus the batch, whatever the archive's size.
fn read_zip(path: &Path, src: usize, max: u64, batch: &mut Batcher) -> Result<()> {
    let f = File::open(path).map_err(Error::io(path))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| Error::Zip {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| Error::Zip {
            path: path.to_path_buf(),
            reason: format!("entry {i}: {e}"),
        })?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        if !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let origin = format!("{}:{name}", path.display());
        let bytes = if entry.size() > max {
            Err(format!("record larger than {max} bytes"))
        } else {
            let mut buf = Vec::with_capacity(entry.size().min(max) as usize);
            match (&mut entry).take(max + 1).read_to_end(&mut buf) {
                // The header's size can lie (a zip bomb); what was inflated is what counts.
                Ok(_) if buf.len() as u64 > max => Err(format!("record larger than {max} bytes")),
                Ok(_) => Ok(buf),
                // A damaged entry (bad CRC, truncated data) spoils the archive: stop, so that an
                // interrupted download never becomes a silently smaller database.
                Err(e) => {
                    return Err(Error::Zip {
                        path: path.to_path_buf(),
                        reason: format!("entry {name}: {e}"),
                    })
                }
            }
        };
        batch.push(RawItem {
            origin,
            source: src,
            bytes,
        })?;
    }
    Ok(())
}

/// Inserts records with prepared statements; handles ids seen before.
struct Inserter<'c> {
    conn: &'c Connection,
    find: rusqlite::Statement<'c>,
    adv: rusqlite::Statement<'c>,
    replace_adv: rusqlite::Statement<'c>,
    del_aff: rusqlite::Statement<'c>,
    aff: rusqlite::Statement<'c>,
    aff_exists: rusqlite::Statement<'c>,
}

impl<'c> Inserter<'c> {
    fn new(c: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Inserter {
            conn: c,
            find: c.prepare("SELECT rid, modified FROM advisory WHERE id = ?1")?,
            adv: c.prepare(
                "INSERT INTO advisory (id, modified, published, aliases, upstream, summary, details,
                   severity, db_severity, refs, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            replace_adv: c.prepare(
                "UPDATE advisory SET modified = ?2, published = ?3, aliases = ?4, upstream = ?5,
                   summary = ?6, details = ?7, severity = ?8, db_severity = ?9, refs = ?10,
                   source = ?11 WHERE rid = ?1",
            )?,
            del_aff: c.prepare("DELETE FROM stage.affected WHERE rid = ?1")?,
            aff: c.prepare(
                "INSERT INTO stage.affected (rid, ecosystem, name, ranges, versions, severity, own_severity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            aff_exists: c.prepare(
                "SELECT 1 FROM stage.affected WHERE rid = ?1 AND ecosystem = ?2 AND name = ?3
                   AND ranges = ?4 AND versions IS ?5",
            )?,
        })
    }

    /// Returns whether the id had been seen before.
    fn insert(&mut self, r: &Record, source: &str) -> rusqlite::Result<bool> {
        let seen: Option<(i64, Option<String>)> = self
            .find
            .query_row([&r.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let json = |v: &dyn erased::Json| v.to_json();
        let fields = (
            r.modified.as_deref(),
            r.published.as_deref(),
            json(&r.aliases),
            json(&r.upstream),
            r.summary.as_deref(),
            r.details.as_deref(),
            json(&r.severity),
            r.database_severity.as_deref(),
            json(&r.references),
        );
        let (rid, merge) = match seen {
            None => {
                self.adv.execute(params![
                    r.id, fields.0, fields.1, fields.2, fields.3, fields.4, fields.5, fields.6,
                    fields.7, fields.8, source
                ])?;
                (self.conn.last_insert_rowid(), false)
            }
            Some((rid, ref old_modified)) => {
                match newer(r.modified.as_deref(), old_modified.as_deref()) {
                    std::cmp::Ordering::Less => return Ok(true),
                    std::cmp::Ordering::Greater => {
                        self.replace_adv.execute(params![
                            rid, fields.0, fields.1, fields.2, fields.3, fields.4, fields.5,
                            fields.6, fields.7, fields.8, source
                        ])?;
                        self.del_aff.execute([rid])?;
                        (rid, false)
                    }
                    std::cmp::Ordering::Equal => (rid, true),
                }
            }
        };
        for a in &r.affected {
            let ranges = json(&a.ranges);
            let versions = (!a.versions.is_empty()).then(|| json(&a.versions));
            if merge
                && self
                    .aff_exists
                    .exists(params![rid, a.ecosystem, a.name, ranges, versions])?
            {
                continue;
            }
            let sev = (!a.severity.is_empty()).then(|| json(&a.severity));
            self.aff.execute(params![
                rid,
                a.ecosystem,
                a.name,
                ranges,
                versions,
                sev,
                a.own_severity
            ])?;
        }
        Ok(seen.is_some())
    }
}

/// Orders two `modified` times; unparsable or missing times compare as strings (missing first).
fn newer(new: Option<&str>, old: Option<&str>) -> std::cmp::Ordering {
    let parse =
        |s: Option<&str>| s.and_then(|s| chrono::DateTime::parse_from_rfc3339(s.trim()).ok());
    match (parse(new), parse(old)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => new.cmp(&old),
    }
}

mod erased {
    /// Serialises the small vectors stored as JSON columns; they are plain data, so this never
    /// fails (an empty array is written if it somehow did).
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "[]".into())
        }
    }
}
