//! `kvet audit`: Kubernetes API-server audit logs turned into an audit report.
//!
//! The crate is split so that each part can be tested alone:
//! - [`event`] parses one audit event (v1 / v1beta1) into a compact [`Event`];
//! - [`reader`] streams events from files, gzip and stdin, merged in time order, and counts
//!   what it could not read (the only module doing I/O);
//! - [`rules`] holds the audit rules, which are data (`rules.yaml`);
//! - [`analysis`] deduplicates stages, applies rules and aggregates the report (pure);
//! - [`report`] is the report's data, and [`render`] turns it into table, JSON, Markdown or HTML.

pub mod analysis;
pub mod event;
pub mod reader;
pub mod render;
pub mod report;
pub mod rules;
mod scan;

pub use analysis::{input_notices, Analysis, Analyzer, Filters, Options};
pub use event::{parse_time, Event};
pub use reader::{EventReader, Input, InputStats, Limits};
pub use render::{render, Format, RenderOptions};
pub use report::{AuditDocument, AuditReport};

/// Everything that can go wrong in this crate that is the caller's to report.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("bad time '{0}': use RFC 3339, e.g. 2026-11-01T00:00:00Z")]
    BadTime(String),
    #[error("unknown format '{0}' for `kvet audit` (table, json, markdown, html)")]
    UnknownFormat(String),
}

/// Parses a `--since`/`--until` value (RFC 3339) to microseconds since the epoch.
pub fn parse_bound(s: &str) -> Result<i64, AuditError> {
    parse_time(s.trim()).ok_or_else(|| AuditError::BadTime(s.to_string()))
}

/// Reads every input and analyses it: the one place where reading and analysing meet. The
/// returned analysis carries the input statistics in its report and their notices (malformed
/// lines, truncated gzip) first in its notices.
pub fn analyse(inputs: &[Input], limits: Limits, opts: Options, filters: Filters) -> Analysis {
    let mut reader = EventReader::new(inputs, limits);
    let mut analyzer = Analyzer::new(opts, filters);
    for e in reader.by_ref() {
        analyzer.push(e);
    }
    let stats = reader.into_stats();
    let mut notices = input_notices(&stats, limits);
    let mut analysis = analyzer.finish(stats);
    notices.append(&mut analysis.notices);
    analysis.notices = notices;
    analysis
}
