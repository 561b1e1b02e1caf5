//! `kvet db update|import|status`: the local OSV advisory database (crate kvet-vulndb).
//!
//! The database is one file in `--db-dir` (`KVET_DB_DIR`, default the user cache folder).
//! `update` downloads OSV's per-ecosystem archives, `import` reads local zips/folders/files;
//! both build a new file and swap it in only when everything worked.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kvet_vulndb::{import, update, VulnDb};
use std::path::PathBuf;
use std::time::Duration;

/// A database older than this gets a warning (as `kvet image` will give).
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
    /// Folder of the database [default: KVET_DB_DIR, else the user cache folder, e.g. ~/.cache/kvet/db]
    #[arg(long, value_name = "DIR", env = "KVET_DB_DIR", global = true)]
    pub db_dir: Option<PathBuf>,
    /// No progress bar
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Print nothing but results and errors (no progress, no warnings)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Download the OSV advisory archives and rebuild the database from them
    Update(UpdateArgs),
    /// Rebuild the database from local OSV files: all.zip archives, folders of *.json, files
    Import(ImportArgs),
    /// Where the database is, when it was built, its sources and counts per ecosystem
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// OSV ecosystem to download (repeat; e.g. Go, PyPI, Debian, Alpine) [default: every
    /// ecosystem kvet matches]
    #[arg(long = "ecosystem", value_name = "NAME")]
    pub ecosystems: Vec<String>,
    /// Base URL of the archives, `<URL>/<Ecosystem>/all.zip` (a mirror)
    #[arg(long, value_name = "URL", env = "KVET_DB_SOURCE_URL",
          default_value = kvet_vulndb::update::DEFAULT_BASE_URL)]
    pub source_url: String,
    /// Extra attempts per archive after a network failure
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// OSV all.zip archives, folders of *.json (searched recursively), or single records
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Output format: table, json
    #[arg(short, long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
}

/// The database folder: the one named (`--db-dir`, `KVET_DB_DIR`), else the user cache folder.
pub fn db_dir(named: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    match named {
        Some(d) => Ok(d.clone()),
        None => kvet_vulndb::store::default_dir().ok_or_else(|| {
            anyhow::anyhow!(
                "no user cache folder on this system: name one with --db-dir or KVET_DB_DIR"
            )
        }),
    }
}

pub fn run(args: DbArgs) -> anyhow::Result<u8> {
    let db_path = db_dir(args.db_dir.as_ref())?.join(kvet_vulndb::DB_FILE_NAME);
    match &args.command {
        DbCommand::Update(u) => run_update(&args, u, &db_path),
        DbCommand::Import(i) => run_import(&args, i, &db_path),
        DbCommand::Status(s) => run_status(&args, s, &db_path),
    }
}

fn bar(args: &DbArgs) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        None,
        if args.quiet || args.no_progress {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn import_message(p: &import::Progress) -> String {
    match p {
        import::Progress::Source { name } => format!("reading {name}"),
        import::Progress::Records { imported, skipped } => {
            format!("imported {imported} records ({skipped} skipped)")
        }
        import::Progress::Indexing => "indexing".to_string(),
    }
}

fn run_update(args: &DbArgs, u: &UpdateArgs, db_path: &std::path::Path) -> anyhow::Result<u8> {
    let bar = bar(args);
    let progress = |p: update::Progress| match p {
        update::Progress::Download {
            ecosystem,
            done,
            total,
        } => bar.set_message(match total {
            Some(t) => format!("downloading {ecosystem}: {} of {}", mib(done), mib(t)),
            None => format!("downloading {ecosystem}: {}", mib(done)),
        }),
        update::Progress::Retry {
            ecosystem,
            attempt,
            reason,
        } => {
            if !args.quiet {
                bar.suspend(|| eprintln!("kvet: warning: {ecosystem}: {reason}; retry {attempt}"));
            }
        }
        update::Progress::Import(p) => bar.set_message(import_message(&p)),
    };
    let mut opts = update::Options {
        base_url: u.source_url.clone(),
        retries: u.retries,
        progress: Some(&progress),
        ..update::Options::default()
    };
    if !u.ecosystems.is_empty() {
        opts.ecosystems = u.ecosystems.clone();
    }
    let result = update::update(db_path, &opts);
    bar.finish_and_clear();
    let report = result?;
    summarise(args, &report.import, Some(report.downloaded_bytes));
    Ok(0)
}

fn run_import(args: &DbArgs, i: &ImportArgs, db_path: &std::path::Path) -> anyhow::Result<u8> {
    let bar = bar(args);
    let progress = |p: import::Progress| bar.set_message(import_message(&p));
    let inputs: Vec<import::Input> = i.paths.iter().map(import::Input::from_path).collect();
    let opts = import::Options {
        progress: Some(&progress),
        ..import::Options::default()
    };
    let result = import::import(db_path, &inputs, &opts);
    bar.finish_and_clear();
    summarise(args, &result?, None);
    Ok(0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn summarise(args: &DbArgs, r: &import::Report, downloaded: Option<u64>) {
    if !args.quiet {
        let bad = r.skipped + r.dropped_entries;
        if bad > 0 {
            eprintln!(
                "kvet: warning: {} malformed record(s) skipped and {} affected entr(ies) dropped; first {}:",
                r.skipped,
                r.dropped_entries,
                r.warnings.len()
            );
            for w in &r.warnings {
                eprintln!("  {w}");
            }
        }
    }
    if args.quiet {
        return;
    }
    let dl = downloaded
        .map(|b| format!(", {} downloaded", mib(b)))
        .unwrap_or_default();
    let _ = print_out(&format!(
        "Built {} from {} source(s): {} advisories ({} records read, {} skipped, {} withdrawn) in {:.1}s{dl}\n",
        r.db_path.display(),
        r.sources.len(),
        r.advisories,
        r.imported,
        r.skipped,
        r.withdrawn,
        r.elapsed.as_secs_f64()
    ));
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn print_out(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|_| o.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn run_status(args: &DbArgs, s: &StatusArgs, db_path: &std::path::Path) -> anyhow::Result<u8> {
    let format = s.format.to_ascii_lowercase();
    if format != "table" && format != "json" {
        anyhow::bail!(
            "unknown --format '{}' for kvet db status (table, json)",
            s.format
        );
    }
    let db = VulnDb::open(db_path)?;
    let st = db.status()?;
    let now = chrono::Utc::now();
    let age = st.age(now);
    let stale = matches!(
        db.check_fresh(MAX_AGE, now)?,
        kvet_vulndb::Freshness::Stale { .. }
    );
    let mut out = String::new();
    if format == "json" {
        let doc = serde_json::json!({
            "path": st.path,
            "schemaVersion": st.schema_version,
            "builtAt": st.built_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "ageSeconds": age.num_seconds(),
            "stale": stale,
            "kvetVersion": st.kvet_version,
            "sizeBytes": st.size_bytes,
            "advisories": st.advisories,
            "sources": st.sources.iter().map(|s| serde_json::json!({
                "name": s.name, "location": s.location, "records": s.records, "skipped": s.skipped,
            })).collect::<Vec<_>>(),
            "ecosystems": st.ecosystems.iter().map(|e| serde_json::json!({
                "ecosystem": e.ecosystem, "advisories": e.advisories, "entries": e.entries,
            })).collect::<Vec<_>>(),
        });
        out = serde_json::to_string_pretty(&doc)?;
        out.push('\n');
    } else {
        use std::fmt::Write;
        let _ = writeln!(
            out,
            "Database    {} ({})",
            st.path.display(),
            mib(st.size_bytes)
        );
        let _ = writeln!(out, "Schema      {}", st.schema_version);
        let _ = writeln!(
            out,
            "Built       {} ({} ago) by kvet {}",
            st.built_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            human_age(age),
            st.kvet_version
        );
        let _ = writeln!(out, "Advisories  {}", st.advisories);
        let _ = writeln!(out, "Sources");
        let w = st.sources.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in &st.sources {
            let loc = if s.location != s.name {
                format!("  {}", s.location)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:w$}  {:>8} records  {:>5} skipped{loc}",
                s.name, s.records, s.skipped
            );
        }
        let _ = writeln!(out, "Ecosystems");
        let w = st
            .ecosystems
            .iter()
            .map(|e| e.ecosystem.len())
            .max()
            .unwrap_or(0);
        for e in &st.ecosystems {
            let _ = writeln!(
                out,
                "  {:w$}  {:>8} advisories  {:>8} entries",
                e.ecosystem, e.advisories, e.entries
            );
        }
    }
    print_out(&out)?;
    if stale && !args.quiet {
        eprintln!(
            "kvet: warning: the database is {} old (more than 7 days): run `kvet db update`",
            human_age(age)
        );
    }
    Ok(0)
}

fn human_age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}
