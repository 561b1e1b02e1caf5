//! The Markdown report (for tickets, pull requests, wikis): the same sections as the table.

use super::escape::markdown as m;
use super::{headline, object_of, user_of};
use crate::report::{AuditDocument, Listed};
use std::io::{self, Write};

const LISTED: usize = 200;

fn row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    writeln!(out, "| {} |", cells.join(" | "))
}

fn header(out: &mut dyn Write, cells: &[&str]) -> io::Result<()> {
    writeln!(out, "| {} |", cells.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(cells.len()))
}

fn listed(out: &mut dyn Write, title: &str, rows: &[Listed], more: u64) -> io::Result<()> {
    let total = rows.len() as u64 + more;
    writeln!(out, "\n## {title} ({total})\n")?;
    if rows.is_empty() {
        return writeln!(out, "None.");
    }
    header(
        out,
        &[
            "time",
            "rule",
            "severity",
            "user",
            "source IP",
            "user agent",
            "verb",
            "object",
            "outcome",
            "detail",
        ],
    )?;
    for l in rows.iter().take(LISTED) {
        row(
            out,
            &[
                l.time.clone().unwrap_or_default(),
                format!("`{}`", l.rule),
                l.severity.to_string(),
                m(&user_of(l)).into_owned(),
                m(l.source_ip.as_deref().unwrap_or("")).into_owned(),
                m(l.user_agent.as_deref().unwrap_or("")).into_owned(),
                m(&l.verb).into_owned(),
                m(&object_of(l)).into_owned(),
                m(&l.outcome).into_owned(),
                m(&l.detail).into_owned(),
            ],
        )?;
    }
    let shown = rows.len().min(LISTED) as u64;
    if total > shown {
        writeln!(
            out,
            "\n… and {} more (the JSON and HTML reports list more).",
            total - shown
        )?;
    }
    Ok(())
}

pub fn render(doc: &AuditDocument, top: usize, out: &mut dyn Write) -> io::Result<()> {
    let r = &doc.report;
    writeln!(out, "# Kubernetes audit report\n")?;
    for line in headline(doc) {
        writeln!(out, "- {}", m(&line))?;
    }

    writeln!(out, "\n## Findings ({})\n", doc.findings.len())?;
    if doc.findings.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(out, &["severity", "rule", "finding"])?;
        for f in &doc.findings {
            row(
                out,
                &[
                    f.severity.to_string(),
                    format!("`{}`", f.check_id),
                    m(&f.message).into_owned(),
                ],
            )?;
        }
    }

    listed(
        out,
        "Sensitive operations",
        &r.sensitive,
        r.sensitive_not_listed,
    )?;
    listed(
        out,
        "Illegal or risky requests",
        &r.risky,
        r.risky_not_listed,
    )?;

    writeln!(
        out,
        "\n## Operations per resource and verb (top {top} of {})\n",
        r.operations.len()
    )?;
    header(out, &["resource", "verb", "requests", "refused"])?;
    for o in r.operations.iter().take(top) {
        row(
            out,
            &[
                m(&o.resource).into_owned(),
                m(&o.verb).into_owned(),
                o.requests.to_string(),
                o.refused.to_string(),
            ],
        )?;
    }

    writeln!(out, "\n## Users by kind\n")?;
    header(out, &["kind", "users", "requests"])?;
    for c in &r.user_classes {
        row(
            out,
            &[
                c.class.as_str().to_string(),
                c.users.to_string(),
                c.requests.to_string(),
            ],
        )?;
    }

    writeln!(out, "\n## Users (top {top} of {})\n", r.users.len())?;
    header(
        out,
        &[
            "user",
            "kind",
            "requests",
            "refused",
            "sensitive",
            "source IPs",
            "first",
            "last",
        ],
    )?;
    for u in r.users.iter().take(top) {
        row(
            out,
            &[
                m(&u.user).into_owned(),
                u.class.as_str().to_string(),
                u.requests.to_string(),
                u.refused.to_string(),
                u.sensitive.to_string(),
                m(&u.source_ips.join(", ")).into_owned(),
                u.first.clone().unwrap_or_default(),
                u.last.clone().unwrap_or_default(),
            ],
        )?;
    }

    if !r.namespaces.is_empty() {
        writeln!(
            out,
            "\n## Namespaces (top {top} of {})\n",
            r.namespaces.len()
        )?;
        header(out, &["namespace", "requests"])?;
        for n in r.namespaces.iter().take(top) {
            row(out, &[m(&n.namespace).into_owned(), n.requests.to_string()])?;
        }
    }

    writeln!(
        out,
        "\n## Timeline ({} s intervals)\n",
        r.timeline.interval_seconds
    )?;
    if r.timeline.buckets.is_empty() {
        writeln!(out, "No timed requests.")?;
    } else {
        header(out, &["interval start", "requests", "sensitive", "refused"])?;
        for b in &r.timeline.buckets {
            row(
                out,
                &[
                    b.start.clone(),
                    b.requests.to_string(),
                    b.sensitive.to_string(),
                    b.refused.to_string(),
                ],
            )?;
        }
    }

    writeln!(out, "\n## Rules\n")?;
    header(out, &["rule", "severity", "section", "matches", "title"])?;
    for c in &r.rules {
        let section = match c.section {
            crate::rules::Section::Sensitive => "sensitive",
            crate::rules::Section::Risky => "risky",
        };
        row(
            out,
            &[
                format!("`{}`", c.id),
                c.severity.to_string(),
                section.into(),
                c.matches.to_string(),
                c.title.to_string(),
            ],
        )?;
    }

    if !doc.notices.is_empty() {
        writeln!(out, "\n## Notices\n")?;
        for n in &doc.notices {
            writeln!(out, "- {}", m(&n.to_string()))?;
        }
    }
    Ok(())
}
