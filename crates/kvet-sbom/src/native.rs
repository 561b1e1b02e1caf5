//! kvet's own JSON: everything the inventory knows, in field names this crate owns (not the
//! inventory's Rust field names, which may change), so scripts can rely on them.
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "tool": { "name": "kvet", "version": "0.1.0" },
//!   "created": "2026-01-01T00:00:00Z",
//!   "target": { "name": "debian:12", "kind": "image", "digest": "sha256:…", "purl": "pkg:oci/…" },
//!   "distro": { "id": "debian", "version_id": "12", "name": …, "codename": …, "pretty": …, "source": "/etc/os-release" },
//!   "packages": [ { "name", "version", "epoch", "release", "full_version", "arch", "kind",
//!                   "purl", "bom_ref", "source_name", "source_version", "license",
//!                   "location", "layer": { "index", "digest", "diff_id", "created_by" }, "files" } ],
//!   "warnings": [ { "location", "message" } ],
//!   "vulnerabilities": [ … ]   // only when a vulnerability scan ran
//! }
//! ```
//! Absent values are `null` (never missing keys), except `layer`/`digest`/`purl` and
//! `vulnerabilities`, which are left out when unknown or not scanned.

use serde::Serialize;

use crate::ids::Entry;
use crate::target::TargetKind;
use crate::vuln::Vulnerability;
use crate::{RenderOptions, Sbom};

/// Version of the kvet JSON layout; raised on any incompatible change.
pub const NATIVE_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
pub(crate) struct Document<'a> {
    format_version: u32,
    tool: Tool,
    created: String,
    target: Target<'a>,
    distro: Distro<'a>,
    packages: Vec<Package<'a>>,
    warnings: Vec<Warning<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<&'a [Vulnerability]>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: String,
}

#[derive(Serialize)]
struct Target<'a> {
    name: &'a str,
    kind: TargetKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
}

#[derive(Serialize)]
struct Distro<'a> {
    id: &'a str,
    version_id: Option<&'a str>,
    name: Option<&'a str>,
    codename: Option<&'a str>,
    pretty: Option<&'a str>,
    source: &'a str,
}

#[derive(Serialize)]
struct Package<'a> {
    name: &'a str,
    version: &'a str,
    epoch: Option<u32>,
    release: Option<&'a str>,
    full_version: String,
    arch: Option<&'a str>,
    kind: &'static str,
    purl: &'a str,
    bom_ref: &'a str,
    source_name: Option<&'a str>,
    source_version: Option<&'a str>,
    license: Option<&'a str>,
    location: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<Layer<'a>>,
    files: &'a [String],
}

#[derive(Serialize)]
struct Layer<'a> {
    index: usize,
    digest: &'a str,
    diff_id: Option<&'a str>,
    created_by: Option<&'a str>,
}

#[derive(Serialize)]
struct Warning<'a> {
    location: &'a str,
    message: &'a str,
}

pub(crate) fn build<'a>(
    sbom: &Sbom<'a>,
    entries: &'a [Entry<'a>],
    opts: &RenderOptions,
) -> Document<'a> {
    let d = &sbom.inventory.distro;
    Document {
        format_version: NATIVE_FORMAT_VERSION,
        tool: Tool {
            name: "kvet",
            version: opts.tool_version.clone(),
        },
        created: opts.timestamp(),
        target: Target {
            name: &sbom.target.name,
            kind: sbom.target.kind,
            digest: sbom.target.effective_digest(),
            purl: sbom.target.purl(),
        },
        distro: Distro {
            id: &d.id,
            version_id: d.version_id.as_deref(),
            name: d.name.as_deref(),
            codename: d.version_codename.as_deref(),
            pretty: d.pretty.as_deref(),
            source: &d.source,
        },
        packages: entries
            .iter()
            .map(|e| {
                let p = e.pkg;
                Package {
                    name: &p.name,
                    version: &p.version,
                    epoch: p.epoch,
                    release: p.release.as_deref(),
                    full_version: p.full_version(),
                    arch: p.arch.as_deref(),
                    kind: p.kind.purl_type(),
                    purl: &p.purl,
                    bom_ref: &e.bom_ref,
                    source_name: p.source_name.as_deref(),
                    source_version: p.source_version.as_deref(),
                    license: p.license.as_deref(),
                    location: &p.location,
                    layer: p.layer.as_ref().map(|l| Layer {
                        index: l.index,
                        digest: &l.digest,
                        diff_id: l.diff_id.as_deref(),
                        created_by: l.created_by.as_deref(),
                    }),
                    files: &p.files,
                }
            })
            .collect(),
        warnings: sbom
            .inventory
            .warnings
            .iter()
            .map(|w| Warning {
                location: &w.location,
                message: &w.message,
            })
            .collect(),
        vulnerabilities: sbom.vulnerabilities,
    }
}
