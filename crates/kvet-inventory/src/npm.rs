//! Node.js packages: what is installed (`node_modules/<name>/package.json`, at any depth,
//! scoped `node_modules/@scope/<name>/package.json` too) and what a project locked
//! (`package-lock.json` outside `node_modules`, lockfile versions 1, 2 and 3).
//!
//! Lockfile versions: v1 (npm 5–6) nests `dependencies` objects keyed by name; v2 (npm 7–8)
//! has both that and a flat `packages` object keyed by install path
//! (`node_modules/a/node_modules/b`); v3 (npm ≥ 9) has only `packages`. When `packages` is
//! there it is the one read, so a v2 file does not count everything twice. Entries marked
//! `dev` are left out (as Trivy does by default): they are not needed at run time and a
//! production image built with `npm ci --omit=dev` does not have them — when they are
//! installed, their `package.json` under `node_modules` reports them. Workspace links and
//! entries whose version is a URL, git or file reference (no registry version to match
//! advisories on) are left out too.

use serde_json::Value;

use crate::package::{Package, PackageKind};
use crate::Warning;

/// Whether `path` is a `package.json` this cataloguer reads: directly inside a package
/// directory of a `node_modules` tree.
pub fn is_installed_package_json(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let mut up = dir.rsplit('/');
    match (up.next(), up.next(), up.next()) {
        (Some(name), Some("node_modules"), _) => !name.is_empty() && !name.starts_with('@'),
        (Some(name), Some(scope), Some("node_modules")) => {
            !name.is_empty() && scope.len() > 1 && scope.starts_with('@')
        }
        _ => false,
    }
}

/// Whether `path` is a `package-lock.json` of a project (not one shipped inside a package).
pub fn is_lockfile(path: &str) -> bool {
    path.ends_with("/package-lock.json") && !path.split('/').any(|c| c == "node_modules")
}

/// Reads an installed `package.json`: `Ok(None)` when it has no name or version (build
/// helpers and test fixtures inside packages often do not).
pub fn parse_package_json(bytes: &[u8], location: &str) -> Result<Option<Package>, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let (Some(name), Some(version)) = (
        v.get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
        v.get("version")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
    ) else {
        return Ok(None);
    };
    let mut p = Package::application(PackageKind::Npm, name, version, location);
    p.license = license(&v);
    Ok(Some(p))
}

/// `"license": "MIT"`, the old `{"type": "MIT"}` object, or the older `"licenses"` array.
fn license(v: &Value) -> Option<String> {
    let one = |l: &Value| match l {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    if let Some(l) = v.get("license").and_then(one) {
        return Some(l);
    }
    let list: Vec<String> = v
        .get("licenses")?
        .as_array()?
        .iter()
        .filter_map(one)
        .collect();
    (!list.is_empty()).then(|| list.join(" OR "))
}

/// Reads a `package-lock.json`. Entries that cannot be used are warnings, the rest are
/// packages; a file that is not a lockfile at all is an error.
pub fn parse_lockfile(
    bytes: &[u8],
    location: &str,
) -> Result<(Vec<Package>, Vec<Warning>), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let lock_version = v.get("lockfileVersion").and_then(Value::as_u64);
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    if let Some(packages) = v.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            // "" is the project itself; keys without node_modules are workspace members.
            let Some(idx) = key.rfind("node_modules/") else {
                continue;
            };
            if entry.get("link").and_then(Value::as_bool) == Some(true)
                || entry.get("dev").and_then(Value::as_bool) == Some(true)
            {
                continue;
            }
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&key[idx + "node_modules/".len()..]);
            push_entry(name, entry, location, &mut out, &mut warnings);
        }
    } else if let Some(deps) = v.get("dependencies").and_then(Value::as_object) {
        // v1: nested objects; depth is bounded by serde_json's recursion limit.
        let mut stack: Vec<&serde_json::Map<String, Value>> = vec![deps];
        while let Some(map) = stack.pop() {
            for (name, entry) in map {
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    stack.push(nested);
                }
                if entry.get("dev").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                push_entry(name, entry, location, &mut out, &mut warnings);
            }
        }
    } else if lock_version.is_none() {
        return Err("no lockfileVersion, packages or dependencies: not a package-lock.json".into());
    }
    Ok((out, warnings))
}

fn push_entry(
    name: &str,
    entry: &Value,
    location: &str,
    out: &mut Vec<Package>,
    warnings: &mut Vec<Warning>,
) {
    let Some(version) = entry.get("version").and_then(Value::as_str) else {
        warnings.push(Warning::new(
            location,
            format!("{name}: entry without a version"),
        ));
        return;
    };
    // Git, tarball-URL and file: dependencies carry a reference, not a registry version.
    if version.is_empty() || version.contains(':') || version.contains('/') {
        return;
    }
    let mut p = Package::application(PackageKind::Npm, name, version, location);
    p.license = entry
        .get("license")
        .and_then(Value::as_str)
        .map(str::to_owned);
    out.push(p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_installed_package_json(
            "/app/node_modules/ms/package.json"
        ));
        assert!(is_installed_package_json(
            "/app/node_modules/a/node_modules/@s/b/package.json"
        ));
        assert!(!is_installed_package_json("/app/package.json"));
        assert!(!is_installed_package_json(
            "/app/node_modules/a/lib/package.json"
        ));
        assert!(!is_installed_package_json(
            "/app/node_modules/@s/package.json"
        ));
        assert!(is_lockfile("/srv/app/package-lock.json"));
        assert!(!is_lockfile("/srv/app/node_modules/x/package-lock.json"));
    }
}
