//! Runs the application cataloguers (Python, npm, Cargo, gems, Composer, NuGet, well-known
//! binaries) over an image's files and merges their results.
//!
//! Deduplication: a package is identified by (kind, name, version, location). The same
//! package reported twice from one file (a `package-lock.json` listing `ms@2.1.2` under two
//! install paths) is kept once; the same package at two locations (two virtualenvs, two
//! copies of a binary) is two packages, since each can be fixed or exploited separately.

use std::collections::BTreeSet;

use crate::package::{Package, PackageKind};
use crate::{binary, cargo, composer, gem, npm, nuget, python, Files, Warning};

/// Catalogues every application-package file in `files` (paths the walker kept because
/// [`crate::is_wanted`] said so). Executables are handled by [`catalogue_executable`].
pub fn catalogue(files: &Files) -> (Vec<Package>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let sibling = |p: &str| files.get(p).map(Vec::as_slice);
    for (path, bytes) in files {
        let path = path.as_str();
        if let Some(form) = python::metadata_form(path) {
            match python::catalogue_one(path, form, bytes, sibling) {
                Ok(p) => out.push(p),
                Err(e) => warnings.push(Warning::new(path, e)),
            }
        } else if npm::is_installed_package_json(path) {
            match npm::parse_package_json(bytes, path) {
                Ok(p) => out.extend(p),
                Err(e) => warnings.push(Warning::new(path, e)),
            }
        } else if npm::is_lockfile(path) {
            collect(
                npm::parse_lockfile(bytes, path),
                path,
                &mut out,
                &mut warnings,
            );
        } else if path.ends_with("/Cargo.lock") {
            match cargo::parse_lockfile(bytes, path) {
                Ok(p) => out.extend(p),
                Err(e) => warnings.push(Warning::new(path, e)),
            }
        } else if gem::is_gemspec(path) {
            match gem::parse_gemspec(bytes, path) {
                Ok(p) => out.push(p),
                Err(e) => warnings.push(Warning::new(path, e)),
            }
        } else if composer::is_installed_json(path) {
            collect(
                composer::parse_installed(bytes, path),
                path,
                &mut out,
                &mut warnings,
            );
        } else if nuget::is_deps_json(path) {
            collect(
                nuget::parse_deps_json(bytes, path),
                path,
                &mut out,
                &mut warnings,
            );
        } else if binary::is_java_release(path) {
            out.extend(binary::parse_java_release(bytes, path));
        }
    }
    (dedupe(out), warnings)
}

/// Catalogues one executable or shared library: crates recorded by `cargo auditable`, and the
/// version of a well-known program.
pub fn catalogue_executable(bytes: &[u8], location: &str) -> (Vec<Package>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    match cargo::parse_binary(bytes, location) {
        Ok(p) => out.extend(p),
        Err(e) => warnings.push(Warning::new(location, e)),
    }
    out.extend(binary::parse_binary(bytes, location));
    (dedupe(out), warnings)
}

fn collect(
    result: Result<(Vec<Package>, Vec<Warning>), String>,
    path: &str,
    out: &mut Vec<Package>,
    warnings: &mut Vec<Warning>,
) {
    match result {
        Ok((p, w)) => {
            out.extend(p);
            warnings.extend(w);
        }
        Err(e) => warnings.push(Warning::new(path, e)),
    }
}

/// Drops repeats of (kind, name, version, location), keeping the first and the order.
pub fn dedupe(packages: Vec<Package>) -> Vec<Package> {
    let mut seen: BTreeSet<(PackageKind, String, String, String)> = BTreeSet::new();
    packages
        .into_iter()
        .filter(|p| {
            seen.insert((
                p.kind,
                p.name.clone(),
                p.version.clone(),
                p.location.clone(),
            ))
        })
        .collect()
}
