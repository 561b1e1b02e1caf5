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
                Some(s) => r = s.rsplit_once('/').map(|(head, _)| head),
            }
        }
    }
    let Some(s) = rest else {
        return false;
    };
    let (head, comp) = match s.rsplit_once('/') {
        Some((h, c)) => (Some(h), c),
        None => (None, s),
    };
    last.matches(comp) && match_from_end(seg_rest, head)
}

/// The compiled form of a pattern list.
#[derive(Debug)]
pub(crate) struct Matcher {
    patterns: Vec<Pattern>,
    /// Last component literal → patterns ending in it.
    by_name: HashMap<&'static str, Vec<usize>, BuildHasherDefault<Fnv>>,
    /// Patterns whose last component is a glob.
    globbed: Vec<usize>,
}

impl Matcher {
    pub(crate) fn new(patterns: &[&'static str]) -> Matcher {
        let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::compile(p)).collect();
        let mut by_name: HashMap<&'static str, Vec<usize>, BuildHasherDefault<Fnv>> =
            HashMap::default();
        let mut globbed = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match p.0.last() {
                Some(Seg::Lit(l)) => by_name.entry(l).or_default().push(i),
                _ => globbed.push(i),
            }
        }
        Matcher {
            patterns,
            by_name,
            globbed,
        }
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
        let (parent, name) = match rel.rsplit_once('/') {
            Some((dir, name)) => (dir.rsplit('/').next(), name),
            None => (None, rel),
        };
        let lit = self.by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        // A glob-named pattern is a candidate when its last component matches and, if the one
        // before is a literal, so does the parent directory: `/var/lib/dpkg/status.d/*`
        // matches every file name, but only files in a `status.d` directory get further.
        let mut candidates = lit.iter().chain(self.globbed.iter().filter(|&&i| {
            let segs = &self.patterns[i].0;
            segs.last().is_some_and(|s| s.matches(name))
                && match segs.len().checked_sub(2).map(|j| &segs[j]) {
                    Some(Seg::Lit(l)) => parent == Some(*l),
                    _ => true,
                }
        }));
        let Some(&first) = candidates.next() else {
            return false;
        };
        self.patterns[first].matches(rel) || candidates.any(|&i| self.patterns[i].matches(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
