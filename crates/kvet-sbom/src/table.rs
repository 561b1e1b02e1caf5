//! The human view: one table per package kind (in the sorted order), then a summary, in the
//! style of kvet-report's finding tables.

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::{presets, Cell, ContentArrangement, Table};

use crate::ids::Entry;
use crate::{RenderOptions, Sbom};

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

/// Package databases are untrusted input: a name carrying an escape sequence must not drive
/// the user's terminal, so control characters are shown escaped (`\u{1b}`).
fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub(crate) fn render(
    sbom: &Sbom<'_>,
    entries: &[Entry<'_>],
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Entries are sorted by kind first, so each kind is one contiguous run.
    let mut groups: Vec<(&'static str, Vec<&Entry<'_>>)> = Vec::new();
    for e in entries {
        let k = e.pkg.kind.purl_type();
        match groups.last_mut() {
            Some((last, v)) if *last == k => v.push(e),
            _ => groups.push((k, vec![e])),
        }
    }
    let has_layers = entries.iter().any(|e| e.pkg.layer.is_some());
    for (kind, group) in &groups {
        let heading = format!("{kind} packages ({})", group.len());
        if opts.color {
            writeln!(out, "\x1b[1m{heading}\x1b[0m")?;
        } else {
            writeln!(out, "{heading}")?;
        }
        let mut t = new_table(opts);
        let mut header = vec!["NAME", "VERSION", "KIND", "LOCATION"];
        if has_layers {
            header.push("LAYER");
        }
        t.set_header(header);
        for e in group {
            let p = e.pkg;
            let mut row = vec![
                Cell::new(printable(&p.name)),
                Cell::new(printable(&p.full_version())),
                Cell::new(kind),
                Cell::new(printable(&p.location)),
            ];
            if has_layers {
                row.push(Cell::new(
                    p.layer
                        .as_ref()
                        .map_or(String::new(), |l| l.index.to_string()),
                ));
            }
            t.add_row(row);
        }
        writeln!(out, "{t}\n")?;
    }
    summary(sbom, &groups, out)
}

fn summary(
    sbom: &Sbom<'_>,
    groups: &[(&'static str, Vec<&Entry<'_>>)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let inv = sbom.inventory;
    writeln!(out, "Summary")?;
    writeln!(out, "  Target           {}", printable(&sbom.target.name))?;
    let d = &inv.distro;
    let distro = if d.is_unknown() {
        "unknown".to_owned()
    } else {
        match (&d.pretty, &d.version_id) {
            (Some(p), _) => format!("{p} ({})", d.purl_qualifier()),
            (None, _) => d.purl_qualifier(),
        }
    };
    writeln!(out, "  Distro           {}", printable(&distro))?;
    let by_kind: Vec<String> = groups
        .iter()
        .map(|(k, v)| format!("{k} {}", v.len()))
        .collect();
    if by_kind.is_empty() {
        writeln!(out, "  Packages         none")?;
    } else {
        let total: usize = groups.iter().map(|(_, v)| v.len()).sum();
        writeln!(out, "  Packages         {total} ({})", by_kind.join(" · "))?;
    }
    if let Some(vs) = sbom.vulnerabilities {
        writeln!(out, "  Vulnerabilities  {}", vs.len())?;
    }
    if !inv.warnings.is_empty() {
        writeln!(out, "  Warnings         {}", inv.warnings.len())?;
        // Warnings name files the user may need to look at: list them, sorted for stability.
        let mut ws: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for w in &inv.warnings {
            ws.entry(&w.location).or_default().push(&w.message);
        }
        for (loc, msgs) in ws {
            for m in msgs {
                writeln!(out, "    {}: {}", printable(loc), printable(m))?;
            }
        }
    }
    Ok(())
}
