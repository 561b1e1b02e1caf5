//! dpkg: `/var/lib/dpkg/status`, distroless `/var/lib/dpkg/status.d/*`, and the file lists in
//! `/var/lib/dpkg/info/<pkg>[:<arch>].list`.
//!
//! A status file is a sequence of RFC 822-style paragraphs. Which paragraphs count as installed:
//! in `status`, those whose `Status` is `install <flag> installed` (the selection is "install"
//! and the files are all on disk; packages being removed, half-installed or only leaving config
//! files behind are not reported). Distroless `status.d/` files carry no `Status` at all — the
//! image build only writes packages it installed — so there a missing `Status` means installed.

use crate::distro::Distro;
use crate::package::{Package, PackageKind};
use crate::{Files, Warning};

/// One paragraph of a status file, fields as written (continuation lines joined by `\n`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Paragraph {
    fields: Vec<(String, String)>,
}

impl Paragraph {
    /// The value of `key` (case-insensitive, as dpkg treats field names).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a control file into paragraphs. Lines without a colon outside a continuation are
/// ignored rather than fatal: a damaged paragraph still yields the fields it has.
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            cur.fields.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a `Status` value means the package's files are installed.
pub fn is_installed(status: &str) -> bool {
    let words: Vec<&str> = status.split_whitespace().collect();
    matches!(words.as_slice(), ["install", _, "installed"])
}

/// Splits `1:2.36-9` into epoch and the rest. A malformed epoch is left in the version.
pub fn split_epoch(version: &str) -> (Option<u32>, &str) {
    match version.split_once(':') {
        Some((e, rest)) => match e.parse() {
            Ok(n) => (Some(n), rest),
            Err(_) => (None, version),
        },
        None => (None, version),
    }
}

/// Parses `Source: name (version)` / `Source: name`.
pub fn parse_source(source: &str) -> (String, Option<String>) {
    match source.split_once('(') {
        Some((n, v)) => (
            n.trim().to_owned(),
            Some(v.trim_end().trim_end_matches(')').trim().to_owned()).filter(|v| !v.is_empty()),
        ),
        None => (source.trim().to_owned(), None),
    }
}

/// Parses one status file. `status_d` is true for distroless `status.d/` files, where a missing
/// `Status` means installed.
pub fn parse_status(
    bytes: &[u8],
    location: &str,
    status_d: bool,
    distro: &Distro,
) -> (Vec<Package>, Vec<Warning>) {
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for (i, para) in paragraphs(&text).into_iter().enumerate() {
        let installed = match para.get("Status") {
            Some(s) => is_installed(s),
            None => status_d,
        };
        if !installed {
            continue;
        }
        let (Some(name), Some(version)) = (para.get("Package"), para.get("Version")) else {
            warnings.push(Warning::new(
                location,
                format!("paragraph {}: no Package or Version field", i + 1),
            ));
            continue;
        };
        let (epoch, version) = split_epoch(version);
        let (source_name, source_version) = match para.get("Source") {
            Some(s) => {
                let (n, v) = parse_source(s);
                (Some(n), v)
            }
            None => (None, None),
        };
        let mut p = Package {
            name: name.to_owned(),
            version: version.to_owned(),
            epoch,
            release: None,
            arch: para.get("Architecture").map(str::to_owned),
            source_name,
            source_version,
            license: para.get("License").map(str::to_owned),
            kind: PackageKind::Deb,
            purl: String::new(),
            location: location.to_owned(),
            files: Vec::new(),
            layer: None,
        };
        p.compute_purl(distro);
        packages.push(p);
    }
    (packages, warnings)
}

/// Licence names from a machine-readable (DEP-5) `copyright` file: the distinct short names on
/// `License:` lines, joined with ` AND `. `None` for free-form copyright files, which would need
/// guessing.
pub fn copyright_licenses(text: &str) -> Option<String> {
    let first = text.lines().next()?;
    if !first.starts_with("Format:") {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("License:") {
            let v = v.trim();
            if !v.is_empty() && !names.contains(&v) {
                names.push(v);
            }
        }
    }
    (!names.is_empty()).then(|| names.join(" AND "))
}

/// Runs the dpkg cataloguer over an image's files: the status file, every `status.d/` file
/// (except `*.md5sums`), and for each package its `.list` and `copyright` when present.
pub fn catalogue(files: &Files, distro: &Distro) -> (Vec<Package>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    if let Some(b) = files.get("/var/lib/dpkg/status") {
        let (p, w) = parse_status(b, "/var/lib/dpkg/status", false, distro);
        packages.extend(p);
        warnings.extend(w);
    }
    let prefix = "/var/lib/dpkg/status.d/";
    for (path, b) in files.range(prefix.to_owned()..) {
        if !path.starts_with(prefix) {
            break;
        }
        if path.ends_with(".md5sums") || path[prefix.len()..].contains('/') {
            continue;
        }
        let (p, w) = parse_status(b, path, true, distro);
        packages.extend(p);
        warnings.extend(w);
    }
    for p in &mut packages {
        let list = p
            .arch
            .as_ref()
            .and_then(|a| files.get(&format!("/var/lib/dpkg/info/{}:{a}.list", p.name)))
            .or_else(|| files.get(&format!("/var/lib/dpkg/info/{}.list", p.name)));
        if let Some(list) = list {
            p.files = String::from_utf8_lossy(list)
                .lines()
                .filter(|l| !l.is_empty() && *l != "/.")
                .map(str::to_owned)
                .collect();
        }
        if p.license.is_none() {
            if let Some(c) = files.get(&format!("/usr/share/doc/{}/copyright", p.name)) {
                p.license = copyright_licenses(&String::from_utf8_lossy(c));
            }
        }
    }
    (packages, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_and_epoch() {
        assert_eq!(
            parse_source("util-linux (2.38.1-5+deb12u3)"),
            ("util-linux".into(), Some("2.38.1-5+deb12u3".into()))
        );
        assert_eq!(parse_source("gcc-12"), ("gcc-12".into(), None));
        assert_eq!(split_epoch("1:2.36-9"), (Some(1), "2.36-9"));
        assert_eq!(split_epoch("2.36-9"), (None, "2.36-9"));
    }

    #[test]
    fn status_values() {
        assert!(is_installed("install ok installed"));
        assert!(!is_installed("deinstall ok config-files"));
        assert!(!is_installed("install ok unpacked"));
        assert!(!is_installed("purge ok installed"));
    }

    #[test]
    fn dep5_licences() {
        let t = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n\nFiles: x\nLicense: BSD-3-clause\n\nLicense: GPL-3+\n text\n";
        assert_eq!(
            copyright_licenses(t).as_deref(),
            Some("GPL-3+ AND BSD-3-clause")
        );
        assert_eq!(
            copyright_licenses("This is free-form\nLicense: GPL\n"),
            None
        );
    }
}
