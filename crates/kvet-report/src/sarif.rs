//! SARIF 2.1.0, shaped for code-scanning UIs (GitHub, GitLab, Azure DevOps): one rule per
//! check with help text, `security-severity` for ranking, relative artifact URIs with a
//! region, a stable partial fingerprint, and ignored findings as suppressed results.

use crate::uri::path_to_uri;
use crate::RenderOptions;
use kvet_core::{CheckMeta, Finding, Report, Severity};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// GitHub ranks alerts by this CVSS-like number: ≥9 critical, ≥7 high, ≥4 medium.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Unknown => "0.0",
    }
}

fn rule(id: &str, meta: Option<&CheckMeta>, sample: &Finding) -> Value {
    let (title, description, remediation, example, language) = match meta {
        Some(m) => (
            m.title,
            m.description,
            m.remediation,
            m.example,
            m.example_language(),
        ),
        None => (
            &*sample.title,
            &*sample.title,
            &*sample.remediation,
            "",
            "yaml",
        ),
    };
    let mut tags = vec!["security"];
    if sample.category.as_str() != "security" {
        tags.push(sample.category.as_str());
    }
    let mut markdown = format!("{description}\n\n**Remediation:** {remediation}\n");
    if !example.is_empty() {
        markdown.push_str(&format!("\n```{language}\n{example}```\n"));
    }
    let mut r = json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": title },
        "fullDescription": { "text": description },
        "help": {
            "text": format!("{description}\n\nRemediation: {remediation}"),
            "markdown": markdown,
        },
        "defaultConfiguration": { "level": level(sample.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(sample.severity),
            "precision": "very-high",
        },
    });
    if let Some(uri) = meta.and_then(|m| m.references.first()) {
        r["helpUri"] = json!(uri);
    }
    r
}

/// Results are serialised straight from the findings (no intermediate JSON tree), so memory
/// stays flat however many there are.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    /// Only on findings about core-component images (`kvet cluster --scanners vuln`).
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Value>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<Value>,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "kvetFingerprint/v1")]
    v1: &'a kvet_core::Fingerprint,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

fn result<'a>(
    f: &'a Finding,
    rule_index: usize,
    suppression: Option<(&str, &str)>,
    core: &BTreeMap<&str, &str>,
) -> SarifResult<'a> {
    let text = match &f.resource {
        Some(o) => format!("{} ({o})", f.message),
        None => f.message.clone(),
    };
    let locations = f
        .location
        .iter()
        .map(|loc| {
            let mut physical = json!({ "artifactLocation": { "uri": path_to_uri(&loc.path) } });
            if let Some(line) = loc.line.filter(|l| *l > 0) {
                physical["region"] = json!({ "startLine": line });
            }
            let logical = f.resource.as_ref().map(|r| {
                let fqn = match &r.namespace {
                    Some(ns) => format!("{ns}/{}/{}", r.kind, r.name),
                    None => format!("{}/{}", r.kind, r.name),
                };
                json!([{ "fullyQualifiedName": fqn, "kind": "resource" }])
            });
            SarifLocation {
                physical_location: physical,
                logical_locations: logical,
            }
        })
        .collect();
    SarifResult {
        rule_id: &f.check_id,
        rule_index,
        level: level(f.severity),
        message: Text { text },
        locations,
        partial_fingerprints: Fingerprints { v1: &f.fingerprint },
        suppressions: suppression
            .map(|(reason, source)| Suppression {
                kind: "external",
                justification: format!("{reason} ({source})"),
            })
            .into_iter()
            .collect(),
        properties: f
            .image
            .as_deref()
            .and_then(|i| core.get(i).map(|role| (i, role)))
            .map(|(image, role)| json!({ "image": image, "coreComponent": role })),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    results: Results<'a>,
    column_kind: &'static str,
}

/// Findings (kept and suppressed) with their rule index, turned into SARIF results one at a
/// time while writing.
struct Results<'a>(Vec<Entry<'a>>, BTreeMap<&'a str, &'a str>);

/// A finding, its rule's index, and (reason, source) when it is suppressed.
type Entry<'a> = (&'a Finding, usize, Option<(&'a str, &'a str)>);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .iter()
                .map(|(f, idx, sup)| result(f, *idx, *sup, &self.1)),
        )
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let metas: BTreeMap<&str, &CheckMeta> = report.rules.iter().map(|m| (m.id, *m)).collect();
    let all = report.findings.iter().map(|f| (f, None)).chain(
        report
            .ignored
            .iter()
            .map(|i| (&i.finding, Some((i.reason.as_str(), i.source.as_str())))),
    );
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for (f, suppression) in all {
        let idx = *rule_index.entry(&f.check_id).or_insert_with(|| {
            rules.push(rule(&f.check_id, metas.get(&*f.check_id).copied(), f));
            rules.len() - 1
        });
        results.push((f, idx, suppression));
    }
    // Image name (as workloads write it) → core-component role.
    let core: BTreeMap<&str, &str> = report
        .images
        .iter()
        .filter_map(|i| Some((i, i.core_component.as_deref()?)))
        .flat_map(|(i, role)| i.names.iter().map(move |n| (n.as_str(), role)))
        .collect();
    let doc = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: json!({ "driver": {
                "name": "kvet",
                "version": opts.tool_version,
                "semanticVersion": opts.tool_version,
                "informationUri": "https://github.com/kvet-dev/kvet",
                "rules": rules,
            }}),
            results: Results(results, core),
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
