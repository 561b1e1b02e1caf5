//! Runs the enabled Dockerfile checks on one parsed file and turns violations into findings.

use crate::check::{Ctx, Facts};
use crate::Dockerfile;
use kvet_checks::{Outcome, Settings};
use kvet_core::{CheckMeta, CheckTally, Finding, FindingClass, Location};

/// Findings of one Dockerfile and the evaluations behind them (for the health score).
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub tally: CheckTally,
}

/// Whether a Dockerfile check runs: `only` (the `--checks` list, which may name checks of
/// other families) wins over the configuration.
pub fn is_active(meta: &CheckMeta, settings: &Settings, only: &[&str]) -> bool {
    if only.is_empty() {
        settings.is_enabled(meta)
    } else {
        only.contains(&meta.id)
    }
}

/// Runs every active check on `file`, read from `path`.
pub fn analyse(
    file: &Dockerfile,
    path: &str,
    facts: &Facts,
    settings: &Settings,
    only: &[&str],
) -> Analysis {
    let ctx = Ctx {
        file,
        facts,
        settings,
    };
    let mut out = Analysis::default();
    for check in crate::all()
        .iter()
        .filter(|c| is_active(&c.meta, settings, only))
    {
        let meta = &check.meta;
        let severity = settings.severity(meta);
        let violations = match (check.eval)(&ctx) {
            Outcome::NotApplicable => continue,
            Outcome::Pass => Vec::new(),
            Outcome::Fail(v) => v,
        };
        out.tally.evaluated(meta.id, severity, meta.category, 1);
        for v in violations {
            out.findings.push(Finding {
                fingerprint: Finding::compute_fingerprint(
                    meta.id,
                    None,
                    None,
                    &format!("{path}\0{}", v.key),
                ),
                check_id: meta.id.into(),
                class: FindingClass::Misconfig,
                category: meta.category,
                severity,
                title: meta.title.into(),
                message: v.message,
                resource: None,
                container: None,
                image: v.image,
                location: Some(Location {
                    path: path.into(),
                    line: Some(v.line),
                }),
                remediation: meta.remediation.into(),
                package: None,
                user: None,
                references: meta.references.iter().map(|r| (*r).into()).collect(),
                controls: meta.controls.into(),
            });
        }
    }
    out.findings
        .sort_by(|a, b| (line(a), &a.check_id).cmp(&(line(b), &b.check_id)));
    out
}

fn line(f: &Finding) -> Option<u32> {
    f.location.as_ref().and_then(|l| l.line)
}
