//! SPDX 2.3 JSON.
//!
//! Layout: the document DESCRIBES one package for the target (`primaryPackagePurpose`
//! CONTAINER for an image); the target CONTAINS the distro (OPERATING_SYSTEM, the JSON spelling) and every package.
//! Choices where the spec leaves room:
//! * `licenseDeclared` is the recorded licence when it is a valid SPDX expression; any other
//!   recorded string becomes `LicenseRef-<name>-<hash>` declared in `hasExtractedLicensingInfos`
//!   with the original text (so nothing recorded is lost or guessed); no licence →
//!   `NOASSERTION`.
//! * `licenseConcluded` is always `NOASSERTION`: kvet reads what the package database says and
//!   concludes nothing from file contents.
//! * `downloadLocation` is `NOASSERTION`: an installed package does not say where it came from.
//! * `sourceInfo` says which database the package was read from; `comment` carries the source
//!   package, architecture and the layer that introduced it.
//! * SPDX 2.3 has no vulnerability section, so vulnerabilities are not rendered here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::{short_hash, spdx_safe, Entry};
use crate::license::{classify, License};
use crate::target::TargetKind;
use crate::{RenderOptions, Sbom};

const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicence>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    creators: Vec<String>,
    created: String,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicence {
    license_id: String,
    name: String,
    extracted_text: String,
    comment: &'static str,
}

/// Collects licence strings that are not SPDX expressions, one `LicenseRef-` per distinct string.
#[derive(Default)]
struct LicenceRefs {
    by_text: BTreeMap<String, String>,
}

impl LicenceRefs {
    fn declared(&mut self, raw: Option<&str>) -> String {
        match raw.and_then(classify) {
            None => NOASSERTION.to_owned(),
            Some(License::Id(s) | License::Expression(s)) => s,
            Some(License::Other(text)) => self
                .by_text
                .entry(text.clone())
                .or_insert_with(|| {
                    // Readable and unique: the sanitised text (capped) plus a hash of it.
                    let mut name = spdx_safe(&text);
                    name.truncate(40);
                    format!(
                        "LicenseRef-{}-{}",
                        name.trim_matches('-'),
                        &short_hash(&[&text])[..8]
                    )
                })
                .clone(),
        }
    }

    fn into_infos(self) -> Vec<ExtractedLicence> {
        let mut v: Vec<ExtractedLicence> = self
            .by_text
            .into_iter()
            .map(|(text, id)| ExtractedLicence {
                license_id: id,
                name: text.clone(),
                extracted_text: text,
                comment: "Licence as recorded by the package database; not an SPDX expression",
            })
            .collect();
        v.sort_by(|a, b| a.license_id.cmp(&b.license_id));
        v
    }
}

pub(crate) fn build(sbom: &Sbom<'_>, entries: &[Entry<'_>], opts: &RenderOptions) -> Document {
    let target = sbom.target;
    let (kind_word, purpose) = match target.kind {
        TargetKind::Image => ("image", "CONTAINER"),
        TargetKind::Filesystem => ("filesystem", "FILE"),
    };
    let mut doc_name = spdx_safe(&target.name);
    doc_name.truncate(100);
    let namespace = format!(
        "https://kvet-dev.github.io/spdx/{kind_word}/{doc_name}-{}",
        opts.serial
    );
    let root_id = format!(
        "SPDXRef-{}-{}",
        if target.kind == TargetKind::Image {
            "ContainerImage"
        } else {
            "Filesystem"
        },
        short_hash(&[&target.name])
    );
    let mut packages = vec![Package {
        name: target.name.clone(),
        spdx_id: root_id.clone(),
        version_info: target.effective_digest().map(str::to_owned),
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.to_owned(),
        copyright_text: NOASSERTION,
        source_info: None,
        comment: None,
        description: None,
        external_refs: target.purl().map(|p| vec![purl_ref(p)]).unwrap_or_default(),
        primary_package_purpose: purpose,
    }];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".to_owned(),
        relationship_type: "DESCRIBES",
        related_spdx_element: root_id.clone(),
    }];

    let distro = &sbom.inventory.distro;
    if !distro.is_unknown() {
        let os_id = format!(
            "SPDXRef-OperatingSystem-{}",
            spdx_safe(&distro.purl_qualifier())
        );
        packages.push(Package {
            name: distro.id.clone(),
            spdx_id: os_id.clone(),
            version_info: distro.version_id.clone(),
            download_location: NOASSERTION,
            files_analyzed: false,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_owned(),
            copyright_text: NOASSERTION,
            source_info: (!distro.source.is_empty())
                .then(|| format!("detected by kvet from {}", distro.source)),
            comment: None,
            description: distro.pretty.clone(),
            external_refs: Vec::new(),
            primary_package_purpose: "OPERATING_SYSTEM",
        });
        relationships.push(Relationship {
            spdx_element_id: root_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: os_id,
        });
    }

    let mut refs = LicenceRefs::default();
    for e in entries {
        let p = e.pkg;
        let mut comment = Vec::new();
        if let Some(s) = &p.source_name {
            match &p.source_version {
                Some(v) => comment.push(format!("source package: {s} {v}")),
                None => comment.push(format!("source package: {s}")),
            }
        }
        if let Some(a) = &p.arch {
            comment.push(format!("arch: {a}"));
        }
        if let Some(l) = &p.layer {
            let mut s = format!("layer {}: {}", l.index, l.digest);
            if let Some(d) = &l.diff_id {
                s.push_str(&format!(" (diff_id {d})"));
            }
            if let Some(c) = &l.created_by {
                s.push_str(&format!(", created by: {c}"));
            }
            comment.push(s);
        }
        packages.push(Package {
            name: p.name.clone(),
            spdx_id: e.spdx_id.clone(),
            version_info: Some(p.full_version()),
            download_location: NOASSERTION,
            files_analyzed: false,
            license_concluded: NOASSERTION,
            license_declared: refs.declared(p.license.as_deref()),
            copyright_text: NOASSERTION,
            source_info: Some(format!(
                "acquired package info from {} database {}",
                p.kind.purl_type(),
                p.location
            )),
            comment: (!comment.is_empty()).then(|| comment.join("; ")),
            description: None,
            external_refs: if p.purl.is_empty() {
                Vec::new()
            } else {
                vec![purl_ref(p.purl.clone())]
            },
            primary_package_purpose: match p.kind.purl_type() {
                "generic" | "binary" => "APPLICATION",
                _ => "LIBRARY",
            },
        });
        relationships.push(Relationship {
            spdx_element_id: root_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: e.spdx_id.clone(),
        });
    }

    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: target.name.clone(),
        document_namespace: namespace,
        creation_info: CreationInfo {
            creators: vec![format!("Tool: kvet-{}", opts.tool_version)],
            created: opts.timestamp(),
            license_list_version: license_list_version(),
        },
        packages,
        relationships,
        has_extracted_licensing_infos: refs.into_infos(),
    }
}

fn purl_ref(purl: String) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: purl,
    }
}

/// The licence list the `spdx` crate validated against, as SPDX wants it: `M.N` (`3.29`).
fn license_list_version() -> String {
    spdx::identifiers::VERSION
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}
