//! SARIF 2.1.0, shaped for code-scanning UIs (GitHub, GitLab, Azure DevOps): one rule per
//! check with help text, `security-severity` for ranking, relative artifact URIs with a
//! region, a stable partial fingerprint, and ignored findings as suppressed results.

use crate::uri::path_to_uri;
use crate::RenderOptions;
use kvet_core::{CheckMeta, Finding, Report, Severity};
use serde_json::{json, Map, Value};
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
    let (title, description, remediation, example) = match meta {
        Some(m) => (m.title, m.description, m.remediation, m.example),
        None => (&*sample.title, &*sample.title, &*sample.remediation, ""),
    };
    let mut tags = vec!["security"];
    if sample.category.as_str() != "security" {
        tags.push(sample.category.as_str());
    }
    let mut markdown = format!("{description}\n\n**Remediation:** {remediation}\n");
    if !example.is_empty() {
        markdown.push_str(&format!("\n```yaml\n{example}```\n"));
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

fn result(f: &Finding, rule_index: usize, suppression: Option<(&str, &str)>) -> Value {
    let mut res = Map::new();
    res.insert("ruleId".into(), json!(f.check_id));
    res.insert("ruleIndex".into(), json!(rule_index));
    res.insert("level".into(), json!(level(f.severity)));
    let object = f.resource.as_ref().map(ToString::to_string);
    let text = match &object {
        Some(o) => format!("{} ({o})", f.message),
        None => f.message.clone(),
    };
    res.insert("message".into(), json!({ "text": text }));
    if let Some(loc) = &f.location {
        let mut physical = json!({ "artifactLocation": { "uri": path_to_uri(&loc.path) } });
        if let Some(line) = loc.line.filter(|l| *l > 0) {
            physical["region"] = json!({ "startLine": line });
        }
        let mut location = json!({ "physicalLocation": physical });
        if let Some(r) = &f.resource {
            let fqn = match &r.namespace {
                Some(ns) => format!("{ns}/{}/{}", r.kind, r.name),
                None => format!("{}/{}", r.kind, r.name),
            };
            location["logicalLocations"] =
                json!([{ "fullyQualifiedName": fqn, "kind": "resource" }]);
        }
        res.insert("locations".into(), json!([location]));
    }
    res.insert(
        "partialFingerprints".into(),
        json!({ "kvetFingerprint/v1": f.fingerprint }),
    );
    if let Some((reason, source)) = suppression {
        res.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "justification": format!("{reason} ({source})") }]),
        );
    }
    Value::Object(res)
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
        results.push(result(f, idx, suppression));
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "kvet",
                "version": opts.tool_version,
                "semanticVersion": opts.tool_version,
                "informationUri": "https://github.com/kvet-dev/kvet",
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
