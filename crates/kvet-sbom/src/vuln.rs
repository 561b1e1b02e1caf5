//! The vulnerability record an SBOM can carry (CycloneDX `vulnerabilities`, kvet JSON).
//!
//! Deliberately small and format-neutral: the vulnerability matcher fills it from OSV records
//! and its own match, this crate only renders it. One record is one advisory affecting one or
//! more packages of the inventory.

use chrono::{DateTime, Utc};
use kvet_core::Severity;
use serde::Serialize;

/// One advisory and the packages it affects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// The advisory id (`CVE-2024-3094`, `GHSA-…`, `DEBIAN-CVE-…`).
    pub id: String,
    /// Other ids of the same vulnerability (OSV `aliases`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Where the advisory comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<VulnerabilitySource>,
    /// kvet's overall severity for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Scores by method and source (CVSS vectors and base scores).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rating>,
    /// Summary or details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Versions that fix it (empty: no fix yet).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    /// Affected packages of the inventory.
    pub affects: Vec<Affected>,
    /// Advisory URLs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// CWE numbers (`79` for CWE-79).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<u32>,
    /// When the advisory was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    /// When it was last modified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<Utc>>,
    /// The user's own assessment (a VEX statement): present for vulnerabilities they declared
    /// not affected or fixed, which are kept in the SBOM with the reason rather than dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
}

/// CycloneDX's `analysis` vocabulary (`state`: `not_affected`, `resolved`, …; `justification`:
/// `code_not_present`, `code_not_reachable`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An advisory database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VulnerabilitySource {
    /// `OSV`, `NVD`, `Debian`, `GitHub`…
    pub name: String,
    /// The advisory's page there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    /// Who scored it (e.g. `NVD`, `GitHub`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<VulnerabilitySource>,
    /// The severity this source gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Base score, 0–10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The vector, e.g. `CVSS:3.1/AV:N/AC:L/…`; its prefix decides the CycloneDX method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

/// A package a vulnerability affects, named as the inventory names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// The package's PURL, exactly as in [`kvet_inventory::Package::purl`].
    pub purl: String,
    /// The package's location, to pick one of several packages sharing the PURL; `None`
    /// affects all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Rating {
    /// CycloneDX 1.5 `scoreMethod` for the vector: `CVSSv2`, `CVSSv3`, `CVSSv31`, `CVSSv4`, or
    /// `other`.
    pub(crate) fn method(&self) -> &'static str {
        match self.vector.as_deref() {
            Some(v) if v.starts_with("CVSS:3.1/") => "CVSSv31",
            Some(v) if v.starts_with("CVSS:3.0/") => "CVSSv3",
            Some(v) if v.starts_with("CVSS:4.0/") => "CVSSv4",
            // CVSS v2 vectors have no prefix: `AV:N/AC:L/Au:N/C:P/I:P/A:P`.
            Some(v) if v.starts_with("AV:") && v.contains("/Au:") => "CVSSv2",
            _ => "other",
        }
    }
}
