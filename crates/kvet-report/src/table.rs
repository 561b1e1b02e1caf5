//! The human view: findings grouped by object, then ignored findings, then the summary with
//! the health score.

use crate::RenderOptions;
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use kvet_core::{Finding, Report, Severity};
use std::collections::BTreeMap;
use std::io::{self, Write};

fn color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Unknown => Color::Grey,
    }
}

fn new_table(opts: &RenderOptions) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if opts.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn object_heading(f: &Finding) -> String {
    let loc = f.location.as_ref().map(|l| &*l.path).unwrap_or("");
    match &f.resource {
        Some(r) => format!("{loc} · {r}"),
        None => loc.to_string(),
    }
}

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    // Group by (file, object) keeping the report's order (file, then line). Findings of one
    // object need not be adjacent: a cluster's findings share one location and are sorted by
    // check first, so each heading collects its findings wherever they are.
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in &report.findings {
        let h = object_heading(f);
        match groups.last_mut() {
            Some((last, v)) if *last == h => v.push(f),
            _ => match index.get(&h) {
                Some(&i) => groups[i].1.push(f),
                None => {
                    index.insert(h.clone(), groups.len());
                    groups.push((h, vec![f]));
                }
            },
        }
    }
    for (heading, findings) in &groups {
        let title = if opts.color {
            format!("\x1b[1m{heading}\x1b[0m")
        } else {
            heading.clone()
        };
        writeln!(out, "{title}")?;
        let mut t = new_table(opts);
        t.set_header(["SEVERITY", "CHECK", "LINE", "CONTAINER", "MESSAGE"]);
        for f in findings {
            let line = f
                .location
                .as_ref()
                .and_then(|l| l.line)
                .map_or(String::new(), |l| l.to_string());
            t.add_row(vec![
                Cell::new(f.severity)
                    .fg(color(f.severity))
                    .add_attribute(Attribute::Bold),
                Cell::new(&f.check_id),
                Cell::new(line),
                Cell::new(f.container.as_deref().unwrap_or("")),
                Cell::new(&f.message),
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    if !report.ignored.is_empty() {
        writeln!(out, "Ignored findings ({}):", report.ignored.len())?;
        let mut t = new_table(opts);
        t.set_header(["CHECK", "OBJECT", "REASON", "BY"]);
        for i in &report.ignored {
            let f = &i.finding;
            // Findings without an object (Dockerfiles, files) are named by their location.
            let obj = match (&f.resource, &f.location) {
                (Some(r), _) => r.to_string(),
                (None, Some(l)) => l.to_string(),
                (None, None) => String::new(),
            };
            t.add_row(vec![
                Cell::new(&f.check_id),
                Cell::new(obj),
                Cell::new(&i.reason),
                Cell::new(&i.source),
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    if !report.images.is_empty() {
        images(report, opts, out)?;
    }
    summary(report, out)
}

/// Marks core components in the image list, so that a vulnerable kube-apiserver or registry
/// stands out from application images.
const CORE_MARKER: &str = "⚑ core";

fn images(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Images ({}):", report.images.len())?;
    let mut t = new_table(opts);
    t.set_header([
        "IMAGE",
        "DIGEST",
        "OS",
        "PACKAGES",
        "VULNERABILITIES",
        "WORKLOADS",
        "CORE",
    ]);
    for i in &report.images {
        let digest = i
            .digest
            .as_deref()
            .map(|d| d.strip_prefix("sha256:").unwrap_or(d))
            .map(|h| h.get(..12).unwrap_or(h).to_string())
            .unwrap_or_default();
        let vulns = match &i.error {
            Some(e) => format!("not scanned: {e}"),
            None if i.vulnerabilities.is_empty() => "none".to_string(),
            None => Severity::ALL
                .iter()
                .filter_map(|s| i.vulnerabilities.get(s).map(|n| format!("{s} {n}")))
                .collect::<Vec<_>>()
                .join(" · "),
        };
        let core = i
            .core_component
            .as_deref()
            .map(|r| format!("{CORE_MARKER} ({r})"))
            .unwrap_or_default();
        let mut core_cell = Cell::new(core);
        if i.core_component.is_some() {
            core_cell = core_cell.add_attribute(Attribute::Bold);
        }
        t.add_row(vec![
            Cell::new(i.names.join("\n")),
            Cell::new(digest),
            Cell::new(i.os.as_deref().unwrap_or("")),
            Cell::new(if i.error.is_some() {
                String::new()
            } else {
                i.packages.to_string()
            }),
            Cell::new(vulns),
            Cell::new(i.workloads.join("\n")),
            core_cell,
        ]);
    }
    writeln!(out, "{t}\n")
}

fn summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let score = report.score();
    writeln!(out, "Summary")?;
    writeln!(
        out,
        "  Scanned       {} resources in {} files",
        s.resources, s.files
    )?;
    let by_sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| s.by_severity.get(sev).map(|n| format!("{sev} {n}")))
        .collect();
    if s.findings == 0 {
        writeln!(out, "  Findings      none")?;
    } else {
        writeln!(
            out,
            "  Findings      {} ({})",
            s.findings,
            by_sev.join(" · ")
        )?;
        let by_cat: Vec<String> = s
            .by_category
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "  By category   {}", by_cat.join(" · "))?;
    }
    if s.ignored > 0 {
        writeln!(out, "  Ignored       {}", s.ignored)?;
    }
    writeln!(
        out,
        "  Evaluations   {} passed, {} failed",
        s.passed, s.failed
    )?;
    let cats: BTreeMap<_, _> = score.by_category.iter().collect();
    let cats: Vec<String> = cats.iter().map(|(c, v)| format!("{c} {v:.1}")).collect();
    if cats.is_empty() {
        writeln!(out, "  Health score  {:.1}/100", score.overall)?;
    } else {
        writeln!(
            out,
            "  Health score  {:.1}/100 ({})",
            score.overall,
            cats.join(" · ")
        )?;
    }
    if s.errors > 0 {
        writeln!(out, "  Input errors  {} (see messages above)", s.errors)?;
    }
    if !report.images.is_empty() {
        let failed = report.images.iter().filter(|i| i.error.is_some()).count();
        let core = report
            .images
            .iter()
            .filter(|i| i.core_component.is_some())
            .count();
        writeln!(
            out,
            "  Images        {} scanned, {failed} failed, {core} core components",
            report.images.len() - failed
        )?;
    }
    for c in &report.sections {
        let version = c.version.as_deref().unwrap_or("version unknown");
        let score = c.score.as_ref().map_or(100.0, |s| s.overall);
        writeln!(
            out,
            "  Cluster {}  {} ({version}): {} resources, {} findings, health score {score:.1}/100",
            c.name, c.server, c.resources, c.findings
        )?;
        for n in &c.not_collected {
            writeln!(out, "    not collected: {n}")?;
        }
    }
    Ok(())
}
