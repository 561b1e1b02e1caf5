//! .NET applications: the `<app>.deps.json` the SDK writes beside every built application,
//! listing the NuGet packages it was built against.
//!
//! Its `libraries` object is keyed `Name/Version`; entries of `"type": "package"` are NuGet
//! packages. `project` entries are the application's own assemblies and `runtimepack` ones are
//! the runtime of a self-contained app; neither is a NuGet package, so both are left out.

use serde_json::Value;

use crate::package::{Package, PackageKind};
use crate::Warning;

/// Whether `path` is a `*.deps.json`.
pub fn is_deps_json(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.len() > ".deps.json".len() && name.ends_with(".deps.json")
}

/// Reads the NuGet packages of a `deps.json`.
pub fn parse_deps_json(
    bytes: &[u8],
    location: &str,
) -> Result<(Vec<Package>, Vec<Warning>), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let libraries = v
        .get("libraries")
        .and_then(Value::as_object)
        .ok_or("no \"libraries\" object")?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (key, lib) in libraries {
        if lib.get("type").and_then(Value::as_str) != Some("package") {
            continue;
        }
        match key.split_once('/') {
            Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                out.push(Package::application(
                    PackageKind::Nuget,
                    name,
                    version,
                    location,
                ));
            }
            _ => warnings.push(Warning::new(
                location,
                format!("library {key:?} is not Name/Version"),
            )),
        }
    }
    Ok((out, warnings))
}
