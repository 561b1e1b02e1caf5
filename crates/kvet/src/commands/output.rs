//! What every scanning command does after analysis: whitelist, filter, render, exit code.

use crate::cli::ReportArgs;
use crate::EXIT_INPUT_ERROR;
use anyhow::Context;
use kvet_checks::Settings;
use kvet_core::{IgnoreFile, NoticeLevel, Report, Severity};
use kvet_report::{Format, RenderOptions};
use rayon::slice::ParallelSliceMut;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

const DEFAULT_IGNOREFILE: &str = ".kvetignore.yaml";
const DEFAULT_CONFIG: &str = "kvet.yaml";

/// Settings read before scanning, so a bad flag or file fails fast.
pub struct Prepared {
    pub settings: Settings,
    /// The secret scanner built from the settings' `secrets:` section.
    pub secrets: kvet_secrets::Scanner,
    pub ignore: IgnoreFile,
    pub severities: Vec<Severity>,
    format: Format,
}

/// An explicitly named file must exist; the default one is used only if present.
fn chosen(explicit: &Option<PathBuf>, default: &str) -> Option<PathBuf> {
    explicit
        .clone()
        .or_else(|| Path::new(default).is_file().then(|| PathBuf::from(default)))
}

/// The whitelist `kvet config` would use: `--ignorefile`, else `.kvetignore.yaml` if present.
pub fn load_ignorefile(explicit: &Option<PathBuf>) -> anyhow::Result<IgnoreFile> {
    Ok(match chosen(explicit, DEFAULT_IGNOREFILE) {
        Some(p) => IgnoreFile::load(&p)?,
        None => IgnoreFile::default(),
    })
}

/// Prints notices to standard error as every command does (only errors with `--quiet`).
pub fn print_notices(notices: &[kvet_core::Notice], quiet: bool) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for n in notices {
        if n.level == NoticeLevel::Error || !quiet {
            let _ = writeln!(err, "kvet: {}: {n}", level_word(n.level));
        }
    }
}

/// Writes a rendered report to FILE or standard output; a closed pipe is not an error.
pub fn write_report(
    output: &Option<PathBuf>,
    render: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            render(&mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            if let Err(e) = render(&mut w).and_then(|()| w.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("cannot write the report");
                }
            }
        }
    }
    Ok(())
}

pub fn prepare(args: &ReportArgs) -> anyhow::Result<Prepared> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let severities = match &args.severity {
        Some(s) => Severity::parse_list(s).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    let settings = match chosen(&args.config, DEFAULT_CONFIG) {
        Some(p) => Settings::load_with(&p, &super::known_check)?,
        None => Settings::default(),
    };
    let ignore = match chosen(&args.ignorefile, DEFAULT_IGNOREFILE) {
        Some(p) => IgnoreFile::load(&p)?,
        None => IgnoreFile::default(),
    };
    let secrets = kvet_secrets::Scanner::new(&settings.secrets)?;
    Ok(Prepared {
        secrets,
        settings,
        ignore,
        severities,
        format,
    })
}

/// Applies the whitelist and severity filter, prints notices, writes the report, and returns
/// the exit code: 2 for input errors (unless `errors_fatal` is false), else `--exit-code` when
/// findings remain, else 0.
pub fn finish(
    mut report: Report,
    args: &ReportArgs,
    prepared: Prepared,
    errors_fatal: bool,
) -> anyhow::Result<u8> {
    let findings = std::mem::take(&mut report.findings);
    let (kept, ignored, notices) = prepared.ignore.apply(findings, chrono::Utc::now());
    report.findings = kept;
    report.ignored.extend(ignored);
    report.notices.extend(notices);
    report.count_failures();
    report.retain_severities(&prepared.severities);
    // Compared in place (no key vector, no allocation): the message breaks ties so that the
    // unstable sort still gives one order for one input.
    let order = |a: &kvet_core::Finding, b: &kvet_core::Finding| {
        (&a.location, &a.check_id, &a.container, &a.message).cmp(&(
            &b.location,
            &b.check_id,
            &b.container,
            &b.message,
        ))
    };
    // On the rayon pool: this sort is on the serial tail of every large scan.
    report.findings.par_sort_unstable_by(order);
    report
        .ignored
        .sort_unstable_by(|a, b| order(&a.finding, &b.finding));

    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for n in &report.notices {
        if n.level == NoticeLevel::Error || !args.quiet {
            let _ = writeln!(err, "kvet: {}: {n}", level_word(n.level));
        }
    }

    let color = prepared.format == Format::Table
        && args.output.is_none()
        && !args.no_color
        && stdout_is_terminal();
    let opts = RenderOptions {
        color,
        include_passed: args.include_passed,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            kvet_report::render(&report, prepared.format, &opts, &mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            let res = kvet_report::render(&report, prepared.format, &opts, &mut w)
                .and_then(|()| w.flush());
            // A closed pipe (`kvet … | head`) is not an error worth reporting.
            if let Err(e) = res {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("cannot write the report");
                }
            }
        }
    }
    Ok(if errors_fatal && report.errors > 0 {
        EXIT_INPUT_ERROR
    } else if !report.findings.is_empty() {
        args.exit_code
    } else {
        0
    })
}

fn level_word(l: NoticeLevel) -> &'static str {
    match l {
        NoticeLevel::Info => "notice",
        NoticeLevel::Warning => "warning",
        NoticeLevel::Error => "error",
    }
}

/// Whether colours may be used on standard output: a terminal, and `NO_COLOR` unset.
pub fn stdout_is_terminal() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}
