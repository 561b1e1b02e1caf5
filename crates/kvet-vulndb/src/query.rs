//! Reading candidates from the database and judging them with [`crate::range`].

use crate::ecosystem;
use crate::error::{Error, Result};
use crate::osv::{Reference, SeverityVector};
use crate::range::{self, Comparator, Range};
use crate::severity::{self, Rated};
use crate::store::VulnDb;

/// One installed package to look up.
#[derive(Debug, Clone, Copy)]
pub struct PackageQuery<'a> {
    /// OSV ecosystem string (`Go`, `PyPI`, `Debian:12`…); any case of the base name.
    pub ecosystem: &'a str,
    /// As the inventory found it; normalised here the way records are.
    pub name: &'a str,
    /// Installed version, in the ecosystem's syntax.
    pub version: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Range,
    Versions,
    Both,
}

/// An advisory that affects a package.
#[derive(Debug, Clone)]
pub struct Match {
    pub id: String,
    pub aliases: Vec<String>,
    /// OSV `upstream` ids (a distro record's CVE).
    pub upstream: Vec<String>,
    /// The ecosystem (feed) whose entry matched, e.g. `Debian:12`.
    pub feed: String,
    /// Package name as the record keys it.
    pub package: String,
    pub installed: String,
    /// Fixed versions that apply to the installed one (empty: no fix known).
    pub fixed: Vec<String>,
    pub matched_by: MatchedBy,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub severity: Rated,
    pub references: Vec<Reference>,
    pub published: Option<String>,
    pub modified: Option<String>,
}

/// One affected entry as stored.
#[derive(Debug, Clone)]
pub struct Entry {
    rid: i64,
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
    pub vectors: Vec<SeverityVector>,
    pub own_severity: Option<String>,
}

fn from_json<T: serde::de::DeserializeOwned + Default>(s: Option<String>) -> T {
    // Columns are written by this crate; a damaged value reads as empty rather than failing
    // the whole scan.
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

impl VulnDb {
    /// Every stored entry for a package in one ecosystem.
    pub fn entries(&self, eco: &str, name: &str) -> Result<Vec<Entry>> {
        let Some(eco) = ecosystem::canonical(eco) else {
            return Ok(Vec::new());
        };
        let name = ecosystem::normalize_name(&eco, name);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT rid, ranges, versions, severity, own_severity FROM affected
                 WHERE ecosystem = ?1 AND name = ?2",
            )
            .map_err(Error::sqlite(&self.path))?;
        let rows = st
            .query_map([&eco, &name], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(Error::sqlite(&self.path))?;
        let mut out = Vec::new();
        for row in rows {
            let (rid, ranges, versions, sev, own) = row.map_err(Error::sqlite(&self.path))?;
            out.push(Entry {
                rid,
                ecosystem: eco.clone(),
                name: name.clone(),
                ranges: from_json(ranges),
                versions: from_json(versions),
                vectors: from_json(sev),
                own_severity: own,
            });
        }
        Ok(out)
    }

    /// Advisories affecting one package at one version. `cmp` orders versions of the query's
    /// ecosystem (used for ECOSYSTEM ranges and the versions list; SEMVER ranges use SemVer).
    /// One match per advisory, with the fixed versions of all its matching entries.
    pub fn matches(&self, q: &PackageQuery, cmp: Comparator) -> Result<Vec<Match>> {
        let mut out: Vec<Match> = Vec::new();
        for e in self.entries(q.ecosystem, q.name)? {
            let Some(hit) = range::affects(&e.ranges, &e.versions, q.version, cmp) else {
                continue;
            };
            let by = match (hit.by_range, hit.by_versions) {
                (true, true) => MatchedBy::Both,
                (true, false) => MatchedBy::Range,
                _ => MatchedBy::Versions,
            };
            let m = self.build_match(&e, q.version.trim(), hit.fixed, by)?;
            match out.iter_mut().find(|o| o.id == m.id && o.feed == m.feed) {
                Some(prev) => {
                    for f in m.fixed {
                        if !prev.fixed.contains(&f) {
                            prev.fixed.push(f);
                        }
                    }
                    if prev.matched_by != m.matched_by {
                        prev.matched_by = MatchedBy::Both;
                    }
                }
                None => out.push(m),
            }
        }
        Ok(out)
    }

    /// [`VulnDb::matches`] over several feeds (a distro answered by more than one ecosystem
    /// string, see [`crate::distro`]); each match names the feed it came from.
    /// The ecosystem strings to query for a distro's OS packages: [`crate::distro::feeds`]
    /// resolved against the ecosystems this database holds.
    pub fn distro_ecosystems(&self, d: &kvet_inventory::Distro) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT ecosystem FROM ecosystem_count")
            .map_err(Error::sqlite(&self.path))?;
        let known = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(Error::sqlite(&self.path))?;
        Ok(crate::distro::resolve(&crate::distro::feeds(d), &known))
    }

    pub fn matches_in(
        &self,
        feeds: &[String],
        name: &str,
        version: &str,
        cmp: Comparator,
    ) -> Result<Vec<Match>> {
        let mut out = Vec::new();
        for f in feeds {
            out.extend(self.matches(
                &PackageQuery {
                    ecosystem: f,
                    name,
                    version,
                },
                cmp,
            )?);
        }
        Ok(out)
    }

    fn build_match(
        &self,
        e: &Entry,
        installed: &str,
        fixed: Vec<String>,
        by: MatchedBy,
    ) -> Result<Match> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, modified, published, aliases, upstream, summary, details, severity,
                        db_severity, refs
                 FROM advisory WHERE rid = ?1",
            )
            .map_err(Error::sqlite(&self.path))?;
        st.query_row([e.rid], |r| {
            let record_vectors: Vec<SeverityVector> = from_json(r.get(7)?);
            let db_sev: Option<String> = r.get(8)?;
            let rated = severity::rate(&severity::Inputs {
                ecosystem: &e.ecosystem,
                entry_vectors: &e.vectors,
                entry_word: e.own_severity.as_deref(),
                record_vectors: &record_vectors,
                record_word: db_sev.as_deref(),
            });
            Ok(Match {
                id: r.get(0)?,
                modified: r.get(1)?,
                published: r.get(2)?,
                aliases: from_json(r.get(3)?),
                upstream: from_json(r.get(4)?),
                summary: r.get(5)?,
                details: r.get(6)?,
                severity: rated,
                references: from_json(r.get(9)?),
                feed: e.ecosystem.clone(),
                package: e.name.clone(),
                installed: installed.to_string(),
                fixed,
                matched_by: by,
            })
        })
        .map_err(Error::sqlite(&self.path))
    }
}
