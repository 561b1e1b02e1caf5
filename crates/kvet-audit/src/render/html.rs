//! The HTML report: one self-contained file (inline CSS, inline SVG, a few lines of inline
//! script to sort tables), readable on a phone. Every value from the log goes through
//! [`h`]; a Content-Security-Policy allows no network access and only the one script whose
//! hash it names, so even a value that escaped escaping could not run or load anything.

use super::escape::html as h;
use super::{headline, object_of, svg, user_of};
use crate::report::{AuditDocument, Listed};
use crate::rules::Section;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

const CSS: &str = r#"
:root{--fg:#1d2330;--muted:#5b6472;--bg:#fff;--line:#e3e6ea;--crit:#8b0000;--high:#c0392b;--med:#d68910;--low:#2e86c1;--req:#7f8fa6;--sens:#e67e22;--ref:#c0392b}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:16px;max-width:1400px;margin:auto}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
.muted{color:var(--muted)}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px}.card b{display:block;font-size:1.6em}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f6f8;cursor:pointer;white-space:nowrap;position:sticky;top:0}th:after{content:" \2195";color:#aab}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:600;font-size:.8em;padding:1px 6px;border-radius:4px;color:#fff}.CRITICAL{background:var(--crit)}.HIGH{background:var(--high)}.MEDIUM{background:var(--med)}.LOW{background:var(--low)}.UNKNOWN{background:#888}
.chart{width:100%;height:auto;max-height:260px}.chart .req{fill:var(--req)}.chart .sens{fill:var(--sens)}.chart .ref{fill:var(--ref)}.chart .axis{stroke:#999}.chart .lbl{font-size:11px;fill:var(--muted)}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.bar{background:var(--req);height:8px;border-radius:2px;min-width:1px}
ul.notes li{margin:.2em 0}
@media (max-width:640px){body{padding:8px;font-size:14px}th,td{padding:4px 5px}.card b{font-size:1.3em}}
"#;

/// Click a header to sort by it; numbers sort as numbers.
const JS: &str = r#"document.querySelectorAll("table.sortable th").forEach(function(th,i){th.addEventListener("click",function(){var t=th.closest("table"),b=t.tBodies[0],r=Array.from(b.rows),d=th.dataset.d==="a"?-1:1;th.dataset.d=d===1?"a":"d";r.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,p=parseFloat(a),q=parseFloat(c);if(!isNaN(p)&&!isNaN(q)&&/^-?[0-9.]+$/.test(a)&&/^-?[0-9.]+$/.test(c))return(p-q)*d;return a.localeCompare(c)*d});r.forEach(function(x){b.appendChild(x)})})});"#;

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sev(s: kvet_core::Severity) -> String {
    format!(r#"<span class="sev {s}">{s}</span>"#)
}

fn th(out: &mut dyn Write, cols: &[&str]) -> io::Result<()> {
    write!(
        out,
        r#"<div class="wrap"><table class="sortable"><thead><tr>"#
    )?;
    for c in cols {
        match c.strip_prefix('#') {
            Some(c) => write!(out, r#"<th class="n">{c}</th>"#)?,
            None => write!(out, "<th>{c}</th>")?,
        }
    }
    write!(out, "</tr></thead><tbody>")
}

fn end_table(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "</tbody></table></div>")
}

fn num(n: u64) -> String {
    format!(r#"<td class="n">{n}</td>"#)
}

fn listed(
    out: &mut dyn Write,
    id: &str,
    title: &str,
    rows: &[Listed],
    more: u64,
    doc: &AuditDocument,
) -> io::Result<()> {
    let total = rows.len() as u64 + more;
    writeln!(out, r#"<h2 id="{id}">{title} ({total})</h2>"#)?;
    if rows.is_empty() {
        return writeln!(out, "<p class=\"muted\">None.</p>");
    }
    if more > 0 {
        writeln!(
            out,
            r#"<p class="muted">The first {} are listed; {more} more were counted.</p>"#,
            rows.len()
        )?;
    }
    th(
        out,
        &[
            "Time",
            "Rule",
            "Severity",
            "User",
            "Source IP",
            "User agent",
            "Verb",
            "Object",
            "Outcome",
            "Detail",
            "Source",
        ],
    )?;
    for l in rows {
        let source = match l.line {
            Some(n) => format!("{}:{n}", doc.input_name(l.input)),
            None => doc.input_name(l.input).to_string(),
        };
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td data-v=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(l.time.as_deref().unwrap_or("")),
            h(l.rule),
            l.severity as u8,
            sev(l.severity),
            h(&user_of(l)),
            h(l.source_ip.as_deref().unwrap_or("")),
            h(l.user_agent.as_deref().unwrap_or("")),
            h(&l.verb),
            h(&object_of(l)),
            h(&l.outcome),
            h(&l.detail),
            h(&source),
        )?;
    }
    end_table(out)
}

pub fn render(doc: &AuditDocument, top: usize, out: &mut dyn Write) -> io::Result<()> {
    let r = &doc.report;
    let t = &r.totals;
    let script_hash = base64(&Sha256::digest(JS.as_bytes()));
    write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:"><title>kvet audit report</title><style>{CSS}</style></head><body>"#
    )?;
    writeln!(out, "<h1>Kubernetes audit report</h1>")?;
    for line in headline(doc) {
        writeln!(out, r#"<p class="muted">{}</p>"#, h(&line))?;
    }
    writeln!(out, r#"<div class="cards">"#)?;
    for (label, v, href) in [
        ("requests", t.requests, "#operations"),
        ("users", t.users, "#users"),
        ("sensitive operations", t.sensitive, "#sensitive"),
        ("risky requests", t.risky, "#risky"),
        ("refused (401/403)", t.refused, "#risky"),
        ("findings", doc.findings.len() as u64, "#findings"),
    ] {
        writeln!(
            out,
            r#"<a class="card" href="{href}" style="text-decoration:none;color:inherit"><b>{v}</b>{label}</a>"#
        )?;
    }
    writeln!(out, "</div>")?;

    writeln!(
        out,
        r#"<h2 id="timeline">Timeline</h2><p class="legend muted"><span><i style="background:var(--req)"></i>requests per {} s</span><span><i style="background:var(--sens)"></i>sensitive</span><span><i style="background:var(--ref)"></i>▼ refused</span></p>"#,
        r.timeline.interval_seconds
    )?;
    writeln!(out, "{}", svg::timeline(&r.timeline))?;

    writeln!(
        out,
        r#"<h2 id="findings">Findings ({}, {} ignored)</h2>"#,
        doc.findings.len(),
        doc.ignored.len()
    )?;
    if doc.findings.is_empty() {
        writeln!(out, "<p class=\"muted\">None.</p>")?;
    } else {
        th(out, &["Severity", "Rule", "Finding", "Remediation"])?;
        for f in &doc.findings {
            write!(
                out,
                "<tr><td data-v=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.severity as u8,
                sev(f.severity),
                h(&f.check_id),
                h(&f.message),
                h(&f.remediation)
            )?;
        }
        end_table(out)?;
    }

    listed(
        out,
        "sensitive",
        "Sensitive operations",
        &r.sensitive,
        r.sensitive_not_listed,
        doc,
    )?;
    listed(
        out,
        "risky",
        "Illegal or risky requests",
        &r.risky,
        r.risky_not_listed,
        doc,
    )?;

    writeln!(
        out,
        r#"<h2 id="operations">Operations per resource and verb (top {} of {})</h2>"#,
        top.min(r.operations.len()),
        r.operations.len()
    )?;
    let max = r.operations.first().map_or(1, |o| o.requests.max(1));
    th(out, &["Resource", "Verb", "#Requests", "#Refused", ""])?;
    for o in r.operations.iter().take(top) {
        write!(
            out,
            r#"<tr><td>{}</td><td>{}</td>{}{}<td style="width:30%"><div class="bar" style="width:{:.1}%"></div></td></tr>"#,
            h(&o.resource),
            h(&o.verb),
            num(o.requests),
            num(o.refused),
            o.requests as f64 * 100.0 / max as f64
        )?;
    }
    end_table(out)?;

    writeln!(out, r#"<h2 id="users">Users</h2>"#)?;
    th(out, &["Kind", "#Users", "#Requests"])?;
    for c in &r.user_classes {
        write!(
            out,
            "<tr><td>{}</td>{}{}</tr>",
            c.class.as_str(),
            num(c.users),
            num(c.requests)
        )?;
    }
    end_table(out)?;
    writeln!(
        out,
        r#"<p class="muted">Top {} of {} users.</p>"#,
        top.min(r.users.len()),
        r.users.len()
    )?;
    th(
        out,
        &[
            "User",
            "Kind",
            "#Requests",
            "#Refused",
            "#Sensitive",
            "Source IPs",
            "User agents",
            "First",
            "Last",
        ],
    )?;
    for u in r.users.iter().take(top) {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td>{}{}{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(&u.user),
            u.class.as_str(),
            num(u.requests),
            num(u.refused),
            num(u.sensitive),
            h(&u.source_ips.join(", ")),
            h(&u.user_agents.join(", ")),
            h(u.first.as_deref().unwrap_or("")),
            h(u.last.as_deref().unwrap_or("")),
        )?;
    }
    end_table(out)?;

    if !r.namespaces.is_empty() {
        writeln!(
            out,
            r#"<h2 id="namespaces">Namespaces (top {} of {})</h2>"#,
            top.min(r.namespaces.len()),
            r.namespaces.len()
        )?;
        th(out, &["Namespace", "#Requests"])?;
        for n in r.namespaces.iter().take(top) {
            write!(
                out,
                "<tr><td>{}</td>{}</tr>",
                h(&n.namespace),
                num(n.requests)
            )?;
        }
        end_table(out)?;
    }

    writeln!(out, r#"<h2 id="rules">Rules</h2>"#)?;
    th(out, &["Rule", "Severity", "Section", "#Matches", "Title"])?;
    for c in &r.rules {
        let section = match c.section {
            Section::Sensitive => "sensitive",
            Section::Risky => "risky",
        };
        write!(
            out,
            "<tr><td>{}</td><td data-v=\"{}\">{}</td><td>{section}</td>{}<td>{}</td></tr>",
            h(c.id),
            c.severity as u8,
            sev(c.severity),
            num(c.matches),
            h(c.title)
        )?;
    }
    end_table(out)?;

    writeln!(out, r#"<h2 id="inputs">Inputs</h2>"#)?;
    th(
        out,
        &[
            "Input",
            "Format",
            "#Bytes",
            "#Lines",
            "#Events",
            "#Malformed",
            "#Overlong",
            "Error",
        ],
    )?;
    for i in &r.inputs {
        write!(
            out,
            "<tr><td>{}</td><td>{}{}</td>{}{}{}{}{}<td>{}</td></tr>",
            h(&i.name),
            i.format,
            if i.gzip { ", gzip" } else { "" },
            num(i.bytes),
            num(i.lines),
            num(i.events),
            num(i.malformed),
            num(i.overlong),
            h(i.error.as_deref().unwrap_or(""))
        )?;
    }
    end_table(out)?;
    if !doc.notices.is_empty() {
        writeln!(out, r#"<h2 id="notices">Notices</h2><ul class="notes">"#)?;
        for n in &doc.notices {
            writeln!(out, "<li>{}</li>", h(&n.to_string()))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(
        out,
        r#"<p class="muted">Generated by kvet {}.</p><script>{JS}</script></body></html>"#,
        h(&doc.tool.version)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
