//! SBOM formats: one scanned target's [`Inventory`] rendered as CycloneDX 1.5 JSON (with
//! vulnerabilities when a scan supplied them), SPDX 2.3 JSON, kvet's own JSON, or a table.
//!
//! # Contract
//!
//! * **Pure.** Rendering reads the inventory and writes to the given writer; nothing else is
//!   read or written. Every field that would make two runs differ (the timestamp, the
//!   CycloneDX serial number, the SPDX document namespace) comes from [`RenderOptions`], so
//!   tests and reproducible pipelines can pin them.
//! * **Stable order.** Packages are sorted by kind, name, version, location (then PURL), in every
//!   format, whatever order the cataloguers produced them in.
//! * **Stable, unique identifiers.** A package's CycloneDX `bom-ref` is its PURL; when several
//!   packages share a PURL (the same jar in two folders, `stdlib` in every Go binary) each gets a
//!   `package-id` qualifier hashed from its location, as Trivy does. SPDX ids are derived from the
//!   bom-ref, keep only `[A-Za-z0-9.-]`, and are unique in the document.
//! * **Licences are never guessed.** A licence string that is a valid SPDX expression (strict
//!   syntax, deprecated ids allowed) is used as one; anything else (`GPLv2+`, `BSD`, `Public
//!   Domain`) is kept verbatim: CycloneDX `license.name`, SPDX `LicenseRef-…` declared in
//!   `hasExtractedLicensingInfos` with the original text. See [`license`].
//!
//! Packages of any kind are handled through their PURL and [`PackageKind::purl_type`], so new
//! cataloguers need no change here.
//!
//! [`PackageKind::purl_type`]: kvet_inventory::PackageKind::purl_type

mod cyclonedx;
mod ids;
pub mod license;
mod native;
mod spdx_doc;
mod table;
mod target;
mod vuln;

use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use kvet_inventory::Inventory;

pub use native::NATIVE_FORMAT_VERSION;
pub use target::{Target, TargetKind};
pub use vuln::{Affected, Analysis, Rating, Vulnerability, VulnerabilitySource};

/// An output format of `kvet sbom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.5 JSON.
    CycloneDx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// kvet's native JSON (see [`NATIVE_FORMAT_VERSION`]).
    Json,
    /// A human table grouped by package kind.
    Table,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cyclonedx" | "cyclonedx-json" | "cdx" => Ok(Format::CycloneDx),
            "spdx" | "spdx-json" => Ok(Format::Spdx),
            "json" => Ok(Format::Json),
            "table" => Ok(Format::Table),
            _ => Err(format!(
                "unknown SBOM format '{s}' (expected cyclonedx, spdx-json, json or table)"
            )),
        }
    }
}

/// Everything that is not the inventory but ends up in the document.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Creation time written into the document (seconds precision; both specs want UTC).
    pub now: DateTime<Utc>,
    /// CycloneDX `serialNumber` (`urn:uuid:…`) and the unique part of the SPDX
    /// `documentNamespace`.
    pub serial: uuid::Uuid,
    /// kvet's version, as written into the tool/creator fields.
    pub tool_version: String,
    /// ANSI colours in the table.
    pub color: bool,
}

impl RenderOptions {
    /// Options for a real run: the current time and a fresh random serial.
    pub fn new(tool_version: impl Into<String>) -> Self {
        RenderOptions {
            now: Utc::now(),
            serial: uuid::Uuid::new_v4(),
            tool_version: tool_version.into(),
            color: false,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`: the one timestamp shape that both CycloneDX (`date-time`) and
    /// SPDX 2.3 (its schema's pattern forbids fractions and offsets) accept.
    pub(crate) fn timestamp(&self) -> String {
        self.now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// One scanned target and what was found in it.
#[derive(Debug, Clone, Copy)]
pub struct Sbom<'a> {
    /// What was scanned.
    pub target: &'a Target,
    /// Its packages, distro and warnings.
    pub inventory: &'a Inventory,
    /// Vulnerabilities found in those packages: `None` when no vulnerability scan ran (the
    /// formats then say nothing about vulnerabilities), `Some(&[])` when one ran and found none.
    pub vulnerabilities: Option<&'a [Vulnerability]>,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the output failed.
    #[error("writing the SBOM: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising JSON failed (only on a failing writer in practice).
    #[error("writing the SBOM: {0}")]
    Json(#[from] serde_json::Error),
    /// A vulnerability names a package that is not in the inventory: the CycloneDX `affects`
    /// reference would dangle.
    #[error("vulnerability {id} affects {purl}{}, which is not in the inventory", .location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
    UnknownAffected {
        /// The vulnerability id.
        id: String,
        /// The PURL it names.
        purl: String,
        /// The location it names, if any.
        location: Option<String>,
    },
}

/// Renders `sbom` in `format` to `out`.
pub fn render(
    sbom: &Sbom<'_>,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let entries = ids::index(&sbom.inventory.packages);
    match format {
        Format::CycloneDx => {
            let bom = cyclonedx::build(sbom, &entries, opts)?;
            write_json(&bom, out)
        }
        Format::Spdx => {
            let doc = spdx_doc::build(sbom, &entries, opts);
            write_json(&doc, out)
        }
        Format::Json => {
            let doc = native::build(sbom, &entries, opts);
            write_json(&doc, out)
        }
        Format::Table => Ok(table::render(sbom, &entries, opts, out)?),
    }
}

/// Renders `sbom` in `format` into a string (tests, callers that post-process).
pub fn render_to_string(
    sbom: &Sbom<'_>,
    format: Format,
    opts: &RenderOptions,
) -> Result<String, Error> {
    let mut buf = Vec::new();
    render(sbom, format, opts, &mut buf)?;
    // Every format writes only Rust strings, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn write_json<T: serde::Serialize>(v: &T, out: &mut dyn Write) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    out.write_all(b"\n")?;
    Ok(())
}
