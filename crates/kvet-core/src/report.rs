//! The result of one scan, as every output format sees it.

use crate::check::{Category, CheckMeta};
use crate::finding::{Finding, ResourceRef};
use crate::score::{CheckTally, HealthScore};
use crate::severity::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Something the user should know that is not a finding: a skipped file, an input error,
/// an expired whitelist entry.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub level: NoticeLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{p}:{l}: {}", self.message),
            (Some(p), None) => write!(f, "{p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// A finding suppressed by a whitelist entry or an annotation, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    #[serde(flatten)]
    pub finding: Finding,
    pub reason: String,
    /// Which rule or annotation suppressed it.
    pub source: String,
}

/// A (check, object) evaluation that passed; listed only with `--include-passed`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Passed {
    pub check_id: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub resource: ResourceRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Totals shown by every format.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: usize,
    pub resources: usize,
    pub findings: usize,
    pub ignored: usize,
    pub passed: u64,
    pub failed: u64,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_category: BTreeMap<Category, usize>,
    pub errors: usize,
}

/// One scanned cluster of a multi-cluster report: its findings are those whose location path
/// is `path`; its score is computed from its own evaluations.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub name: String,
    #[serde(skip)]
    pub path: String,
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub resources: usize,
    /// Filled by [`Report::count_failures`].
    pub findings: usize,
    /// Filled by [`Report::count_failures`].
    pub score: Option<HealthScore>,
    /// Kinds that could not be collected, with why.
    pub not_collected: Vec<String>,
    #[serde(skip)]
    pub tally: CheckTally,
}

/// One image a cluster scan pulled (or failed to), for the per-image list of the JSON report,
/// the table's image section and SARIF's core-component property.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSummary {
    /// The cluster (kubeconfig context) that runs it.
    pub cluster: String,
    /// What was pulled: `repository@digest` when the nodes reported a digest, else the tag.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Every name workloads use for it.
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The distro found in the image (`debian 12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    pub packages: usize,
    /// Vulnerabilities found per severity, before the whitelist and severity filter.
    pub vulnerabilities: BTreeMap<Severity, usize>,
    /// `Kind namespace/name (container)` of every workload container using it.
    pub workloads: Vec<String>,
    /// `control-plane`, `node`, `dns`, `network`, `addon` or `registry` for core components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_component: Option<String>,
    /// Why the image could not be scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was scanned (`config`, `cluster`, …).
    pub command: String,
    /// The checks that ran, for formats that document their rules (SARIF).
    pub rules: Vec<&'static CheckMeta>,
    pub findings: Vec<Finding>,
    pub ignored: Vec<Ignored>,
    pub passed: Vec<Passed>,
    pub notices: Vec<Notice>,
    pub tally: CheckTally,
    pub files: usize,
    pub resources: usize,
    /// Inputs that could not be read or parsed (they are also in `notices`).
    pub errors: usize,
    /// One per cluster when several were scanned (`kvet cluster`); empty otherwise.
    pub sections: Vec<Section>,
    /// Images scanned for vulnerabilities by `kvet cluster --scanners vuln`; empty otherwise.
    pub images: Vec<ImageSummary>,
}

/// How many objects failed each check among `findings`: an object fails a check once however
/// many findings the check made on it.
fn failures<'a>(findings: impl Iterator<Item = &'a Finding>) -> BTreeMap<&'a str, u64> {
    // Findings of one (check, object) are adjacent in most reports, but not guaranteed to
    // be: sort references instead of hashing strings for every finding.
    let mut keys: Vec<(&str, Option<&str>, Option<&ResourceRef>)> = findings
        .map(|f| {
            (
                &*f.check_id,
                f.location.as_ref().map(|l| &*l.path),
                f.resource.as_deref(),
            )
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut per_check: BTreeMap<&str, u64> = BTreeMap::new();
    for (id, _, _) in &keys {
        *per_check.entry(id).or_default() += 1;
    }
    per_check
}

fn set_failed(tally: &mut CheckTally, per_check: &BTreeMap<&str, u64>) {
    for (id, t) in tally.checks.iter_mut() {
        t.failed = per_check
            .get(id.as_str())
            .copied()
            .unwrap_or(0)
            .min(t.evaluated);
    }
}

impl Report {
    /// Recomputes failed counts from the findings that remain after whitelisting: an object
    /// fails a check once however many findings the check made on it, and an object whose
    /// findings were all ignored counts as passing (the risk was accepted).
    pub fn count_failures(&mut self) {
        set_failed(&mut self.tally, &failures(self.findings.iter()));
        for section in &mut self.sections {
            let mine = || {
                self.findings
                    .iter()
                    .filter(|f| f.location.as_ref().is_some_and(|l| *l.path == section.path))
            };
            set_failed(&mut section.tally, &failures(mine()));
            section.findings = mine().count();
            section.score = Some(section.tally.score());
        }
    }

    pub fn score(&self) -> HealthScore {
        self.tally.score()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.files,
            resources: self.resources,
            findings: self.findings.len(),
            ignored: self.ignored.len(),
            errors: self.errors,
            ..Summary::default()
        };
        for f in &self.findings {
            *s.by_severity.entry(f.severity).or_default() += 1;
            *s.by_category.entry(f.category).or_default() += 1;
        }
        for t in self.tally.checks.values() {
            s.passed += t.passed();
            s.failed += t.failed;
        }
        s
    }

    /// Keeps only findings at the given severities (all when empty). The score and tallies are
    /// left alone: they describe the scan, not the view.
    pub fn retain_severities(&mut self, severities: &[Severity]) {
        if !severities.is_empty() {
            self.findings.retain(|f| severities.contains(&f.severity));
            self.ignored
                .retain(|i| severities.contains(&i.finding.severity));
            self.passed.retain(|p| severities.contains(&p.severity));
        }
    }
}
