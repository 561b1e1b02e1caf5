//! PHP packages installed by Composer: `vendor/composer/installed.json`.
//!
//! Composer 1 writes a JSON array of packages; Composer 2 writes `{"packages": [...]}` (plus
//! `dev` and `dev-package-names`). Each package has `name` (`vendor/project`), `version` as
//! the tag was spelled (`v1.8.1`, kept verbatim: advisories for Packagist match on it after
//! their own normalisation) and `license` (an array of SPDX ids). Packages Composer marked as
//! dev-only are still reported: `installed.json` lists what is on disk, and `composer install
//! --no-dev` leaves them out of the file when they are not installed.

use serde_json::Value;

use crate::package::{Package, PackageKind};
use crate::Warning;

/// Whether `path` is Composer's record of installed packages.
pub fn is_installed_json(path: &str) -> bool {
    path.ends_with("/vendor/composer/installed.json")
}

/// Reads `installed.json` in either format.
pub fn parse_installed(
    bytes: &[u8],
    location: &str,
) -> Result<(Vec<Package>, Vec<Warning>), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => o
            .get("packages")
            .and_then(Value::as_array)
            .ok_or("no \"packages\" array (Composer 2) and not an array (Composer 1)")?,
        _ => return Err("neither a package array nor an object with \"packages\"".into()),
    };
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let version = entry
            .get("version")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let (Some(name), Some(version)) = (name, version) else {
            warnings.push(Warning::new(
                location,
                format!("package {i}: no name or version"),
            ));
            continue;
        };
        let mut p = Package::application(PackageKind::Composer, name, version, location);
        let licenses: Vec<&str> = entry
            .get("license")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !licenses.is_empty() {
            p.license = Some(licenses.join(" OR "));
        }
        out.push(p);
    }
    Ok((out, warnings))
}
