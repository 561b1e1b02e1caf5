//! The JSON report. Its shape is versioned by `schemaVersion` and described by
//! `docs/report.schema.json`; additions keep the version, changes bump it.

use crate::RenderOptions;
use kvet_core::{Control, Finding, Report};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

/// One finding, flattened so that `jq '.findings[] | .file'` just works.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsonFinding<'a> {
    check_id: &'a str,
    class: kvet_core::FindingClass,
    category: kvet_core::Category,
    severity: kvet_core::Severity,
    title: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    remediation: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [Cow<'static, str>],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    controls: &'a [Control],
    fingerprint: &'a kvet_core::Fingerprint,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        let r = f.resource.as_ref();
        JsonFinding {
            check_id: &f.check_id,
            class: f.class,
            category: f.category,
            severity: f.severity,
            title: &f.title,
            message: &f.message,
            api_version: r.map(|r| r.api_version.as_str()),
            kind: r.map(|r| r.kind.as_str()),
            namespace: r.and_then(|r| r.namespace.as_deref()),
            name: r.map(|r| r.name.as_str()),
            container: f.container.as_deref(),
            image: f.image.as_deref(),
            package: f.package.as_deref(),
            user: f.user.as_deref(),
            file: f.location.as_ref().map(|l| &*l.path),
            line: f.location.as_ref().and_then(|l| l.line),
            remediation: &f.remediation,
            references: &f.references,
            controls: &f.controls,
            fingerprint: &f.fingerprint,
        }
    }
}

#[derive(Serialize)]
struct JsonIgnored<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    reason: &'a str,
    source: &'a str,
}

/// Writes the report pretty-printed, except that each finding (and ignored finding) is one
/// compact line: large reports stay greppable, and those lines are serialised in parallel.
pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let tool = Tool {
        name: "kvet",
        version: &opts.tool_version,
    };
    writeln!(out, "{{")?;
    field(out, "schemaVersion", &JSON_SCHEMA_VERSION)?;
    field(out, "tool", &tool)?;
    field(out, "command", &report.command)?;
    field(out, "summary", &report.summary())?;
    field(out, "score", &report.score())?;
    if !report.sections.is_empty() {
        field(out, "clusters", &report.sections)?;
    }
    if !report.images.is_empty() {
        field(out, "images", &report.images)?;
    }
    lines(out, "findings", &report.findings, |f| {
        serde_json::to_vec(&JsonFinding::from(f))
    })?;
    lines(out, "ignored", &report.ignored, |i| {
        serde_json::to_vec(&JsonIgnored {
            finding: JsonFinding::from(&i.finding),
            reason: &i.reason,
            source: &i.source,
        })
    })?;
    if opts.include_passed {
        lines(out, "passed", &report.passed, serde_json::to_vec)?;
    }
    write!(out, "  \"notices\": ")?;
    indented(out, &serde_json::to_vec_pretty(&report.notices)?)?;
    writeln!(out, "\n}}")
}

/// `"name": value,` with the value pretty-printed and indented one level.
fn field<T: Serialize + ?Sized>(out: &mut dyn Write, name: &str, value: &T) -> io::Result<()> {
    write!(out, "  \"{name}\": ")?;
    indented(out, &serde_json::to_vec_pretty(value)?)?;
    writeln!(out, ",")
}

fn indented(out: &mut dyn Write, pretty: &[u8]) -> io::Result<()> {
    for (i, line) in pretty.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n  ")?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

/// `"name": [` one compact element a line `],`.
fn lines<T: Sync>(
    out: &mut dyn Write,
    name: &str,
    items: &[T],
    encode: impl Fn(&T) -> serde_json::Result<Vec<u8>> + Sync,
) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "  \"{name}\": [],");
    }
    writeln!(out, "  \"{name}\": [")?;
    // Encode in parallel a window of chunks at a time, so that memory holds a bounded slice
    // of the output rather than all of it (a 100 MB scan writes hundreds of MB of JSON).
    const CHUNK: usize = 1024;
    let window = CHUNK * 4 * rayon::current_num_threads().max(1);
    let total = items.len();
    for (w, slice) in items.chunks(window).enumerate() {
        let chunks: Vec<serde_json::Result<Vec<u8>>> = slice
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 512);
                for item in chunk {
                    buf.extend_from_slice(b"    ");
                    buf.extend_from_slice(&encode(item)?);
                    buf.extend_from_slice(b",\n");
                }
                Ok(buf)
            })
            .collect();
        let ends_all = w * window + slice.len() == total;
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let chunk = chunk?;
            if ends_all && i == last {
                // Drop the trailing ",\n" of the last element.
                out.write_all(&chunk[..chunk.len() - 2])?;
                out.write_all(b"\n")?;
            } else {
                out.write_all(&chunk)?;
            }
        }
    }
    writeln!(out, "  ],")
}
