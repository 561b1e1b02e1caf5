//! Folding matches that are one vulnerability under several names (a GHSA record and a
//! GO/PYSEC record aliasing the same CVE, a distro record whose `upstream` is that CVE) into one
//! finding, named by its CVE where there is one.

use crate::query::Match;
use crate::severity::{Rated, Source};
use std::collections::BTreeSet;

/// One vulnerability of one installed package.
#[derive(Debug, Clone)]
pub struct Vulnerability {
    /// The CVE id when any record names one, else the first matching record's id.
    pub id: String,
    /// Every other id (record ids and aliases), sorted.
    pub aliases: Vec<String>,
    /// The records that matched.
    pub advisories: Vec<String>,
    /// Feeds (ecosystems) whose entries matched, in match order.
    pub feeds: Vec<String>,
    pub package: String,
    pub installed: String,
    pub fixed: Vec<String>,
    pub severity: Rated,
    pub summary: Option<String>,
    pub references: Vec<String>,
}

/// Ids a match is known by: its id, its aliases, and its `upstream` when that is one id (a
/// distro's record of one CVE; several upstream ids describe a bundle, not an identity).
fn names(m: &Match) -> Vec<&str> {
    let mut v: Vec<&str> = vec![m.id.as_str()];
    v.extend(m.aliases.iter().map(String::as_str));
    if m.upstream.len() == 1 {
        v.push(&m.upstream[0]);
    }
    v
}

fn better(a: &Rated, b: &Rated) -> bool {
    let rank = |s: Source| match s {
        Source::Distro => 3,
        Source::Cvss => 2,
        Source::Database => 1,
        Source::None => 0,
    };
    (rank(a.source), a.level) > (rank(b.source), b.level)
}

/// Merges matches of the same package and version that share an id or alias (transitively).
/// Output order follows the first match of each group.
pub fn merge(matches: Vec<Match>) -> Vec<Vulnerability> {
    let n = matches.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&matches[i], &matches[j]);
            if a.package != b.package || a.installed != b.installed {
                continue;
            }
            let an = names(a);
            if names(b).iter().any(|x| an.contains(x)) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[rj.max(ri)] = rj.min(ri);
            }
        }
    }
    let mut out: Vec<Vulnerability> = Vec::new();
    let mut group_of: Vec<Option<usize>> = vec![None; n];
    for (i, m) in matches.into_iter().enumerate() {
        let r = root(&mut parent, i);
        let g = match group_of[r] {
            Some(g) => g,
            None => {
                out.push(Vulnerability {
                    id: String::new(),
                    aliases: Vec::new(),
                    advisories: Vec::new(),
                    feeds: Vec::new(),
                    package: m.package.clone(),
                    installed: m.installed.clone(),
                    fixed: Vec::new(),
                    severity: m.severity.clone(),
                    summary: None,
                    references: Vec::new(),
                });
                group_of[r] = Some(out.len() - 1);
                out.len() - 1
            }
        };
        let v = &mut out[g];
        let mut all: BTreeSet<String> = v.aliases.drain(..).collect();
        all.extend(names(&m).into_iter().map(str::to_string));
        v.aliases = all.into_iter().collect();
        v.advisories.push(m.id.clone());
        if !v.feeds.contains(&m.feed) {
            v.feeds.push(m.feed.clone());
        }
        for f in &m.fixed {
            if !v.fixed.contains(f) {
                v.fixed.push(f.clone());
            }
        }
        if better(&m.severity, &v.severity) {
            v.severity = m.severity.clone();
        }
        if v.summary.is_none() {
            v.summary = m.summary.clone();
        }
        for r in &m.references {
            if !v.references.contains(&r.url) {
                v.references.push(r.url.clone());
            }
        }
    }
    for v in &mut out {
        let cve = v
            .aliases
            .iter()
            .find(|a| a.starts_with("CVE-"))
            .cloned()
            .or_else(|| v.advisories.first().cloned())
            .unwrap_or_default();
        v.aliases.retain(|a| *a != cve);
        v.id = cve;
    }
    out
}
