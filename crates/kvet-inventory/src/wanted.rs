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
use std::sync::OnceLock;

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

    /// Matches components right to left (the last one is the most selective).
    fn matches(&self, comps: &[&str]) -> bool {
        match_from_end(&self.0, comps)
    }
}

fn match_from_end(segs: &[Seg], comps: &[&str]) -> bool {
    let Some((last, rest)) = segs.split_last() else {
        return comps.is_empty();
    };
    if *last == Seg::AnyDirs {
        // `**` takes 0..=all of the remaining components.
        return (0..=comps.len()).any(|take| match_from_end(rest, &comps[..comps.len() - take]));
    }
    match comps.split_last() {
        Some((c, crest)) => last.matches(c) && match_from_end(rest, crest),
        None => false,
    }
}

/// The compiled form of a pattern list.
#[derive(Debug)]
pub(crate) struct Matcher {
    patterns: Vec<Pattern>,
    /// Last component literal → patterns ending in it.
    by_name: HashMap<&'static str, Vec<usize>>,
    /// Patterns whose last component is a glob.
    globbed: Vec<usize>,
}

impl Matcher {
    pub(crate) fn new(patterns: &[&'static str]) -> Matcher {
        let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::compile(p)).collect();
        let mut by_name: HashMap<&'static str, Vec<usize>> = HashMap::new();
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
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let lit = self.by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let mut candidates = lit.iter().chain(
            self.globbed
                .iter()
                .filter(|&&i| self.patterns[i].0.last().is_some_and(|s| s.matches(name))),
        );
        let Some(&first) = candidates.next() else {
            return false;
        };
        // Only now split the path: most paths never get here.
        let comps: Vec<&str> = rel.split('/').collect();
        self.patterns[first].matches(&comps)
            || candidates.any(|&i| self.patterns[i].matches(&comps))
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
