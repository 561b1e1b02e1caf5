//! VEX statements: "this image is not affected by that vulnerability, and here is why".
//!
//! A whitelist entry says "we accept this finding"; a VEX statement says the finding is not a
//! risk at all (the vulnerable code is not there, not reachable, or already fixed by a
//! backport). They live in the same ignore file, under `vex:`, and use OpenVEX's vocabulary
//! (statuses and justifications) so they can be copied to and from OpenVEX documents. Suppressed
//! vulnerabilities are never dropped silently: they go to the report's ignored list with the
//! statement as the reason, and CycloneDX output carries them with an `analysis`.

use crate::ignore::Pattern;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The OpenVEX statuses that suppress a vulnerability. `affected` and `under_investigation`
/// change nothing about a finding, so the file refuses them rather than pretend they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    /// The product contains the fix (typically a distro backport the version does not show).
    Fixed,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Fixed => "fixed",
        }
    }
}

/// OpenVEX's justifications for `not_affected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// The CycloneDX `analysis.justification` closest in meaning (the mapping OpenVEX's
    /// specification gives for CycloneDX).
    pub fn cyclonedx(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent | Justification::VulnerableCodeNotPresent => {
                "code_not_present"
            }
            Justification::VulnerableCodeNotInExecutePath => "code_not_reachable",
            Justification::VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
            Justification::InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVex {
    vulnerability: String,
    status: String,
    justification: Option<Justification>,
    impact: Option<String>,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    packages: Vec<String>,
    expires: Option<String>,
}

/// One parsed statement. `vulnerability` is matched exactly (case-insensitively) against the
/// advisory id and every alias, so a statement written for a CVE also covers the GHSA or
/// distro advisory that names it.
#[derive(Debug, Clone)]
pub struct VexStatement {
    pub vulnerability: String,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    pub impact: Option<String>,
    /// Image globs (`registry.local/app:*`); empty means every image.
    pub products: Vec<Pattern>,
    /// Package name or PURL globs; empty means every package.
    pub packages: Vec<Pattern>,
    pub expires: Option<DateTime<Utc>>,
    /// `.kvetignore.yaml vex entry 2`, for reports.
    pub source: String,
}

/// What a vulnerability finding is judged on.
pub struct VexSubject<'a> {
    /// The advisory id and its aliases.
    pub ids: &'a [&'a str],
    pub image: Option<&'a str>,
    pub package: &'a str,
    pub purl: Option<&'a str>,
}

impl VexStatement {
    pub(crate) fn from_raw(
        r: RawVex,
        n: usize,
        origin: &str,
        parse_expiry: impl Fn(&str) -> Result<DateTime<Utc>, String>,
    ) -> Result<VexStatement, String> {
        let status = match r.status.as_str() {
            "not_affected" => VexStatus::NotAffected,
            "fixed" => VexStatus::Fixed,
            "affected" | "under_investigation" => {
                return Err(format!(
                    "vex entry {n}: status '{}' does not suppress anything; only not_affected \
                     and fixed do (leave the finding in the report instead)",
                    r.status
                ))
            }
            other => {
                return Err(format!(
                    "vex entry {n}: unknown status '{other}' (not_affected or fixed)"
                ))
            }
        };
        if r.vulnerability.trim().is_empty() {
            return Err(format!("vex entry {n}: 'vulnerability' must not be empty"));
        }
        let impact = r.impact.filter(|s| !s.trim().is_empty());
        // OpenVEX requires one of the two for not_affected: a bare "not affected" is an
        // unexplained suppression, which is what the whitelist's mandatory reason prevents.
        if status == VexStatus::NotAffected && r.justification.is_none() && impact.is_none() {
            return Err(format!(
                "vex entry {n}: not_affected needs a 'justification' or an 'impact' statement"
            ));
        }
        let globs = |list: Vec<String>| -> Result<Vec<Pattern>, String> {
            list.iter()
                .map(|p| Pattern::new(p).map_err(|m| format!("vex entry {n}: {m}")))
                .collect()
        };
        Ok(VexStatement {
            vulnerability: r.vulnerability.trim().to_owned(),
            status,
            justification: r.justification,
            impact,
            products: globs(r.products)?,
            packages: globs(r.packages)?,
            expires: r
                .expires
                .as_deref()
                .map(parse_expiry)
                .transpose()
                .map_err(|m| format!("vex entry {n}: {m}"))?,
            source: format!("{origin} vex entry {n}"),
        })
    }

    pub fn applies_to(&self, s: &VexSubject) -> bool {
        s.ids
            .iter()
            .any(|id| id.eq_ignore_ascii_case(&self.vulnerability))
            && (self.products.is_empty() || self.products.iter().any(|p| p.matches(s.image)))
            && (self.packages.is_empty()
                || self.packages.iter().any(|p| {
                    p.matches(Some(s.package)) || s.purl.is_some_and(|u| p.matches(Some(u)))
                }))
    }

    /// The reason shown for the suppressed finding: `VEX not_affected
    /// (vulnerable_code_not_in_execute_path): <impact>`.
    pub fn reason(&self) -> String {
        let mut out = format!("VEX {}", self.status.as_str());
        if let Some(j) = self.justification {
            out.push_str(&format!(" ({})", j.as_str()));
        }
        if let Some(i) = &self.impact {
            out.push_str(": ");
            out.push_str(i);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::IgnoreFile;
    use chrono::TimeZone;

    const FILE: &str = r#"
vex:
  - vulnerability: CVE-2024-24790
    status: not_affected
    justification: vulnerable_code_not_in_execute_path
    impact: runc never parses IPv6 zone identifiers
    products: ["registry.local/runc:*"]
    packages: ["stdlib"]
  - vulnerability: cve-2023-4911
    status: fixed
    impact: backported in 2.36-9+deb12u3
    packages: ["pkg:deb/debian/libc6*"]
    expires: 2026-01-31
"#;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn statements_match_by_id_or_alias_image_and_package() {
        let f = IgnoreFile::parse(FILE, "t.yaml").unwrap();
        let subject = |ids: &'static [&'static str], image, package, purl| super::VexSubject {
            ids,
            image,
            package,
            purl,
        };
        let hit = f.vex_for(
            &subject(
                &["GO-2024-2887", "CVE-2024-24790"],
                Some("registry.local/runc:1.1"),
                "stdlib",
                Some("pkg:golang/stdlib@1.19.8"),
            ),
            now(),
        );
        let hit = hit.expect("alias, image and package all match");
        assert_eq!(hit.source, "t.yaml vex entry 1");
        assert_eq!(
            hit.reason(),
            "VEX not_affected (vulnerable_code_not_in_execute_path): runc never parses IPv6 zone identifiers"
        );
        // Another image, another package, another id: no statement.
        for s in [
            subject(
                &["CVE-2024-24790"],
                Some("docker.io/library/nginx:1"),
                "stdlib",
                None,
            ),
            subject(
                &["CVE-2024-24790"],
                Some("registry.local/runc:1.1"),
                "golang.org/x/net",
                None,
            ),
            subject(
                &["CVE-2024-24791"],
                Some("registry.local/runc:1.1"),
                "stdlib",
                None,
            ),
            subject(&["CVE-2024-24790"], None, "stdlib", None),
        ] {
            assert!(f.vex_for(&s, now()).is_none());
        }
        // Ids compare case-insensitively; packages match by PURL too; no products = any image.
        let libc = subject(
            &["CVE-2023-4911"],
            None,
            "glibc",
            Some("pkg:deb/debian/libc6@2.36-9?distro=debian-12"),
        );
        assert_eq!(
            f.vex_for(&libc, now()).unwrap().reason(),
            "VEX fixed: backported in 2.36-9+deb12u3"
        );
        // Expired statements stop applying (and the whitelist's expiry notice names them).
        let later = chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        assert!(f.vex_for(&libc, later).is_none());
        let (_, _, notices) = f.apply(Vec::new(), later);
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].message.contains("vex entry 2"),
            "{}",
            notices[0].message
        );
    }

    #[test]
    fn unexplained_or_meaningless_statements_are_refused() {
        let cases = [
            ("vex:\n  - vulnerability: CVE-1\n    status: not_affected\n", "needs a 'justification'"),
            ("vex:\n  - vulnerability: CVE-1\n    status: affected\n", "does not suppress"),
            ("vex:\n  - vulnerability: CVE-1\n    status: maybe\n    impact: x\n", "unknown status 'maybe'"),
            (
                "vex:\n  - vulnerability: CVE-1\n    status: not_affected\n    justification: because\n",
                "because",
            ),
            ("vex:\n  - vulnerability: ' '\n    status: fixed\n", "must not be empty"),
            ("vex:\n  - vulnerability: CVE-1\n    status: fixed\n    colour: red\n", "colour"),
        ];
        for (text, want) in cases {
            let err = IgnoreFile::parse(text, "bad.yaml").unwrap_err().to_string();
            assert!(
                err.contains("bad.yaml") && err.contains(want),
                "{text}: {err}"
            );
        }
    }
}
