//! CycloneDX 1.5 JSON.
//!
//! Own serde types rather than the `cyclonedx-bom` crate: we emit a small, fixed subset (one
//! image, its OS, packages, vulnerabilities) as JSON only, and the crate's validated-newtype
//! model plus its XML and `time` dependencies cost more than the ~150 lines of types below. The
//! tests validate every document against the official 1.5 schema instead.
//!
//! Shape (as Trivy and Syft lay out an image):
//! * `metadata.component`: the image (`container`) or folder (`file`), `pkg:oci` PURL when the
//!   digest is known;
//! * `components`: the distro as `operating-system`, then every package (`library`; `binary`
//!   and other non-package artefacts `application`) with kvet specifics as `kvet:*` properties;
//! * `dependencies`: image → OS and every package; OS → the OS packages;
//! * `vulnerabilities` when a scan supplied them, `affects` pointing at the package bom-refs.

use serde::Serialize;

use crate::ids::Entry;
use crate::license::{classify, License};
use crate::target::TargetKind;
use crate::vuln::{Rating, Vulnerability, VulnerabilitySource};
use crate::{Error, RenderOptions, Sbom};
use kvet_core::Severity;
use kvet_inventory::Distro;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<CdxVulnerability>>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseObj },
    Expression { expression: String },
}

#[derive(Serialize)]
enum LicenseObj {
    #[serde(rename = "id")]
    Id(String),
    #[serde(rename = "name")]
    Name(String),
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct CdxVulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<VulnReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<CdxRating>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cwes: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<crate::vuln::Analysis>,
    affects: Vec<Affects>,
}

#[derive(Serialize)]
struct Source {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct VulnReference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct CdxRating {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// Package types whose packages belong to the operating system (its package manager's).
pub(crate) fn is_os_package(purl_type: &str) -> bool {
    matches!(purl_type, "deb" | "rpm" | "apk" | "alpm")
}

pub(crate) fn build(
    sbom: &Sbom<'_>,
    entries: &[Entry<'_>],
    opts: &RenderOptions,
) -> Result<Bom, Error> {
    let target = sbom.target;
    let target_ref = target
        .purl()
        .unwrap_or_else(|| format!("kvet:target:{}", target.name));
    let root = Component {
        kind: match target.kind {
            TargetKind::Image => "container",
            TargetKind::Filesystem => "file",
        },
        bom_ref: Some(target_ref.clone()),
        name: target.name.clone(),
        version: target.effective_digest().map(str::to_owned),
        purl: target.purl(),
        ..Component::default()
    };
    let tool = Component {
        kind: "application",
        group: Some("kvet-dev".to_owned()),
        name: "kvet".to_owned(),
        version: Some(opts.tool_version.clone()),
        ..Component::default()
    };

    let mut components = Vec::with_capacity(entries.len() + 1);
    let distro = &sbom.inventory.distro;
    let os_ref = (!distro.is_unknown()).then(|| os_ref(distro));
    if let Some(r) = &os_ref {
        components.push(Component {
            kind: "operating-system",
            bom_ref: Some(r.clone()),
            name: distro.id.clone(),
            version: distro.version_id.clone(),
            description: distro.pretty.clone(),
            ..Component::default()
        });
    }
    components.extend(entries.iter().map(component));

    let mut root_deps: Vec<String> = os_ref.iter().cloned().collect();
    let mut os_deps = Vec::new();
    for e in entries {
        if os_ref.is_some() && is_os_package(e.pkg.kind.purl_type()) {
            os_deps.push(e.bom_ref.clone());
        } else {
            root_deps.push(e.bom_ref.clone());
        }
    }
    let mut dependencies = vec![Dependency {
        reference: target_ref,
        depends_on: root_deps,
    }];
    if let Some(r) = os_ref {
        dependencies.push(Dependency {
            reference: r,
            depends_on: os_deps,
        });
    }

    let vulnerabilities = match sbom.vulnerabilities {
        None => None,
        Some(vs) => Some(vulnerabilities(vs, entries)?),
    };

    Ok(Bom {
        bom_format: "CycloneDX",
        spec_version: "1.5",
        serial_number: format!("urn:uuid:{}", opts.serial),
        version: 1,
        metadata: Metadata {
            timestamp: opts.timestamp(),
            tools: Tools {
                components: vec![tool],
            },
            component: root,
        },
        components,
        dependencies,
        vulnerabilities,
    })
}

fn os_ref(d: &Distro) -> String {
    match &d.version_id {
        Some(v) => format!("kvet:os:{}@{v}", d.id),
        None => format!("kvet:os:{}", d.id),
    }
}

fn component(e: &Entry<'_>) -> Component {
    let p = e.pkg;
    let kind = match p.kind.purl_type() {
        // Executables and other artefacts that are programs rather than libraries.
        "generic" | "binary" => "application",
        _ => "library",
    };
    let mut props = vec![
        Property {
            name: "kvet:package:type",
            value: p.kind.purl_type().to_owned(),
        },
        Property {
            name: "kvet:package:location",
            value: p.location.clone(),
        },
    ];
    let mut push = |name: &'static str, v: Option<String>| {
        if let Some(value) = v.filter(|v| !v.is_empty()) {
            props.push(Property { name, value });
        }
    };
    push("kvet:package:arch", p.arch.clone());
    push("kvet:package:epoch", p.epoch.map(|e| e.to_string()));
    push("kvet:package:release", p.release.clone());
    push("kvet:package:source_name", p.source_name.clone());
    push("kvet:package:source_version", p.source_version.clone());
    if let Some(l) = &p.layer {
        push("kvet:layer:index", Some(l.index.to_string()));
        push("kvet:layer:digest", Some(l.digest.clone()));
        push("kvet:layer:diff_id", l.diff_id.clone());
        push("kvet:layer:created_by", l.created_by.clone());
    }
    Component {
        kind,
        bom_ref: Some(e.bom_ref.clone()),
        name: p.name.clone(),
        version: Some(p.full_version()),
        licenses: p
            .license
            .as_deref()
            .and_then(classify)
            .map(|l| {
                vec![match l {
                    License::Id(id) => LicenseChoice::License {
                        license: LicenseObj::Id(id),
                    },
                    License::Expression(x) => LicenseChoice::Expression { expression: x },
                    License::Other(n) => LicenseChoice::License {
                        license: LicenseObj::Name(n),
                    },
                }]
            })
            .unwrap_or_default(),
        purl: (!p.purl.is_empty()).then(|| p.purl.clone()),
        properties: props,
        ..Component::default()
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

fn source(s: &VulnerabilitySource) -> Source {
    Source {
        name: Some(s.name.clone()),
        url: s.url.clone(),
    }
}

/// Where an alias id is published: CVEs at NVD, everything else at OSV, which mirrors all of
/// them (GHSA, distro advisories, PYSEC…).
fn alias_source(id: &str) -> Source {
    if id.starts_with("CVE-") {
        Source {
            name: Some("NVD".to_owned()),
            url: Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
        }
    } else {
        Source {
            name: Some("OSV".to_owned()),
            url: Some(format!("https://osv.dev/vulnerability/{id}")),
        }
    }
}

fn rating(r: &Rating) -> CdxRating {
    CdxRating {
        source: r.source.as_ref().map(source),
        score: r.score,
        severity: r.severity.map(severity),
        method: r.method(),
        vector: r.vector.clone(),
    }
}

fn vulnerabilities(
    vs: &[Vulnerability],
    entries: &[Entry<'_>],
) -> Result<Vec<CdxVulnerability>, Error> {
    let mut out = Vec::with_capacity(vs.len());
    let mut seen = std::collections::HashSet::new();
    let mut by_purl: std::collections::HashMap<&str, Vec<&Entry<'_>>> =
        std::collections::HashMap::new();
    for e in entries {
        by_purl.entry(e.pkg.purl.as_str()).or_default().push(e);
    }
    for v in vs {
        let mut affects = Vec::new();
        for a in &v.affects {
            let matching: Vec<&Entry<'_>> = by_purl
                .get(a.purl.as_str())
                .into_iter()
                .flatten()
                .filter(|e| a.location.as_ref().is_none_or(|l| *l == e.pkg.location))
                .copied()
                .collect();
            if matching.is_empty() {
                return Err(Error::UnknownAffected {
                    id: v.id.clone(),
                    purl: a.purl.clone(),
                    location: a.location.clone(),
                });
            }
            for e in matching {
                let mut versions = vec![AffectedVersion {
                    version: e.pkg.full_version(),
                    status: "affected",
                }];
                versions.extend(v.fixed_versions.iter().map(|f| AffectedVersion {
                    version: f.clone(),
                    status: "unaffected",
                }));
                affects.push(Affects {
                    reference: e.bom_ref.clone(),
                    versions,
                });
            }
        }
        // bom-refs must be unique; two records with one id (two feeds) stay two entries.
        let mut bom_ref = format!("kvet:vuln:{}", v.id);
        let mut n = 2;
        while !seen.insert(bom_ref.clone()) {
            bom_ref = format!("kvet:vuln:{}-{n}", v.id);
            n += 1;
        }
        let mut ratings = Vec::new();
        let rated = v.ratings.iter().any(|r| r.severity.is_some());
        if let (Some(s), false) = (v.severity, rated) {
            ratings.push(CdxRating {
                source: v.source.as_ref().map(source),
                score: None,
                severity: Some(severity(s)),
                method: "other",
                vector: None,
            });
        }
        ratings.extend(v.ratings.iter().map(rating));
        let recommendation = (!v.fixed_versions.is_empty())
            .then(|| format!("Upgrade to {}", v.fixed_versions.join(" or ")));
        out.push(CdxVulnerability {
            bom_ref,
            id: v.id.clone(),
            source: v.source.as_ref().map(source),
            references: v
                .aliases
                .iter()
                .filter(|a| **a != v.id)
                .map(|a| VulnReference {
                    id: a.clone(),
                    source: alias_source(a),
                })
                .collect(),
            ratings,
            cwes: v.cwes.clone(),
            description: v.description.clone(),
            recommendation,
            advisories: v
                .references
                .iter()
                .map(|u| Advisory { url: u.clone() })
                .collect(),
            published: v
                .published
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            updated: v
                .modified
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            analysis: v.analysis.clone(),
            affects,
        });
    }
    Ok(out)
}
