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
    /// The `path` line: the main package's import path (present even when `mod` is not,
    /// e.g. in binaries built outside module mode or by distro build systems).
    pub path: Option<String>,
    /// `build` settings (`-ldflags`, `vcs.revision`, `GOOS`…), values unquoted.
    pub settings: Vec<(String, String)>,
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
    let m = parse_modinfo(&String::from_utf8_lossy(modinfo));
    Ok(BuildInfo {
        go_version,
        main: m.main,
        deps: m.deps,
        path: m.path,
        settings: m.settings,
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

#[derive(Default)]
struct ModInfo {
    main: Option<Module>,
    deps: Vec<Module>,
    path: Option<String>,
    settings: Vec<(String, String)>,
}

fn parse_modinfo(text: &str) -> ModInfo {
    let mut m = ModInfo::default();
    let mut last_was_dep = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["path", path, ..] => {
                m.path = Some((*path).to_owned());
                last_was_dep = false;
            }
            ["mod", path, version, ..] => {
                m.main = Some(((*path).to_owned(), (*version).to_owned()));
                last_was_dep = false;
            }
            ["dep", path, version, ..] => {
                m.deps.push(((*path).to_owned(), (*version).to_owned()));
                last_was_dep = true;
            }
            // `=> path version sum` replaces the dependency just listed.
            ["=>", path, version, ..] if last_was_dep => {
                if let Some(d) = m.deps.last_mut() {
                    *d = ((*path).to_owned(), (*version).to_owned());
                }
            }
            ["build", setting] => {
                if let Some((k, v)) = setting.split_once('=') {
                    m.settings.push((k.to_owned(), unquote(v)));
                }
                last_was_dep = false;
            }
            _ => last_was_dep = false,
        }
    }
    m
}

/// Go writes a build setting value with `strconv.Quote` when it holds spaces, tabs, quotes or
/// `=` (`-ldflags="-X main.version=1.2.3"`); this undoes the escapes Go uses for such text.
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The main module's version stated in the linker flags, for binaries whose build info says
/// `(devel)` (Go < 1.24 never stamps the main module; 1.24+ does when built from a VCS tag).
///
/// Same rule as Syft: an `-X` assignment to a variable of package `main` or of a package in the
/// main module whose name ends in `version`/`ver` (optionally prefixed `release`, `git`, `build`
/// or any word: `main.version`, `…/internal/buildinfo.GitVersion`) or is `tag`, with a value
/// that starts like `x.y.z`; path-like prefixes of the value (`refs/tags/`) are dropped and a
/// `v` is prepended, as module versions carry one. The builder stated this version, so it is
/// used. Unlike Syft the whole value is kept, including `+build` metadata (`1.1.5+ds1`).
///
/// Not done, unlike Syft: (1) taking the first NUL-delimited `x.y.z` string found anywhere in
/// the binary — Syft's own comment calls it prone to false positives, since any embedded
/// version string (a dependency's, a protocol's) can come first; (2) making a `v0.0.0-<time>-
/// <commit>` pseudo-version from `vcs.revision`/`vcs.time`: it names the commit but, lacking the
/// nearest tag, orders below every release, so range-based advisories would match binaries
/// built after the fix.
pub fn version_from_ldflags(ldflags: &str, main_module: &str) -> Option<String> {
    let pkg = format!("(?:main|{}/\\S*)", regex::escape(main_module));
    let pattern = format!(
        r"(?:^|[\s'\x22=]){pkg}\.(?:[A-Za-z0-9]*(?:[rR]elease)?(?:[gG]it)?(?:[bB]uild)?[vV]er(?:sion)?|[A-Za-z0-9]*[tT]ag)=(?:\S+/)*(v?\d+\.\d+\.\d+[-+.\w]*)"
    );
    let re = regex::Regex::new(&pattern).ok()?;
    let v = re.captures(ldflags)?.get(1)?.as_str();
    Some(if v.starts_with('v') {
        v.to_owned()
    } else {
        format!("v{v}")
    })
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
    // Distro builds (Debian's dh-golang) often record only `path`, no `mod` line.
    let main_path = info
        .main
        .as_ref()
        .map(|(p, _)| p.clone())
        .or_else(|| info.path.clone());
    match (&info.main, main_path) {
        (Some((path, version)), _) if version != "(devel)" && !version.is_empty() => {
            mods.push((path.clone(), version.clone()));
        }
        (_, Some(path)) => {
            let stated = info
                .settings
                .iter()
                .find(|(k, _)| k == "-ldflags")
                .and_then(|(_, flags)| version_from_ldflags(flags, &path));
            if let Some(version) = stated {
                mods.push((path, version));
            }
        }
        _ => {}
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
        let m = parse_modinfo(text);
        assert_eq!(m.main, Some(("example.com/app".into(), "v1.2.3".into())));
        assert_eq!(
            m.deps,
            [("golang.org/x/net".to_owned(), "v0.23.0".to_owned())]
        );
        assert_eq!(m.settings, [("GOOS".to_owned(), "linux".to_owned())]);
    }

    #[test]
    fn ldflags_versions() {
        let v = |flags: &str| version_from_ldflags(flags, "github.com/x/app");
        assert_eq!(v("-X main.version=1.2.3"), Some("v1.2.3".into()));
        assert_eq!(
            v("-s -w -X main.Version=v1.1.5+ds1"),
            Some("v1.1.5+ds1".into())
        );
        assert_eq!(
            v("-X 'github.com/x/app/internal/buildinfo.GitVersion=refs/tags/v2.0.0-rc.1'"),
            Some("v2.0.0-rc.1".into())
        );
        assert_eq!(v("-X main.gitTag=3.4.5"), Some("v3.4.5".into()));
        // Another module's variable, a commit id, and no version at all are not versions.
        assert_eq!(v("-X github.com/other/lib.Version=9.9.9"), None);
        assert_eq!(v("-X main.commit=1a2b3c4"), None);
        assert_eq!(v("-s -w"), None);
        assert_eq!(
            unquote(r#""-X main.version=1.2.3 -X \"main.x=y\"""#),
            "-X main.version=1.2.3 -X \"main.x=y\""
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
