//! Java archives: `.jar`, `.war`, `.ear` (and archives nested in them), catalogued from the
//! `META-INF/maven/<groupId>/<artifactId>/pom.properties` files Maven writes into every artifact
//! it builds. Shaded ("fat") jars keep one such file per bundled artifact, so they yield one
//! package each.
//!
//! Archives without `pom.properties` are not guessed from file names or `MANIFEST.MF` titles:
//! those lack the groupId an advisory needs, and a wrong coordinate is worse than none.
//!
//! Limits (design.md): archives nest at most [`MAX_NESTING`] deep (jar in war in ear…); an entry
//! is decompressed to at most [`MAX_ENTRY_BYTES`], so a zip bomb costs bounded memory; a broken
//! archive is a warning naming it.

use std::io::{Cursor, Read};

use crate::package::{Package, PackageKind};
use crate::{Distro, Warning};

/// How deep archives may nest: the outer archive is level 1.
pub const MAX_NESTING: usize = 4;
/// Largest entry decompressed (the design's per-file limit).
pub const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;
/// Largest `pom.properties` read; real ones are about 100 bytes.
const MAX_PROPERTIES: u64 = 64 * 1024;

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
        if let Some((group, artifact)) = pom_properties_coordinates(&name) {
            let mut text = String::new();
            if let Err(e) = (&mut entry).take(MAX_PROPERTIES).read_to_string(&mut text) {
                warnings.push(Warning::new(format!("{location}!{name}"), e.to_string()));
                continue;
            }
            match package_from_properties(&text, group, artifact, &format!("{location}!{name}")) {
                Some(p) => out.push(p),
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
