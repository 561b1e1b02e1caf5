//! The path matcher behind [`crate::is_wanted`]: which files of an image the walker keeps.
//!
//! It runs on every path of every layer, so it is built once ([`Matcher::get`]) and indexed
//! by the pattern's last component: a path's file name selects the few patterns that can
//! match it (a hash lookup for literal names, a short list for `*.jar`-style names), and only
//! those are matched component by component. Written by hand rather than with `globset`
//! because the semantics are path-component ones (`*` never crosses `/`, `**` is whole
//! components) and the index makes the common case — a file no cataloguer wants — one hash
//! lookup and a handful of suffix comparisons.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a for the name index: the map is built once from constants and never grows, so the
/// flooding resistance of the default SipHash buys nothing here, while its cost would be paid
/// on every path of every layer.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// One component of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Matches exactly this component.
    Lit(&'static str),
    /// `pre*suf`: a component starting with `pre` and ending with `suf`, with at least one
    /// character between them (`*.dist-info` does not match a bare `.dist-info`).
    Glob(&'static str, &'static str),
    /// `**`: zero or more whole components.
    AnyDirs,
}

impl Seg {
    fn parse(s: &'static str) -> Seg {
        if s == "**" {
            return Seg::AnyDirs;
        }
        match s.split_once('*') {
            None => Seg::Lit(s),
            Some((pre, suf)) => Seg::Glob(pre, suf),
        }
    }

    fn matches(&self, c: &str) -> bool {
        match self {
            Seg::Lit(l) => *l == c,
            Seg::Glob(pre, suf) => {
                c.len() > pre.len() + suf.len() && c.starts_with(pre) && c.ends_with(suf)
            }
            Seg::AnyDirs => true,
        }
    }
}

/// A compiled pattern: components of an absolute path, leading `/` dropped.
#[derive(Debug, Clone)]
struct Pattern(Vec<Seg>);

impl Pattern {
    fn compile(p: &'static str) -> Pattern {
        Pattern(
            p.trim_start_matches('/')
                .split('/')
                .map(Seg::parse)
                .collect(),
        )
    }

    /// Matches components right to left (the last one is the most selective), peeling them
    /// off the path string without allocating.
    fn matches(&self, rel: &str) -> bool {
        match_from_end(&self.0, Some(rel))
    }
}

/// `rest` is what is left of the path (`None` once every component is consumed).
fn match_from_end(segs: &[Seg], rest: Option<&str>) -> bool {
    let Some((last, seg_rest)) = segs.split_last() else {
        return rest.is_none();
    };
    if *last == Seg::AnyDirs {
        // `**` takes 0, 1, 2, … of the remaining components.
        let mut r = rest;
        loop {
            if match_from_end(seg_rest, r) {
                return true;
            }
            match r {
                None => return false,
                Some(s) => r = split_last_component(s).0,
            }
        }
    }
    let Some(s) = rest else {
        return false;
    };
    let (head, comp) = split_last_component(s);
    last.matches(comp) && match_from_end(seg_rest, head)
}

/// `a/b/c` → (`Some("a/b")`, `c`); `c` → (`None`, `c`). A plain backwards byte loop: path
/// components are short, and this is the matcher's innermost step (`rsplit_once` with a
/// `char` pattern costs several times more here).
fn split_last_component(s: &str) -> (Option<&str>, &str) {
    match s.as_bytes().iter().rposition(|&b| b == b'/') {
        // `/` is ASCII, so both sides are on char boundaries.
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    }
}

type Index = HashMap<&'static str, Vec<usize>, BuildHasherDefault<Fnv>>;

/// The compiled form of a pattern list, indexed so that a path only meets the patterns that
/// can match its file name.
#[derive(Debug)]
pub(crate) struct Matcher {
    patterns: Vec<Pattern>,
    /// Last component a literal (`status`, `METADATA`) → patterns ending in it.
    by_name: Index,
    /// Last component `*.ext` (`*.jar`, `*.deps.json`) → patterns, keyed by the text after
    /// the name's last `.` (`jar`, `json`).
    by_ext: Index,
    /// Other globbed last components (`status.d/*`) whose parent is a literal → patterns,
    /// keyed by that parent.
    by_parent: Index,
    /// Anything else (none in [`crate::WANTED_PATHS`] today): tried on every path.
    rest: Vec<usize>,
}

fn lookup<'a>(index: &'a Index, key: Option<&str>) -> &'a [usize] {
    key.and_then(|k| index.get(k))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.').map(|(_, ext)| ext)
}

impl Matcher {
    pub(crate) fn new(patterns: &[&'static str]) -> Matcher {
        let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::compile(p)).collect();
        let mut m = Matcher {
            patterns: Vec::new(),
            by_name: Index::default(),
            by_ext: Index::default(),
            by_parent: Index::default(),
            rest: Vec::new(),
        };
        for (i, p) in patterns.iter().enumerate() {
            let segs = &p.0;
            let parent = segs.len().checked_sub(2).map(|j| &segs[j]);
            match (segs.last(), parent) {
                (Some(Seg::Lit(l)), _) => m.by_name.entry(l).or_default().push(i),
                (Some(Seg::Glob(_, suf)), _) if suf.starts_with('.') && suf.len() > 1 => {
                    let ext = extension(suf).unwrap_or(suf);
                    m.by_ext.entry(ext).or_default().push(i);
                }
                (_, Some(Seg::Lit(parent))) => m.by_parent.entry(parent).or_default().push(i),
                _ => m.rest.push(i),
            }
        }
        m.patterns = patterns;
        m
    }

    /// The matcher for [`crate::WANTED_PATHS`], built on first use.
    pub(crate) fn get() -> &'static Matcher {
        static M: OnceLock<Matcher> = OnceLock::new();
        M.get_or_init(|| Matcher::new(crate::WANTED_PATHS))
    }

    pub(crate) fn is_match(&self, path: &str) -> bool {
        let Some(rel) = path.strip_prefix('/') else {
            return false;
        };
        let (dir, name) = split_last_component(rel);
        let parent = dir.map(|d| split_last_component(d).1);
        lookup(&self.by_name, Some(name))
            .iter()
            .chain(lookup(&self.by_ext, extension(name)))
            .chain(lookup(&self.by_parent, parent))
            .chain(&self.rest)
            .any(|&i| self.patterns[i].matches(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The index only skips patterns that cannot match: the result equals trying every
        /// pattern. Paths are built from the components the patterns use, plus noise.
        #[test]
        fn index_agrees_with_trying_every_pattern(
            comps in prop::collection::vec(prop::sample::select(vec![
                "usr", "lib", "var", "dpkg", "status.d", "info", "x.list", "site-packages",
                "dist-packages", "a-1.dist-info", "b.egg-info", "METADATA", "RECORD",
                "PKG-INFO", "node_modules", "@s", "ms", "package.json", "package-lock.json",
                "Cargo.lock", "specifications", "default", "r-1.gemspec", "vendor", "composer",
                "installed.json", "App.deps.json", "release", "a.jar", ".jar", "status", "etc",
                "os-release", "share", "doc", "copyright", "",
            ]), 0..7),
        ) {
            let m = Matcher::get();
            let path = format!("/{}", comps.join("/"));
            let naive = m.patterns.iter().any(|p| p.matches(&path[1..]));
            prop_assert_eq!(m.is_match(&path), naive, "{}", path);
        }
    }

    fn m(p: &'static str, path: &str) -> bool {
        Matcher::new(&[p]).is_match(path)
    }

    #[test]
    fn double_star_is_whole_components() {
        let p = "**/site-packages/*.dist-info/METADATA";
        assert!(m(
            p,
            "/usr/lib/python3.11/site-packages/pip-23.2.1.dist-info/METADATA"
        ));
        assert!(m(p, "/site-packages/a.dist-info/METADATA"));
        assert!(!m(
            p,
            "/usr/lib/python3.11/site-packages/x/pip.dist-info/METADATA"
        ));
        assert!(!m(p, "/usr/lib/my-site-packages/a.dist-info/METADATA"));
        assert!(!m(p, "/usr/lib/site-packages/.dist-info/METADATA"));
        let q = "**/node_modules/@*/*/package.json";
        assert!(m(q, "/app/node_modules/@babel/core/package.json"));
        assert!(m(q, "/a/node_modules/x/node_modules/@s/y/package.json"));
        assert!(!m(q, "/app/node_modules/babel/core/package.json"));
        assert!(m("/var/lib/dpkg/status.d/*", "/var/lib/dpkg/status.d/x"));
        assert!(!m("/var/lib/dpkg/status.d/*", "/var/lib/dpkg/status.d/x/y"));
        assert!(m("**/*.jar", "/a.jar"));
        assert!(!m("**/*.jar", "relative/a.jar"));
    }
}
