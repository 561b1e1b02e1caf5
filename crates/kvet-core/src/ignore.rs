//! The whitelist: findings a team has accepted, each with a reason and optionally an expiry.
//!
//! Ignored findings are never dropped silently: [`IgnoreFile::apply`] moves them to the
//! report's ignored list with the rule's reason, and expired rules produce a notice instead
//! of applying.

use crate::finding::Finding;
use crate::report::{Ignored, Notice, NoticeLevel};
use crate::vex::{RawVex, VexStatement, VexSubject};
use chrono::{DateTime, NaiveDate, Utc};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    #[error("cannot read ignore file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid ignore file {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    ignore: Vec<RawRule>,
    #[serde(default)]
    vex: Vec<RawVex>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    check: String,
    namespace: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    container: Option<String>,
    image: Option<String>,
    package: Option<String>,
    path: Option<String>,
    user: Option<String>,
    reason: String,
    expires: Option<String>,
}

/// One whitelist entry. Every field but `reason` is a glob (`*`, `?`, `[abc]`); a field that is
/// set must match, and an attribute a finding does not have (a container on a Service) is only
/// matched by `*`.
#[derive(Debug, Clone)]
pub struct IgnoreRule {
    pub check: Pattern,
    pub namespace: Option<Pattern>,
    pub kind: Option<Pattern>,
    pub name: Option<Pattern>,
    pub container: Option<Pattern>,
    pub image: Option<Pattern>,
    pub package: Option<Pattern>,
    pub path: Option<Pattern>,
    /// The acting user of audit findings (`system:serviceaccount:ci:deployer`).
    pub user: Option<Pattern>,
    pub reason: String,
    pub expires: Option<DateTime<Utc>>,
    /// Human-readable origin (`.kvetignore.yaml entry 3`), used in reports.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    glob: GlobMatcher,
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, String> {
        let glob = Glob::new(text)
            .map_err(|e| format!("bad pattern '{text}': {e}"))?
            .compile_matcher();
        Ok(Pattern {
            text: text.to_string(),
            glob,
        })
    }

    pub(crate) fn matches(&self, value: Option<&str>) -> bool {
        match value {
            Some(v) => self.glob.is_match(v),
            None => self.text == "*",
        }
    }
}

fn matches(p: &Option<Pattern>, value: Option<&str>) -> bool {
    p.as_ref().is_none_or(|p| p.matches(value))
}

impl IgnoreRule {
    pub fn matches(&self, f: &Finding) -> bool {
        let res = f.resource.as_ref();
        self.check.matches(Some(&f.check_id))
            && matches(&self.namespace, res.and_then(|r| r.namespace.as_deref()))
            && matches(&self.kind, res.map(|r| r.kind.as_str()))
            && matches(&self.name, res.map(|r| r.name.as_str()))
            && matches(&self.container, f.container.as_deref())
            && matches(&self.image, f.image.as_deref())
            && matches(&self.package, f.package.as_deref())
            && matches(&self.path, f.location.as_ref().map(|l| &*l.path))
            && matches(&self.user, f.user.as_deref())
    }
}

/// A parsed whitelist file.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    pub rules: Vec<IgnoreRule>,
    /// `vex:` statements, for vulnerability findings (see [`crate::vex`]).
    pub vex: Vec<VexStatement>,
}

fn parse_expiry(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
        .ok_or_else(|| format!("bad expires '{s}': use YYYY-MM-DD or RFC 3339"))
}

impl IgnoreFile {
    pub fn load(path: &Path) -> Result<IgnoreFile, IgnoreError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| IgnoreError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses the YAML text of an ignore file; `origin` names it in errors and reports.
    pub fn parse(text: &str, origin: &str) -> Result<IgnoreFile, IgnoreError> {
        let invalid = |message: String| IgnoreError::Invalid {
            path: origin.to_string(),
            message,
        };
        if text.trim().is_empty() {
            return Ok(IgnoreFile::default());
        }
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut rules = Vec::with_capacity(raw.ignore.len());
        for (i, r) in raw.ignore.into_iter().enumerate() {
            let n = i + 1;
            let pat = |v: &Option<String>| -> Result<Option<Pattern>, IgnoreError> {
                v.as_deref()
                    .map(Pattern::new)
                    .transpose()
                    .map_err(|m| invalid(format!("entry {n}: {m}")))
            };
            if r.reason.trim().is_empty() {
                return Err(invalid(format!("entry {n}: 'reason' must not be empty")));
            }
            rules.push(IgnoreRule {
                check: Pattern::new(&r.check).map_err(|m| invalid(format!("entry {n}: {m}")))?,
                namespace: pat(&r.namespace)?,
                kind: pat(&r.kind)?,
                name: pat(&r.name)?,
                container: pat(&r.container)?,
                image: pat(&r.image)?,
                package: pat(&r.package)?,
                path: pat(&r.path)?,
                user: pat(&r.user)?,
                expires: r
                    .expires
                    .as_deref()
                    .map(parse_expiry)
                    .transpose()
                    .map_err(|m| invalid(format!("entry {n}: {m}")))?,
                reason: r.reason,
                source: format!("{origin} entry {n}"),
            });
        }
        let vex = raw
            .vex
            .into_iter()
            .enumerate()
            .map(|(i, r)| VexStatement::from_raw(r, i + 1, origin, parse_expiry))
            .collect::<Result<_, _>>()
            .map_err(invalid)?;
        Ok(IgnoreFile { rules, vex })
    }

    /// The first live VEX statement that covers this vulnerability of this package in this
    /// image, if any.
    pub fn vex_for(&self, subject: &VexSubject, now: DateTime<Utc>) -> Option<&VexStatement> {
        self.vex
            .iter()
            .find(|v| v.expires.is_none_or(|e| e > now) && v.applies_to(subject))
    }

    /// Splits findings into kept and ignored. Rules past their expiry do not apply and are
    /// reported once each as a warning.
    pub fn apply(
        &self,
        findings: Vec<Finding>,
        now: DateTime<Utc>,
    ) -> (Vec<Finding>, Vec<Ignored>, Vec<Notice>) {
        let (live, expired): (Vec<&IgnoreRule>, Vec<&IgnoreRule>) = self
            .rules
            .iter()
            .partition(|r| r.expires.is_none_or(|e| e > now));
        let expiry = |source: &str, what: String, when: Option<DateTime<Utc>>| Notice {
            level: NoticeLevel::Warning,
            path: None,
            line: None,
            message: format!(
                "{source} ({what}) expired on {}; it no longer applies",
                when.map(|e| e.to_rfc3339()).unwrap_or_default()
            ),
        };
        let notices = expired
            .iter()
            .map(|r| expiry(&r.source, format!("check '{}'", r.check.text), r.expires))
            .chain(
                self.vex
                    .iter()
                    .filter(|v| v.expires.is_some_and(|e| e <= now))
                    .map(|v| {
                        expiry(
                            &v.source,
                            format!("vulnerability {}", v.vulnerability),
                            v.expires,
                        )
                    }),
            )
            .collect();
        // Moved out in place: copying into a second vector would double the peak memory of
        // a scan with hundreds of thousands of findings.
        let mut kept = findings;
        let ignored = if live.is_empty() {
            Vec::new()
        } else {
            kept.extract_if(.., |f| live.iter().any(|r| r.matches(f)))
                .map(|f| {
                    let rule = live.iter().find(|r| r.matches(&f));
                    Ignored {
                        reason: rule.map(|r| r.reason.clone()).unwrap_or_default(),
                        source: rule.map(|r| r.source.clone()).unwrap_or_default(),
                        finding: f,
                    }
                })
                .collect()
        };
        (kept, ignored, notices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, FindingClass, ResourceRef, Severity};

    fn finding(check: &str, ns: Option<&str>, name: &str, container: Option<&str>) -> Finding {
        Finding {
            check_id: check.to_string().into(),
            class: FindingClass::Misconfig,
            category: Category::Security,
            severity: Severity::High,
            title: "t".into(),
            message: "m".into(),
            resource: Some(
                ResourceRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: ns.map(Into::into),
                    name: name.into(),
                }
                .into(),
            ),
            container: container.map(Into::into),
            image: None,
            location: None,
            remediation: "r".into(),
            package: None,
            user: None,
            references: std::sync::Arc::from([]),
            controls: Default::default(),
            fingerprint: Default::default(),
        }
    }

    const FILE: &str = r#"
ignore:
  - check: runAsRootAllowed
    namespace: kube-*
    name: "calico-*"
    reason: calico needs root
  - check: "*"
    container: "*"
    name: legacy
    reason: being replaced
    expires: 2020-01-01
  - check: hostPortSet
    reason: everywhere
    expires: 2999-12-31
"#;

    #[test]
    fn globs_reasons_and_expiry() {
        let file = IgnoreFile::parse(FILE, ".kvetignore.yaml").unwrap();
        let now = Utc::now();
        let fs = vec![
            finding(
                "runAsRootAllowed",
                Some("kube-system"),
                "calico-node",
                Some("c"),
            ),
            finding(
                "runAsRootAllowed",
                Some("default"),
                "calico-node",
                Some("c"),
            ),
            finding("tagNotSpecified", Some("x"), "legacy", Some("c")),
            finding("hostPortSet", None, "web", None),
        ];
        let (kept, ignored, notices) = file.apply(fs, now);
        assert_eq!(ignored.len(), 2);
        assert_eq!(ignored[0].reason, "calico needs root");
        assert_eq!(ignored[0].source, ".kvetignore.yaml entry 1");
        assert_eq!(ignored[1].finding.check_id, "hostPortSet");
        assert_eq!(kept.len(), 2, "expired entry 2 no longer hides 'legacy'");
        assert_eq!(notices.len(), 1);
        assert!(notices[0].message.contains("entry 2"));
    }

    #[test]
    fn absent_attributes_only_match_star() {
        let rule = &IgnoreFile::parse("ignore:\n- check: x\n  container: app\n  reason: r\n", "f")
            .unwrap()
            .rules[0];
        assert!(!rule.matches(&finding("x", None, "n", None)));
        assert!(rule.matches(&finding("x", None, "n", Some("app"))));
    }

    #[test]
    fn unknown_keys_and_missing_reason_are_errors() {
        let e = IgnoreFile::parse("ignore:\n- check: x\n  reasn: r\n", "f.yaml").unwrap_err();
        assert!(e.to_string().contains("reasn"), "{e}");
        let e = IgnoreFile::parse("ignore:\n- check: x\n  reason: ' '\n", "f.yaml").unwrap_err();
        assert!(e.to_string().contains("entry 1"), "{e}");
        let e = IgnoreFile::parse(
            "ignore:\n- check: x\n  reason: r\n  expires: soon\n",
            "f.yaml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("soon"), "{e}");
    }
}
