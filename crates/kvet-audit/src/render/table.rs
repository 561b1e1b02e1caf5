//! The terminal report: a few headline lines, then one table per section, top entries only.

use super::escape::terminal as t;
use super::{headline, object_of, user_of};
use crate::report::{AuditDocument, Listed};
use comfy_table::{presets, ContentArrangement, Table};
use std::io::{self, Write};

/// Listed events shown per section; the rest are counted (JSON and HTML have them all).
const LISTED: usize = 50;
const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn table(header: &[&str]) -> Table {
    let mut tb = Table::new();
    tb.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    tb
}

fn listed(
    out: &mut dyn Write,
    title: &str,
    rows: &[Listed],
    more: u64,
    doc: &AuditDocument,
) -> io::Result<()> {
    let total = rows.len() as u64 + more;
    writeln!(out, "\n{title} ({total} rule matches)")?;
    if rows.is_empty() {
        return writeln!(out, "  none");
    }
    let mut tb = table(&[
        "TIME", "RULE", "SEVERITY", "USER", "SOURCE", "VERB", "OBJECT", "OUTCOME", "DETAIL",
    ]);
    for l in rows.iter().take(LISTED) {
        tb.add_row(vec![
            l.time.clone().unwrap_or_default(),
            l.rule.to_string(),
            l.severity.to_string(),
            t(&user_of(l)).into_owned(),
            t(l.source_ip.as_deref().unwrap_or("")).into_owned(),
            t(&l.verb).into_owned(),
            t(&object_of(l)).into_owned(),
            t(&l.outcome).into_owned(),
            t(&l.detail).into_owned(),
        ]);
    }
    writeln!(out, "{tb}")?;
    let shown = rows.len().min(LISTED) as u64;
    if total > shown {
        writeln!(
            out,
            "  … {} more; `--format html` or `--format json` lists {} of them (first input: {}).",
            total - shown,
            rows.len() as u64 - shown,
            t(doc.input_name(0))
        )?;
    }
    Ok(())
}

pub fn render(doc: &AuditDocument, top: usize, out: &mut dyn Write) -> io::Result<()> {
    let r = &doc.report;
    for line in headline(doc) {
        writeln!(out, "{}", t(&line))?;
    }

    if !r.timeline.buckets.is_empty() {
        let max = r
            .timeline
            .buckets
            .iter()
            .map(|b| b.requests)
            .max()
            .unwrap_or(1)
            .max(1);
        let spark: String = r
            .timeline
            .buckets
            .iter()
            .take(120)
            .map(|b| SPARK[((b.requests * 7).div_ceil(max)) as usize % 8])
            .collect();
        writeln!(
            out,
            "\nTimeline ({} s per column, busiest {} requests): {spark}",
            r.timeline.interval_seconds, max
        )?;
    }

    writeln!(
        out,
        "\nFindings ({}, {} ignored)",
        doc.findings.len(),
        doc.ignored.len()
    )?;
    if doc.findings.is_empty() {
        writeln!(out, "  none")?;
    } else {
        let mut tb = table(&["SEVERITY", "RULE", "FINDING"]);
        for f in &doc.findings {
            tb.add_row(vec![
                f.severity.to_string(),
                f.check_id.to_string(),
                t(&f.message).into_owned(),
            ]);
        }
        writeln!(out, "{tb}")?;
    }

    listed(
        out,
        "Sensitive operations",
        &r.sensitive,
        r.sensitive_not_listed,
        doc,
    )?;
    listed(
        out,
        "Illegal or risky requests",
        &r.risky,
        r.risky_not_listed,
        doc,
    )?;

    writeln!(
        out,
        "\nOperations per resource and verb (top {top} of {})",
        r.operations.len()
    )?;
    let mut tb = table(&["RESOURCE", "VERB", "REQUESTS", "REFUSED"]);
    for o in r.operations.iter().take(top) {
        tb.add_row(vec![
            t(&o.resource).into_owned(),
            t(&o.verb).into_owned(),
            o.requests.to_string(),
            o.refused.to_string(),
        ]);
    }
    writeln!(out, "{tb}")?;

    writeln!(out, "\nUsers by kind")?;
    let mut tb = table(&["KIND", "USERS", "REQUESTS"]);
    for c in &r.user_classes {
        tb.add_row(vec![
            c.class.as_str().to_string(),
            c.users.to_string(),
            c.requests.to_string(),
        ]);
    }
    writeln!(out, "{tb}")?;

    writeln!(out, "\nUsers (top {top} of {})", r.users.len())?;
    let mut tb = table(&[
        "USER",
        "KIND",
        "REQUESTS",
        "REFUSED",
        "SENSITIVE",
        "SOURCE IPS",
    ]);
    for u in r.users.iter().take(top) {
        tb.add_row(vec![
            t(&u.user).into_owned(),
            u.class.as_str().to_string(),
            u.requests.to_string(),
            u.refused.to_string(),
            u.sensitive.to_string(),
            t(&u.source_ips.join(", ")).into_owned(),
        ]);
    }
    writeln!(out, "{tb}")?;

    if !r.namespaces.is_empty() {
        writeln!(out, "\nNamespaces (top {top} of {})", r.namespaces.len())?;
        let mut tb = table(&["NAMESPACE", "REQUESTS"]);
        for n in r.namespaces.iter().take(top) {
            tb.add_row(vec![t(&n.namespace).into_owned(), n.requests.to_string()]);
        }
        writeln!(out, "{tb}")?;
    }

    let matched: Vec<_> = r.rules.iter().filter(|c| c.matches > 0).collect();
    writeln!(
        out,
        "\nRules matched ({} of {})",
        matched.len(),
        r.rules.len()
    )?;
    if !matched.is_empty() {
        let mut tb = table(&["RULE", "SEVERITY", "MATCHES", "TITLE"]);
        for c in matched {
            tb.add_row(vec![
                c.id.to_string(),
                c.severity.to_string(),
                c.matches.to_string(),
                c.title.to_string(),
            ]);
        }
        writeln!(out, "{tb}")?;
    }
    Ok(())
}
