//! Java archives: `.jar`, `.war`, `.ear` (and archives nested in them), catalogued from the
//! `META-INF/maven/<groupId>/<artifactId>/pom.properties` files Maven writes into every artifact
//! it builds. Shaded ("fat") jars keep one such file per bundled artifact, so they yield one
//! package each.
//!
//! An archive whose own identity is in none of its `pom.properties` (jars built with Ant or
//! bnd, a shaded jar that dropped its own file, an application jar renamed to `app.jar`) is
//! named from its `META-INF/MANIFEST.MF` and file name by Syft's rules, so both tools report
//! such jars alike, except where those rules give wrong Maven coordinates ([`manifest`] lists
//! each). Its groupId is taken only where the manifest states it checkably; otherwise the PURL
//! has no namespace rather than a guessed one.
//!
//! Limits (design.md): archives nest at most [`MAX_NESTING`] deep (jar in war in ear…); an entry
//! is decompressed to at most [`MAX_ENTRY_BYTES`], so a zip bomb costs bounded memory; a broken
//! archive is a warning naming it.

use std::io::{Cursor, Read};

use crate::package::{Package, PackageKind};
use crate::{Distro, Warning};

pub mod manifest;
use manifest::Manifest;

/// How deep archives may nest: the outer archive is level 1.
pub const MAX_NESTING: usize = 4;
/// Largest entry decompressed (the design's per-file limit).
pub const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;
/// Largest `pom.properties` read; real ones are about 100 bytes.
const MAX_PROPERTIES: u64 = 64 * 1024;
/// Largest `MANIFEST.MF` read; OSGi bundles with long `Export-Package` lists reach ~100 KB.
const MAX_MANIFEST: u64 = 1024 * 1024;

/// Whether a path names a Java archive this cataloguer reads.
pub fn is_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Catalogues one archive (and the archives inside it). `location` is the archive's path in the
/// image; packages found in nested archives get `outer!inner` locations.
pub fn parse_archive(bytes: &[u8], location: &str) -> (Vec<Package>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    walk(bytes, location, 1, &mut packages, &mut warnings);
    (packages, warnings)
}

fn walk(
    bytes: &[u8],
    location: &str,
    depth: usize,
    out: &mut Vec<Package>,
    warnings: &mut Vec<Warning>,
) {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            warnings.push(Warning::new(
                location,
                format!("not a readable zip archive: {e}"),
            ));
            return;
        }
    };
    let mut poms = Vec::new();
    let mut manifest_text = None;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                warnings.push(Warning::new(location, format!("entry {i}: {e}")));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_owned();
        if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            let mut buf = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_MANIFEST).read_to_end(&mut buf) {
                warnings.push(Warning::new(format!("{location}!{name}"), e.to_string()));
                continue;
            }
            manifest_text = Some(String::from_utf8_lossy(&buf).into_owned());
        } else if let Some((group, artifact)) = pom_properties_coordinates(&name) {
            let mut text = String::new();
            if let Err(e) = (&mut entry).take(MAX_PROPERTIES).read_to_string(&mut text) {
                warnings.push(Warning::new(format!("{location}!{name}"), e.to_string()));
                continue;
            }
            match package_from_properties(&text, group, artifact, &format!("{location}!{name}")) {
                Some(p) => poms.push(p),
                None => warnings.push(Warning::new(
                    format!("{location}!{name}"),
                    "pom.properties without groupId, artifactId or version",
                )),
            }
        } else if is_archive(&name) {
            let inner_location = format!("{location}!{name}");
            if depth >= MAX_NESTING {
                warnings.push(Warning::new(
                    inner_location,
                    format!("archive nested deeper than {MAX_NESTING} levels; not opened"),
                ));
                continue;
            }
            let mut inner = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_ENTRY_BYTES).read_to_end(&mut inner) {
                warnings.push(Warning::new(inner_location, e.to_string()));
                continue;
            }
            drop(entry);
            walk(&inner, &inner_location, depth + 1, out, warnings);
        }
    }
    if let Some(text) = manifest_text {
        out.extend(package_from_manifest(
            &Manifest::parse(&text),
            location,
            &poms,
        ));
    }
    out.extend(poms);
}

/// The archive itself as a package, from its manifest and file name, unless one of its
/// `pom.properties` already describes it (Syft's test: a `pom.properties` artifactId equal to
/// the file name's, else one starting with it or ending it, or equal to the chosen name).
/// Archives with neither a name nor a version are left out: nothing could match them.
fn package_from_manifest(m: &Manifest, location: &str, poms: &[Package]) -> Option<Package> {
    // New Relic's instrumentation jars carry the name and version of the library they
    // instrument; Syft skips them for the same reason.
    if m.main("Weave-Classes").is_some() {
        return None;
    }
    let (file_name, file_version) = manifest::name_and_version_from_file_name(location);
    let artifacts: Vec<&str> = poms
        .iter()
        .map(|p| p.name.rsplit(':').next().unwrap_or(&p.name))
        .filter(|a| !a.is_empty())
        .collect();
    if !file_name.is_empty() {
        let describes = if artifacts.contains(&file_name.as_str()) {
            true
        } else {
            artifacts
                .iter()
                .any(|a| a.starts_with(file_name.as_str()) || file_name.ends_with(a))
        };
        if describes {
            return None;
        }
    }
    let name = if file_name.is_empty() {
        manifest::name_from_manifest(m)?.to_owned()
    } else {
        file_name
    };
    if artifacts.contains(&name.as_str()) {
        return None;
    }
    let version = if file_version.is_empty() {
        manifest::version_from_manifest(m)?.to_owned()
    } else {
        file_version
    };
    let full_name = match manifest::group_from_manifest(m, &name) {
        Some(group) => format!("{group}:{name}"),
        None => name,
    };
    Some(Package::application(
        PackageKind::Maven,
        full_name,
        version,
        format!("{location}!META-INF/MANIFEST.MF"),
    ))
}

/// `META-INF/maven/<group>/<artifact>/pom.properties` → (group, artifact).
fn pom_properties_coordinates(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("META-INF/maven/")?;
    let rest = rest.strip_suffix("/pom.properties")?;
    let (group, artifact) = rest.split_once('/')?;
    (!group.is_empty() && !artifact.is_empty() && !artifact.contains('/'))
        .then_some((group, artifact))
}

/// Reads `key=value` properties; the file's own groupId/artifactId win over the path's.
fn package_from_properties(
    text: &str,
    group: &str,
    artifact: &str,
    location: &str,
) -> Option<Package> {
    let mut props = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        if let Some((k, v)) = line.split_once(['=', ':']) {
            props.insert(k.trim(), v.trim());
        }
    }
    let group = props.get("groupId").copied().unwrap_or(group);
    let artifact = props.get("artifactId").copied().unwrap_or(artifact);
    let version = props.get("version").copied().filter(|v| !v.is_empty())?;
    let mut p = Package {
        name: format!("{group}:{artifact}"),
        version: version.to_owned(),
        epoch: None,
        release: None,
        arch: None,
        source_name: None,
        source_version: None,
        license: None,
        kind: PackageKind::Maven,
        purl: String::new(),
        location: location.to_owned(),
        files: Vec::new(),
        layer: None,
    };
    p.compute_purl(&Distro::unknown());
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_from_paths() {
        assert_eq!(
            pom_properties_coordinates("META-INF/maven/org.example/lib/pom.properties"),
            Some(("org.example", "lib"))
        );
        assert_eq!(
            pom_properties_coordinates("META-INF/maven/a/b/c/pom.properties"),
            None
        );
        assert_eq!(pom_properties_coordinates("META-INF/MANIFEST.MF"), None);
    }

    #[test]
    fn not_a_zip_is_a_warning() {
        let (p, w) = parse_archive(b"not a zip", "/app.jar");
        assert!(p.is_empty());
        assert_eq!(w.len(), 1);
    }
}
