//! Runs the enabled checks over objects and gathers findings, passes and tallies.
//!
//! The engine is `Sync`: the caller evaluates inputs in parallel, one [`Partial`] each, and
//! merges them with [`Engine::finish`], which also judges the checks that need the whole set.

use crate::check::{Check, Ctx, Eval, Outcome, Pending, Violation};
use crate::index::SetIndex;
use crate::settings::Settings;
use kvet_core::{
    CheckTally, Finding, FindingClass, Ignored, Location, Passed, ResourceRef, Severity,
};
use kvet_k8s::{pod_spec, Object};
use std::borrow::Cow;
use std::sync::Arc;

struct PendingEval {
    check: usize,
    pending: Pending,
    resource: Arc<ResourceRef>,
    file: Arc<str>,
    exemption: Option<Exemption>,
}

/// The results of evaluating some objects; merge them with [`Engine::finish`].
#[derive(Default)]
pub struct Partial {
    pub findings: Vec<Finding>,
    /// Findings suppressed by an exemption annotation on their object.
    pub ignored: Vec<Ignored>,
    pub passed: Vec<Passed>,
    /// Filled by [`Engine::finish`] from `evaluated`.
    pub tally: CheckTally,
    pub resources: usize,
    /// Evaluations per active check, by index: counting here keeps the per-object hot path
    /// free of map lookups and allocations.
    evaluated: Vec<u64>,
    pending: Vec<PendingEval>,
    index: SetIndex,
}

impl Partial {
    /// Releases spare capacity; call when an input is done and its partial waits for
    /// [`Engine::finish`], so that waiting partials do not hold up to twice their size.
    pub fn shrink_to_fit(&mut self) {
        self.findings.shrink_to_fit();
        self.ignored.shrink_to_fit();
        self.passed.shrink_to_fit();
        self.pending.shrink_to_fit();
    }
}

struct Active {
    check: &'static Check,
    severity: Severity,
    /// The check's references, built once and shared by its findings.
    references: Arc<[Cow<'static, str>]>,
}

pub struct Engine {
    active: Vec<Active>,
    settings: Settings,
    include_passed: bool,
}

#[derive(Clone)]
struct Exemption {
    reason: String,
    source: String,
}

/// Polaris ids that differ from kvet's, so Polaris exemption annotations keep working.
fn polaris_id(id: &str) -> &str {
    match id {
        "notReadOnlyRootFileSystem" => "notReadOnlyRootFilesystem",
        "capabilitiesAdded" => "dangerousCapabilities",
        other => other,
    }
}

fn exemption(obj: &Object, id: &str) -> Option<Exemption> {
    let annotated = obj
        .annotations()
        .iter()
        .any(|(k, _)| k.starts_with("kvet.io/") || k.starts_with("polaris.fairwinds.com/"));
    if !annotated {
        return None;
    }
    let is_true = |v: &str| v.trim().eq_ignore_ascii_case("true");
    if let Some(list) = obj.annotation("kvet.io/ignore") {
        if list.split(',').map(str::trim).any(|c| c == id || c == "*") {
            return Some(Exemption {
                reason: obj
                    .annotation("kvet.io/ignore-reason")
                    .unwrap_or("exempted by annotation")
                    .to_string(),
                source: "annotation kvet.io/ignore".into(),
            });
        }
    }
    if obj
        .annotation("polaris.fairwinds.com/exempt")
        .is_some_and(is_true)
    {
        return Some(Exemption {
            reason: "exempted by Polaris annotation".into(),
            source: "annotation polaris.fairwinds.com/exempt".into(),
        });
    }
    for pid in [id, polaris_id(id)] {
        let key = format!("polaris.fairwinds.com/{pid}-exempt");
        if obj.annotation(&key).is_some_and(is_true) {
            return Some(Exemption {
                reason: "exempted by Polaris annotation".into(),
                source: format!("annotation {key}"),
            });
        }
    }
    None
}

impl Engine {
    /// An engine running the checks `settings` enables; `only`, when not empty, restricts
    /// it to those ids (and enables them even if they are off by default).
    pub fn new(settings: Settings, only: &[&str], include_passed: bool) -> Engine {
        let active = crate::all()
            .iter()
            .copied()
            .filter(|c| {
                if only.is_empty() {
                    settings.is_enabled(&c.meta)
                } else {
                    only.contains(&c.meta.id)
                }
            })
            .map(|check| Active {
                check,
                severity: settings.severity(&check.meta),
                references: check.meta.references.iter().map(|r| (*r).into()).collect(),
            })
            .collect();
        Engine {
            active,
            settings,
            include_passed,
        }
    }

    /// Metadata of the checks this engine runs.
    pub fn check_metas(&self) -> impl Iterator<Item = &'static kvet_core::CheckMeta> + '_ {
        self.active.iter().map(|a| &a.check.meta)
    }

    /// Evaluates every active check on one object.
    pub fn evaluate(&self, obj: &Object, out: &mut Partial) {
        out.resources += 1;
        let ctx = Ctx::new(obj, pod_spec(obj), &self.settings);
        out.index.observe(obj, ctx.pod.as_ref());
        let resource = Arc::new(obj.resource_ref());
        let first = out.findings.len();
        for (i, a) in self.active.iter().enumerate() {
            let outcome = match &a.check.eval {
                Eval::Object(f) => f(&ctx),
                Eval::Set { extract, .. } => {
                    if let Some(pending) = extract(&ctx) {
                        out.pending.push(PendingEval {
                            check: i,
                            pending,
                            resource: resource.clone(),
                            file: obj.file.clone(),
                            exemption: exemption(obj, a.check.meta.id),
                        });
                    }
                    continue;
                }
            };
            self.record(
                i,
                a,
                outcome,
                &resource,
                &obj.file,
                || exemption(obj, a.check.meta.id),
                out,
            );
        }
        // Objects arrive in file order; ordering each object's findings by line keeps the
        // whole report nearly sorted, so the final sort is close to linear.
        out.findings[first..].sort_by(|a, b| {
            let line = |f: &Finding| f.location.as_ref().and_then(|l| l.line);
            (line(a), &a.check_id, &a.container).cmp(&(line(b), &b.check_id, &b.container))
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        index: usize,
        a: &Active,
        outcome: Outcome,
        resource: &Arc<ResourceRef>,
        file: &Arc<str>,
        exemption: impl FnOnce() -> Option<Exemption>,
        out: &mut Partial,
    ) {
        let meta = &a.check.meta;
        match outcome {
            Outcome::NotApplicable => {}
            Outcome::Pass => {
                bump(&mut out.evaluated, index);
                if self.include_passed {
                    out.passed.push(Passed {
                        check_id: meta.id,
                        severity: a.severity,
                        category: meta.category,
                        resource: ResourceRef::clone(resource),
                        path: Some(file.to_string()),
                    });
                }
            }
            Outcome::Fail(violations) => {
                bump(&mut out.evaluated, index);
                let exempt = exemption();
                for v in violations {
                    let f = self.finding(a, resource, file, v);
                    match &exempt {
                        Some(e) => out.ignored.push(Ignored {
                            finding: f,
                            reason: e.reason.clone(),
                            source: e.source.clone(),
                        }),
                        None => out.findings.push(f),
                    }
                }
            }
        }
    }

    fn finding(
        &self,
        a: &Active,
        resource: &Arc<ResourceRef>,
        file: &Arc<str>,
        v: Violation,
    ) -> Finding {
        let meta = &a.check.meta;
        Finding {
            fingerprint: Finding::compute_fingerprint(
                meta.id,
                Some(resource),
                v.container.as_deref(),
                &v.key,
            ),
            check_id: meta.id.into(),
            class: FindingClass::Misconfig,
            category: meta.category,
            severity: a.severity,
            title: meta.title.into(),
            message: v.message,
            resource: Some(resource.clone()),
            container: v.container,
            image: v.image,
            location: Some(Location {
                path: file.clone(),
                // Objects from a live cluster have no lines.
                line: (v.line > 0).then_some(v.line),
            }),
            remediation: meta.remediation.into(),
            package: None,
            user: None,
            references: a.references.clone(),
            controls: meta.controls.into(),
        }
    }

    /// Merges partial results (in the given order) and judges the whole-set checks.
    /// Merges partial results (in the given order) and judges the whole-set checks.
    pub fn finish(&self, parts: impl IntoIterator<Item = Partial>) -> Partial {
        let mut all = Partial::default();
        for p in parts {
            Engine::merge(&mut all, p);
        }
        self.judge(all)
    }

    /// Appends `p` to `all`. Callers with many inputs merge each batch as it completes, so
    /// that finished partials and the merged result are not all alive at once.
    pub fn merge(all: &mut Partial, p: Partial) {
        fn append<T>(into: &mut Vec<T>, mut from: Vec<T>) {
            if into.is_empty() {
                std::mem::swap(into, &mut from);
            } else {
                into.append(&mut from);
            }
        }
        append(&mut all.findings, p.findings);
        append(&mut all.ignored, p.ignored);
        append(&mut all.passed, p.passed);
        append(&mut all.pending, p.pending);
        for (i, n) in p.evaluated.iter().enumerate() {
            bump_by(&mut all.evaluated, i, *n);
        }
        all.resources += p.resources;
        all.index.merge(p.index);
    }

    /// Judges the whole-set checks on merged results and fills the tally.
    pub fn judge(&self, mut all: Partial) -> Partial {
        let pending = std::mem::take(&mut all.pending);
        for pe in pending {
            let a = &self.active[pe.check];
            let Eval::Set { judge, .. } = &a.check.eval else {
                continue;
            };
            let outcome = judge(&pe.pending, &all.index);
            let exemption = pe.exemption.clone();
            self.record(
                pe.check,
                a,
                outcome,
                &pe.resource,
                &pe.file,
                || exemption,
                &mut all,
            );
        }
        for (a, n) in self
            .active
            .iter()
            .zip(&all.evaluated)
            .filter(|(_, n)| **n > 0)
        {
            let m = &a.check.meta;
            all.tally.evaluated(m.id, a.severity, m.category, *n);
        }
        all
    }
}

fn bump(counts: &mut Vec<u64>, i: usize) {
    bump_by(counts, i, 1);
}

fn bump_by(counts: &mut Vec<u64>, i: usize, n: u64) {
    if counts.len() <= i {
        counts.resize(i + 1, 0);
    }
    counts[i] += n;
}
