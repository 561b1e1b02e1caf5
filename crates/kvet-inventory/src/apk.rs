//! Alpine apk: `/lib/apk/db/installed`.
//!
//! The database is a list of blank-line separated records, one `X:value` line per field,
//! where `X` is a single letter (apk-tools' "installed database" format): `P` name, `V` version,
//! `A` arch, `o` origin (source package), `L` licence, `F` a directory and the `R` file names in
//! it that follow. Alpine's security database is keyed by origin, hence `source_name`.
//!
//! A record with a line that is not `X:value`, or without `P`/`V`, is skipped with a warning;
//! the other records are still reported.

use crate::distro::Distro;
use crate::package::{Package, PackageKind};
use crate::Warning;

#[derive(Default)]
struct Record {
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    files: Vec<String>,
    dir: String,
    bad_line: Option<usize>,
    first_line: usize,
}

/// Parses an `installed` database.
pub fn parse_installed(
    bytes: &[u8],
    location: &str,
    distro: &Distro,
) -> (Vec<Package>, Vec<Warning>) {
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    let mut rec: Option<Record> = None;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        if line.trim().is_empty() {
            if let Some(r) = rec.take() {
                finish(r, location, distro, &mut packages, &mut warnings);
            }
            continue;
        }
        let r = rec.get_or_insert_with(|| Record {
            first_line: lineno,
            ..Record::default()
        });
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' {
            r.bad_line.get_or_insert(lineno);
            continue;
        }
        let value = &line[2..];
        match bytes[0] {
            b'P' => r.name = Some(value.to_owned()),
            b'V' => r.version = Some(value.to_owned()),
            b'A' => r.arch = Some(value.to_owned()),
            b'o' => r.origin = Some(value.to_owned()),
            b'L' => r.license = Some(value.to_owned()),
            b'F' => r.dir = value.to_owned(),
            b'R' => r.files.push(if r.dir.is_empty() {
                format!("/{value}")
            } else {
                format!("/{}/{value}", r.dir)
            }),
            _ => {}
        }
    }
    if let Some(r) = rec.take() {
        finish(r, location, distro, &mut packages, &mut warnings);
    }
    (packages, warnings)
}

fn finish(
    r: Record,
    location: &str,
    distro: &Distro,
    out: &mut Vec<Package>,
    warnings: &mut Vec<Warning>,
) {
    if let Some(bad) = r.bad_line {
        warnings.push(Warning::new(
            location,
            format!(
                "record at line {}: line {bad} is not a `X:value` field; record skipped",
                r.first_line
            ),
        ));
        return;
    }
    let (Some(name), Some(version)) = (r.name, r.version) else {
        warnings.push(Warning::new(
            location,
            format!(
                "record at line {}: no P (name) or V (version); record skipped",
                r.first_line
            ),
        ));
        return;
    };
    let mut p = Package {
        name,
        version,
        epoch: None,
        release: None,
        arch: r.arch,
        source_name: r.origin,
        source_version: None,
        license: r.license,
        kind: PackageKind::Apk,
        purl: String::new(),
        location: location.to_owned(),
        files: r.files,
        layer: None,
    };
    p.compute_purl(distro);
    out.push(p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_joined_with_their_directory() {
        let db = b"P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n";
        let (p, w) = parse_installed(
            db,
            "/lib/apk/db/installed",
            &Distro::new("alpine", Some("3.19.0")),
        );
        assert!(w.is_empty());
        assert_eq!(
            p[0].files,
            ["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(
            p[0].purl,
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.0"
        );
    }
}
