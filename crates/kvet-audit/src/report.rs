//! The audit report's data: what the analyser hands to the renderers. Plain serialisable
//! structs, so the JSON output is this module and `docs/audit-report.schema.json` describes it.

use crate::reader::InputStats;
use crate::rules::{Section, UserClass};
use kvet_core::{Finding, Ignored, Notice, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the JSON audit document; additions keep it, changes bump it.
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

/// Everything counted, before any rendering choice of "top N".
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub totals: Totals,
    pub filters: FiltersShown,
    pub inputs: Vec<InputStats>,
    /// Requests per resource (and subresource) and verb, most requested first.
    pub operations: Vec<OpRow>,
    /// Users and requests per class: human, serviceaccount, system, anonymous.
    pub user_classes: Vec<ClassRow>,
    /// Requests per effective user, most active first.
    pub users: Vec<UserRow>,
    pub namespaces: Vec<NamespaceRow>,
    /// Sensitive operations one by one, in the order they happened (capped).
    pub sensitive: Vec<Listed>,
    /// Sensitive operations beyond the cap, counted only.
    pub sensitive_not_listed: u64,
    /// Illegal or risky requests one by one (capped).
    pub risky: Vec<Listed>,
    pub risky_not_listed: u64,
    /// Matches per audit rule (every rule, in catalogue order).
    pub rules: Vec<RuleCount>,
    pub timeline: Timeline,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Events read from the inputs, every stage counted.
    pub events_read: u64,
    /// Stages merged into another event of the same request (same `auditID`).
    pub duplicate_stages: u64,
    /// Events left out by `--since`, `--until`, `--user`, `--namespace`.
    pub filtered_out: u64,
    /// Distinct requests analysed.
    pub requests: u64,
    /// Requests refused with 401 or 403.
    pub refused: u64,
    /// Requests that matched at least one sensitive-operation rule.
    pub sensitive: u64,
    /// Requests that matched at least one risky-request rule (bursts count once each).
    pub risky: u64,
    pub users: u64,
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FiltersShown {
    pub since: Option<String>,
    pub until: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpRow {
    pub resource: String,
    pub verb: String,
    pub requests: u64,
    pub refused: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassRow {
    pub class: UserClass,
    pub users: u64,
    pub requests: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    pub user: String,
    pub class: UserClass,
    pub requests: u64,
    pub refused: u64,
    pub sensitive: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// The first addresses and clients seen for this user (bounded).
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespaceRow {
    pub namespace: String,
    pub requests: u64,
}

/// One request that matched a rule, with everything an administrator asks first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    pub time: Option<String>,
    pub rule: &'static str,
    pub severity: Severity,
    /// The effective user (the impersonated one, if any).
    pub user: String,
    pub impersonated_by: Option<String>,
    pub user_class: UserClass,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub verb: String,
    /// `resource[/subresource]`, or the path of a non-resource URL.
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub code: Option<u16>,
    /// `allowed (201)`, `refused (403)`, `error (500)` or `unknown`.
    pub outcome: String,
    /// What is specific to the match: the command run, the privileged container, …
    pub detail: String,
    /// Index into `inputs`.
    pub input: u32,
    pub line: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub section: Section,
    pub matches: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub interval_seconds: i64,
    /// Non-empty intervals in time order.
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub start: String,
    pub requests: u64,
    pub sensitive: u64,
    pub refused: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: String,
}

/// Findings after whitelisting and the severity filter, tallied.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingSummary {
    pub findings: usize,
    pub ignored: usize,
    pub by_severity: BTreeMap<Severity, usize>,
}

/// What every renderer shows: the report plus the findings that survived the whitelist and
/// the severity filter (the CLI decides those; renderers never filter).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditDocument {
    pub schema_version: u32,
    pub tool: Tool,
    pub command: &'static str,
    pub summary: FindingSummary,
    #[serde(flatten)]
    pub report: AuditReport,
    pub findings: Vec<Finding>,
    pub ignored: Vec<Ignored>,
    pub notices: Vec<Notice>,
}

impl AuditDocument {
    pub fn new(
        report: AuditReport,
        findings: Vec<Finding>,
        ignored: Vec<Ignored>,
        notices: Vec<Notice>,
        version: &str,
    ) -> AuditDocument {
        let mut by_severity = BTreeMap::new();
        for f in &findings {
            *by_severity.entry(f.severity).or_default() += 1;
        }
        AuditDocument {
            schema_version: AUDIT_SCHEMA_VERSION,
            tool: Tool {
                name: "kvet",
                version: version.to_string(),
            },
            command: "audit",
            summary: FindingSummary {
                findings: findings.len(),
                ignored: ignored.len(),
                by_severity,
            },
            report,
            findings,
            ignored,
            notices,
        }
    }

    /// The name of input `i`, for listed events.
    pub fn input_name(&self, i: u32) -> &str {
        self.report
            .inputs
            .get(i as usize)
            .map_or("", |s| s.name.as_str())
    }
}
