//! Go binaries: the module versions the Go linker embeds (what `go version -m` prints).
//!
//! Since Go 1.18 the linker writes a `.go.buildinfo` section (Mach-O `__go_buildinfo`; in PE
//! files it sits in `.data`) that starts with a 32-byte header — the 14-byte magic
//! `\xff Go buildinf:`, pointer size, flags — and, when flag bit 2 is set, continues with two
//! varint-length-prefixed strings: the Go version and the module information. The module
//! information is framed by two 16-byte sentinels and holds tab-separated lines: `path`, `mod`
//! (main module), `dep` (dependency), `=>` (replacement of the preceding module), `build`.
//!
//! Older binaries store pointers to those strings instead; reading them needs the binary's
//! address map. They are reported as a warning rather than read (Go 1.17 has been unsupported
//! since 2022). The section is located with the `object` crate; every length is bounds-checked.

use crate::package::{Package, PackageKind};
use crate::{Distro, Warning};

/// Starts the build-info header; also one of [`crate::EXECUTABLE_MARKERS`].
pub const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const FLAG_INLINE_STRINGS: u8 = 0x2;
/// Sentinels framing the module information (16 bytes each).
const SENTINEL_LEN: usize = 16;

/// What a Go binary says about how it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// `go1.22.1`.
    pub go_version: String,
    /// Main module path and version (`(devel)` for local builds).
    pub main: Option<(String, String)>,
    /// Dependencies (path, version), with replacements applied.
    pub deps: Vec<(String, String)>,
}

/// Where the build info lives in executables of each format.
const SECTIONS: &[&str] = &[".go.buildinfo", "__go_buildinfo", ".data"];

/// Finds and decodes the build info; `Ok(None)` when the file is not a Go binary.
pub fn read_buildinfo(bytes: &[u8]) -> Result<Option<BuildInfo>, String> {
    use object::{Object, ObjectSection};
    let Ok(file) = object::File::parse(bytes) else {
        return Ok(None);
    };
    for name in SECTIONS {
        let Some(section) = file.section_by_name(name) else {
            continue;
        };
        let Ok(data) = section.data() else { continue };
        // The header is 16-byte aligned within the section; `.data` holds it near the start.
        let found = (0..data.len().min(1 << 20))
            .step_by(16)
            .find(|&at| data[at..].starts_with(MAGIC));
        if let Some(at) = found {
            return decode(&data[at..]).map(Some);
        }
    }
    Ok(None)
}

fn decode(data: &[u8]) -> Result<BuildInfo, String> {
    let Some(&flags) = data.get(MAGIC.len() + 1) else {
        return Err("truncated build info header".into());
    };
    if flags & FLAG_INLINE_STRINGS == 0 {
        return Err("Go binary older than 1.18 (pointer-based build info) is not read".into());
    }
    let rest = data
        .get(HEADER_LEN..)
        .ok_or("truncated build info header")?;
    let (version, rest) = varint_string(rest).ok_or("bad Go version string")?;
    let (modinfo, _) = varint_string(rest).ok_or("bad module info string")?;
    let go_version = String::from_utf8_lossy(version).into_owned();
    let modinfo = if modinfo.len() >= 2 * SENTINEL_LEN {
        &modinfo[SENTINEL_LEN..modinfo.len() - SENTINEL_LEN]
    } else {
        &[][..]
    };
    let (main, deps) = parse_modinfo(&String::from_utf8_lossy(modinfo));
    Ok(BuildInfo {
        go_version,
        main,
        deps,
    })
}

/// An unsigned LEB128 length followed by that many bytes.
fn varint_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let start = i + 1;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            return Some((b.get(start..end)?, &b[end..]));
        }
    }
    None
}

type Module = (String, String);

fn parse_modinfo(text: &str) -> (Option<Module>, Vec<Module>) {
    let mut main = None;
    let mut deps: Vec<Module> = Vec::new();
    let mut last_was_dep = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["mod", path, version, ..] => {
                main = Some(((*path).to_owned(), (*version).to_owned()));
                last_was_dep = false;
            }
            ["dep", path, version, ..] => {
                deps.push(((*path).to_owned(), (*version).to_owned()));
                last_was_dep = true;
            }
            // `=> path version sum` replaces the dependency just listed.
            ["=>", path, version, ..] if last_was_dep => {
                if let Some(d) = deps.last_mut() {
                    *d = ((*path).to_owned(), (*version).to_owned());
                }
            }
            _ => last_was_dep = false,
        }
    }
    (main, deps)
}

/// Catalogues one executable: the main module (unless it is a `(devel)` local build), every
/// dependency, and the Go standard library as `stdlib` (advisories for Go itself use that name).
pub fn parse_binary(bytes: &[u8], location: &str) -> (Vec<Package>, Vec<Warning>) {
    let info = match read_buildinfo(bytes) {
        Ok(Some(i)) => i,
        Ok(None) => return (Vec::new(), Vec::new()),
        Err(e) => return (Vec::new(), vec![Warning::new(location, e)]),
    };
    let mut mods: Vec<Module> = Vec::new();
    if let Some((path, version)) = &info.main {
        if version != "(devel)" && !version.is_empty() {
            mods.push((path.clone(), version.clone()));
        }
    }
    mods.extend(info.deps.iter().cloned());
    if let Some(v) = info.go_version.strip_prefix("go") {
        mods.push(("stdlib".to_owned(), format!("v{v}")));
    }
    let packages = mods
        .into_iter()
        .map(|(name, version)| {
            let mut p = Package {
                name,
                version,
                epoch: None,
                release: None,
                arch: None,
                source_name: None,
                source_version: None,
                license: None,
                kind: PackageKind::Golang,
                purl: String::new(),
                location: location.to_owned(),
                files: Vec::new(),
                layer: None,
            };
            p.compute_purl(&Distro::unknown());
            p
        })
        .collect();
    (packages, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_with_replacement() {
        let text = "path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:x\ndep\tgolang.org/x/net\tv0.1.0\th1:y\n=>\tgolang.org/x/net\tv0.23.0\th1:z\nbuild\tGOOS=linux\n";
        let (main, deps) = parse_modinfo(text);
        assert_eq!(main, Some(("example.com/app".into(), "v1.2.3".into())));
        assert_eq!(
            deps,
            [("golang.org/x/net".to_owned(), "v0.23.0".to_owned())]
        );
    }

    #[test]
    fn hostile_varints() {
        assert!(varint_string(&[0xff; 12]).is_none());
        assert!(varint_string(&[0x85, 0x01, b'a']).is_none());
        assert_eq!(
            varint_string(&[1, b'a', b'b']),
            Some((&b"a"[..], &b"b"[..]))
        );
    }
}
