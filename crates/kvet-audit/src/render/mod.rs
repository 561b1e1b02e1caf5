//! The audit report's output formats. Renderers show an [`AuditDocument`]; they never
//! filter or judge (that happened before).

mod escape;
mod html;
mod json;
mod markdown;
mod svg;
mod table;

use crate::report::AuditDocument;
use crate::AuditError;
use std::io::{self, Write};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Html,
}

impl FromStr for Format {
    type Err = AuditError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(AuditError::UnknownFormat(s.to_string())),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Rows shown per "top" table (operations, users, namespaces) in table, Markdown and HTML;
    /// JSON always has every counted row.
    pub top: usize,
}

pub fn render(
    doc: &AuditDocument,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let top = if opts.top == 0 { 15 } else { opts.top };
    match format {
        Format::Table => table::render(doc, top, out),
        Format::Json => json::render(doc, out),
        Format::Markdown => markdown::render(doc, top, out),
        Format::Html => html::render(doc, top, out),
    }
}

/// The few lines every human-readable format starts with (raw text: escape per format).
fn headline(doc: &AuditDocument) -> Vec<String> {
    let r = &doc.report;
    let t = &r.totals;
    let mut lines = vec![format!(
        "kvet audit: {} requests by {} users from {} events in {} input(s) ({} duplicate stages merged, {} events filtered out)",
        t.requests,
        t.users,
        t.events_read,
        r.inputs.len(),
        t.duplicate_stages,
        t.filtered_out
    )];
    if let (Some(a), Some(b)) = (&t.first, &t.last) {
        lines.push(format!("Period: {a} to {b}"));
    }
    let f = &r.filters;
    let mut shown = Vec::new();
    for (k, v) in [
        ("since", &f.since),
        ("until", &f.until),
        ("user", &f.user),
        ("namespace", &f.namespace),
    ] {
        if let Some(v) = v {
            shown.push(format!("{k} {v}"));
        }
    }
    if !shown.is_empty() {
        lines.push(format!("Filters: {}", shown.join(", ")));
    }
    lines.push(format!(
        "Sensitive operations: {}   Risky requests: {}   Refused (401/403): {}   Findings: {} ({} ignored)",
        t.sensitive,
        t.risky,
        t.refused,
        doc.findings.len(),
        doc.ignored.len()
    ));
    let malformed: u64 = r.inputs.iter().map(|i| i.malformed + i.overlong).sum();
    let errors = r.inputs.iter().filter(|i| i.error.is_some()).count();
    if malformed > 0 || errors > 0 {
        lines.push(format!(
            "Unreadable: {malformed} malformed or overlong lines skipped, {errors} input(s) not read to the end (see the notices)"
        ));
    }
    lines
}

/// `bob (as bob, by system:admin)` for impersonation, else the user.
fn user_of(l: &crate::report::Listed) -> String {
    match &l.impersonated_by {
        Some(by) => format!("{} (impersonated by {by})", l.user),
        None => l.user.clone(),
    }
}

/// `pods/exec default/web-1`, `namespaces foo`, `/healthz`.
fn object_of(l: &crate::report::Listed) -> String {
    match (&l.namespace, &l.name) {
        (Some(ns), Some(n)) => format!("{} {ns}/{n}", l.resource),
        (Some(ns), None) => format!("{} in {ns}", l.resource),
        (None, Some(n)) => format!("{} {n}", l.resource),
        (None, None) => l.resource.clone(),
    }
}
