//! Installed Python distributions: the core-metadata file each installer leaves beside the
//! code, in any `site-packages` or `dist-packages` directory.
//!
//! | form | metadata | file list |
//! |---|---|---|
//! | wheel install (pip, uv, poetry) | `<name>-<v>.dist-info/METADATA` | `RECORD` (CSV, paths relative to site-packages) |
//! | setuptools / Debian `python3-*` | `<name>-<v>.egg-info/PKG-INFO` | `installed-files.txt` (relative to the egg-info directory) |
//! | distutils single file | `<name>-<v>.egg-info` (the metadata itself) | none |
//!
//! Debian's `python3-*` packages install into `/usr/lib/python3/dist-packages`, so the same
//! distribution is found here and by dpkg (as Syft does); the two carry different PURLs
//! (`pkg:pypi/…` vs `pkg:deb/…`) and locations, and advisories for either ecosystem apply.
//!
//! The metadata format is RFC 822-style headers (core metadata 1.0 … 2.4) up to the first
//! blank line; a header continues on lines starting with whitespace. Only the headers are
//! read, never the description body.

use crate::package::{Package, PackageKind};

/// Largest metadata file read: headers of real ones are a few KiB; descriptions follow them.
const MAX_HEADER_BYTES: usize = 1 << 20;

/// Which file of a distribution a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataForm {
    /// `*.dist-info/METADATA`.
    DistInfo,
    /// `*.egg-info/PKG-INFO`.
    EggInfoDir,
    /// `*.egg-info` as a single file.
    EggInfoFile,
}

/// Classifies `path` if it is a metadata file inside a `site-packages`/`dist-packages` tree.
pub fn metadata_form(path: &str) -> Option<MetadataForm> {
    let (dir, name) = path.rsplit_once('/')?;
    if !under_site_packages(dir) {
        return None;
    }
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    if name == "METADATA" && parent.len() > ".dist-info".len() && parent.ends_with(".dist-info") {
        Some(MetadataForm::DistInfo)
    } else if name == "PKG-INFO"
        && parent.len() > ".egg-info".len()
        && parent.ends_with(".egg-info")
    {
        Some(MetadataForm::EggInfoDir)
    } else if name.len() > ".egg-info".len() && name.ends_with(".egg-info") {
        Some(MetadataForm::EggInfoFile)
    } else {
        None
    }
}

fn under_site_packages(dir: &str) -> bool {
    dir.split('/')
        .any(|c| c == "site-packages" || c == "dist-packages")
}

/// What the metadata headers say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// `Name`, as written (normalise with [`crate::package::pep503_normalise`] to compare).
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `License-Expression` (SPDX, metadata 2.4), else a one-line `License`, else the
    /// `License ::` classifiers joined with ` AND `… see [`license_of`].
    pub license: Option<String>,
}

/// Reads the headers of a `METADATA` / `PKG-INFO` file.
pub fn parse_metadata(bytes: &[u8]) -> Result<Metadata, String> {
    let head = &bytes[..bytes.len().min(MAX_HEADER_BYTES)];
    let text = String::from_utf8_lossy(head);
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) => headers.push((k.trim().to_owned(), v.trim().to_owned())),
            // Not a header: the body started without a blank line (seen in hand-made files).
            None => break,
        }
    }
    let get = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let name = get("Name").ok_or("no Name header")?.to_owned();
    let version = get("Version").ok_or("no Version header")?.to_owned();
    Ok(Metadata {
        name,
        version,
        license: license_of(&headers),
    })
}

/// The licence, most precise source first: an SPDX `License-Expression`; a short one-line
/// `License` (projects often paste the whole licence text there, which is no identifier);
/// otherwise the names of the `License :: …` classifiers.
fn license_of(headers: &[(String, String)]) -> Option<String> {
    let field = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
    };
    if let Some(e) = field("License-Expression").filter(|v| !v.is_empty()) {
        return Some(e.to_owned());
    }
    if let Some(l) = field("License")
        .filter(|v| !v.is_empty() && !v.contains('\n') && v.len() <= 100 && *v != "UNKNOWN")
    {
        return Some(l.to_owned());
    }
    let classifiers: Vec<&str> = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Classifier"))
        .filter_map(|(_, v)| v.strip_prefix("License ::"))
        .filter_map(|v| v.rsplit("::").next().map(str::trim))
        .filter(|v| !v.is_empty())
        .collect();
    (!classifiers.is_empty()).then(|| classifiers.join(" AND "))
}

/// Paths listed in a `RECORD` file (first CSV column; quoted when it holds a comma), made
/// absolute against `site_dir`, the directory holding the `.dist-info`.
pub fn parse_record(bytes: &[u8], site_dir: &str) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| {
            let first = if let Some(rest) = line.strip_prefix('"') {
                // `""` is an escaped quote inside a quoted field.
                let mut out = String::new();
                let mut chars = rest.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            out.push('"');
                        } else {
                            break;
                        }
                    } else {
                        out.push(c);
                    }
                }
                out
            } else {
                line.split(',').next().unwrap_or("").to_owned()
            };
            (!first.is_empty()).then(|| join_lexically(site_dir, &first))
        })
        .collect()
}

/// Paths in an `installed-files.txt` (one a line, relative to the `.egg-info` directory).
pub fn parse_installed_files(bytes: &[u8], egg_info_dir: &str) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| join_lexically(egg_info_dir, l))
        .collect()
}

/// `base` + `rel` with `.` and `..` resolved without touching any filesystem (RECORD lists
/// scripts as `../../../bin/pip`); never climbs above `/`.
fn join_lexically(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|c| !c.is_empty()).collect()
    };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Catalogues one metadata file. `sibling` looks up another file of the image (the `RECORD`
/// or `installed-files.txt` next to the metadata), so the file list comes along when present.
pub fn catalogue_one<'a>(
    path: &str,
    form: MetadataForm,
    bytes: &[u8],
    sibling: impl Fn(&str) -> Option<&'a [u8]>,
) -> Result<Package, String> {
    let meta = parse_metadata(bytes)?;
    let mut p = Package::application(PackageKind::Python, meta.name, meta.version, path);
    p.license = meta.license;
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    match form {
        MetadataForm::DistInfo => {
            if let Some(record) = sibling(&format!("{dir}/RECORD")) {
                let site = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                p.files = parse_record(record, site);
            }
        }
        MetadataForm::EggInfoDir => {
            if let Some(list) = sibling(&format!("{dir}/installed-files.txt")) {
                p.files = parse_installed_files(list, dir);
            }
        }
        MetadataForm::EggInfoFile => {}
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        use MetadataForm::*;
        let f = metadata_form;
        assert_eq!(
            f("/usr/lib/python3/dist-packages/a-1.dist-info/METADATA"),
            Some(DistInfo)
        );
        assert_eq!(
            f("/venv/lib/python3.12/site-packages/a.egg-info/PKG-INFO"),
            Some(EggInfoDir)
        );
        assert_eq!(
            f("/usr/lib/python3/dist-packages/rpm-4.18.0.egg-info"),
            Some(EggInfoFile)
        );
        assert_eq!(f("/src/a.egg-info/PKG-INFO"), None);
        assert_eq!(
            f("/usr/lib/python3/dist-packages/.dist-info/METADATA"),
            None
        );
    }

    #[test]
    fn record_paths() {
        let rec = b"six.py,sha256=x,1\n\"we,ird.py\",,\n../../../bin/six,,\n";
        assert_eq!(
            parse_record(rec, "/usr/lib/python3.11/site-packages"),
            [
                "/usr/lib/python3.11/site-packages/six.py",
                "/usr/lib/python3.11/site-packages/we,ird.py",
                "/usr/bin/six"
            ]
        );
        assert_eq!(join_lexically("/a", "../../../../x"), "/x");
    }
}
