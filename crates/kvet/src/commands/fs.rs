//! `kvet fs`: secrets in any text file under a folder (and, with `--scanners misconfig`,
//! the config scan of the same folder).
//!
//! This is a collector: it walks, skips what is not worth reading, reads files in parallel
//! and hands their bytes to the pure scanner.

use super::{config, output, Scanners};
use crate::cli::FsArgs;
use kvet_core::{Finding, Notice, NoticeLevel};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Folders never entered: version control, dependency trees and caches that hold other
/// people's files (and their test keys), not yours.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "__pycache__",
    ".venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".gradle",
    ".terraform",
    ".cache",
];

/// Files never read: lock files (hashes that look like keys), minified bundles and source
/// maps (long high-entropy lines), and formats that are binary by extension.
const SKIPPED_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.sum",
    "Cargo.lock",
    "composer.lock",
    "Gemfile.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
];
const SKIPPED_SUFFIXES: &[&str] = &[
    ".min.js", ".min.css", ".map", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp",
    ".tif", ".tiff", ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar",
    ".war", ".ear", ".class", ".so", ".dylib", ".dll", ".exe", ".o", ".a", ".bin", ".woff",
    ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov", ".avi", ".wasm", ".pyc", ".deb",
    ".rpm", ".apk", ".iso", ".img", ".sqlite", ".db",
];

fn skipped_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SKIPPED_NAMES.contains(&name) || SKIPPED_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Files to read under the arguments (files given explicitly are always read).
fn walk(paths: &[PathBuf], notices: &mut Vec<Notice>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for arg in paths {
        let walker = walkdir::WalkDir::new(arg)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if e.depth() == 0 || !skipped_name(&e.file_name().to_string_lossy()) {
                        out.push(e.into_path());
                    }
                }
                Ok(_) => {}
                Err(e) => notices.push(Notice {
                    level: NoticeLevel::Error,
                    path: Some(e.path().unwrap_or(arg).display().to_string()),
                    line: None,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
    }
    out.sort();
    out
}

enum Scanned {
    Findings(Vec<Finding>),
    Skipped,
    Failed(Notice),
}

fn scan_file(path: &Path, max: u64, scanner: &kvet_secrets::Scanner) -> Scanned {
    let name = path.display().to_string();
    if scanner.path_allowed(&name) {
        return Scanned::Skipped;
    }
    let mut buf = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut buf));
    if let Err(e) = read {
        return Scanned::Failed(Notice {
            level: NoticeLevel::Error,
            path: Some(name),
            line: None,
            message: format!("cannot read: {e}"),
        });
    }
    if buf.len() as u64 > max || kvet_secrets::is_binary(&buf) {
        return Scanned::Skipped;
    }
    Scanned::Findings(scanner.scan_bytes(&name, &buf))
}

pub fn run(args: FsArgs) -> anyhow::Result<u8> {
    let prepared = output::prepare(&args.report)?;
    let scanners = Scanners::parse(&args.scanners)?;
    let only = super::only_checks(args.checks.as_deref())?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    // The config scan's secret part would repeat what the file scan finds.
    let mut collected = if scanners.misconfig {
        let misconfig_only = Scanners {
            misconfig: true,
            secret: false,
        };
        config::collect(
            &paths,
            &prepared,
            &only,
            misconfig_only,
            args.report.include_passed,
        )
    } else {
        config::Collected::default()
    };
    if scanners.secret {
        let mut notices = Vec::new();
        let files = walk(&paths, &mut notices);
        let max = args.max_file_size.saturating_mul(1 << 20);
        let results: Vec<Scanned> = files
            .par_iter()
            .map(|p| scan_file(p, max, &prepared.secrets))
            .collect();
        let mut skipped = 0usize;
        let mut scanned = 0usize;
        for r in results {
            match r {
                Scanned::Findings(f) => {
                    scanned += 1;
                    collected.part.findings.extend(f);
                }
                Scanned::Skipped => skipped += 1,
                Scanned::Failed(n) => notices.push(n),
            }
        }
        if skipped > 0 {
            notices.push(Notice {
                level: NoticeLevel::Info,
                path: None,
                line: None,
                message: format!(
                    "{skipped} binary, allow-listed or larger than {} MiB files were not scanned for secrets",
                    args.max_file_size
                ),
            });
        }
        collected.errors += notices
            .iter()
            .filter(|n| n.level == NoticeLevel::Error)
            .count();
        collected.notices.extend(notices);
        collected.files = collected.files.max(scanned);
    }
    let report = collected.into_report("fs");
    output::finish(report, &args.report, prepared, !args.skip_invalid)
}
