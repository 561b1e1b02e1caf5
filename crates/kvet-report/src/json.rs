//! The JSON report. Its shape is versioned by `schemaVersion` and described by
//! `docs/report.schema.json`; additions keep the version, changes bump it.

use crate::RenderOptions;
use kvet_core::{Control, Finding, Notice, Passed, Report};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool<'a>,
    command: &'a str,
    summary: kvet_core::Summary,
    score: kvet_core::HealthScore,
    findings: Vec<JsonFinding<'a>>,
    ignored: Vec<JsonIgnored<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<&'a [Passed]>,
    notices: &'a [Notice],
}

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
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    remediation: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [Cow<'static, str>],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    controls: &'a [Control],
    fingerprint: &'a str,
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
            file: f.location.as_ref().map(|l| l.path.as_str()),
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

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        tool: Tool {
            name: "kvet",
            version: &opts.tool_version,
        },
        command: &report.command,
        summary: report.summary(),
        score: report.score(),
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        ignored: report
            .ignored
            .iter()
            .map(|i| JsonIgnored {
                finding: JsonFinding::from(&i.finding),
                reason: &i.reason,
                source: &i.source,
            })
            .collect(),
        passed: opts.include_passed.then_some(&report.passed[..]),
        notices: &report.notices,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
