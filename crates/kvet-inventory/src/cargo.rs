//! Rust crates: from a project's `Cargo.lock`, and from binaries built with
//! [`cargo auditable`](https://github.com/rust-secure-code/cargo-auditable), which embeds the
//! resolved dependency tree as zlib-compressed JSON in a `.dep-v0` section.
//!
//! `Cargo.lock` is read with the `toml` crate into a few serde structs rather than with
//! `cargo-lock` (crates.md's choice): `cargo-lock` parses every `source` into a `url::Url`,
//! which pulls the `url`/`idna`/ICU stack into the workspace for a field this cataloguer only
//! copies; the lockfile's own format is just `[[package]]` tables of strings.
//!
//! The audit data is bounded: the section is inflated to at most [`MAX_AUDIT_JSON`] bytes
//! (what `rust-audit-info` allows by default), so a crafted binary cannot make it allocate
//! more. Build-time dependencies (`"kind": "build"`: build scripts, proc macros) are left out:
//! they are not in the binary.

use std::io::Read;

use serde::Deserialize;

use crate::package::{Package, PackageKind};

/// Largest inflated audit JSON accepted.
pub const MAX_AUDIT_JSON: u64 = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
}

/// Reads a `Cargo.lock` (any of its formats: v1 to v4 differ in checksums and dependency
/// spelling, not in `name`/`version`).
pub fn parse_lockfile(bytes: &[u8], location: &str) -> Result<Vec<Package>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let lock: Lockfile = toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
    Ok(lock
        .package
        .into_iter()
        .map(|p| Package::application(PackageKind::Cargo, p.name, p.version, location))
        .collect())
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
}

/// The section `cargo auditable` writes (its name without the dot is one of
/// [`crate::EXECUTABLE_MARKERS`]).
pub const SECTION: &str = ".dep-v0";

/// The `.dep-v0` section's bytes, if the executable has one.
fn audit_section(bytes: &[u8]) -> Option<&[u8]> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).ok()?;
    let section = file.section_by_name(SECTION)?;
    section.data().ok()
}

/// Catalogues an executable built with `cargo auditable`: `Ok(vec![])` when it is not one.
pub fn parse_binary(bytes: &[u8], location: &str) -> Result<Vec<Package>, String> {
    let Some(compressed) = audit_section(bytes) else {
        return Ok(Vec::new());
    };
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_AUDIT_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("cargo-auditable data: bad zlib stream: {e}"))?;
    if json.len() as u64 > MAX_AUDIT_JSON {
        return Err(format!(
            "cargo-auditable data inflates past {MAX_AUDIT_JSON} bytes; not read"
        ));
    }
    let data: AuditData = serde_json::from_slice(&json)
        .map_err(|e| format!("cargo-auditable data: invalid JSON: {e}"))?;
    Ok(data
        .packages
        .into_iter()
        .filter(|p| p.kind.as_deref() != Some("build"))
        .map(|p| Package::application(PackageKind::Cargo, p.name, p.version, location))
        .collect())
}
