//! OSV records as kvet keeps them: parsed leniently from JSON, then validated into [`Record`].
//!
//! Own serde types rather than the `osv` crate: that crate's closed `Ecosystem` enum rejects a
//! whole record for any ecosystem added after its release, and it deserialises every
//! `ecosystem_specific` tree (Go's symbol lists) that kvet never reads. Here unknown fields are
//! skipped without being built, and a record is judged entry by entry: a bad affected entry is
//! dropped with a reason, a record with no usable entry is skipped with one.

use crate::ecosystem;
use crate::range::{Event, Range, RangeKind};
use crate::semver_cmp;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct RawRecord {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    upstream: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<SeverityVector>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    references: Option<Vec<Reference>>,
    #[serde(default)]
    database_specific: Option<Specific>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    severity: Option<Vec<SeverityVector>>,
    #[serde(default)]
    ecosystem_specific: Option<Specific>,
    #[serde(default)]
    database_specific: Option<Specific>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default)]
    ecosystem: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    events: Option<Vec<RawEvent>>,
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

/// The part of `database_specific` / `ecosystem_specific` kvet reads: a severity word, when the
/// database puts one there (GitHub: `HIGH`, `MODERATE`; distros: their own rating).
#[derive(Deserialize, Default)]
struct Specific {
    #[serde(default)]
    severity: Option<serde_json::Value>,
}

impl Specific {
    fn severity_word(&self) -> Option<String> {
        match &self.severity {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                Some(s.trim().to_string())
            }
            _ => None,
        }
    }
}

/// One entry of a `severity` array: `CVSS_V3` + vector, `CVSS_V4` + vector, `Ubuntu` + priority…
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityVector {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
}

/// A validated advisory, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    pub aliases: Vec<String>,
    pub upstream: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub severity: Vec<SeverityVector>,
    /// Record-level `database_specific.severity` (GitHub's rating, a distro's own…).
    pub database_severity: Option<String>,
    pub references: Vec<Reference>,
    pub affected: Vec<Affected>,
}

/// One package an advisory affects, in one ecosystem (a release-scoped one such as
/// `Debian:12` counts as its own).
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// Canonical spelling (see [`ecosystem::canonical`]).
    pub ecosystem: String,
    /// Normalised name (see [`ecosystem::normalize_name`]).
    pub name: String,
    /// ECOSYSTEM and SEMVER ranges only; GIT ranges cannot be answered from a version string.
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
    /// The entry's own severity vectors (`affected[].severity`).
    pub severity: Vec<SeverityVector>,
    /// `ecosystem_specific.severity`, else `database_specific.severity` of the entry.
    pub own_severity: Option<String>,
}

/// What became of one input record.
#[derive(Debug)]
pub enum Parsed {
    /// Usable; `dropped` names affected entries left out (unknown ecosystem, bad range…).
    Ok {
        record: Box<Record>,
        dropped: Vec<String>,
    },
    /// The record says it was withdrawn: not an error, not stored.
    Withdrawn { id: String },
    /// Unusable, with the reason.
    Bad(String),
}

/// Parses and validates one OSV JSON document.
pub fn parse(bytes: &[u8]) -> Parsed {
    let raw: RawRecord = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => return Parsed::Bad(format!("not an OSV JSON record: {e}")),
    };
    let id = match raw.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => return Parsed::Bad("missing `id`".into()),
    };
    if raw
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Parsed::Withdrawn { id };
    }
    let raw_affected = match raw.affected {
        Some(a) if !a.is_empty() => a,
        _ => return Parsed::Bad(format!("{id}: missing `affected`")),
    };
    let mut affected = Vec::with_capacity(raw_affected.len());
    let mut dropped = Vec::new();
    for (i, a) in raw_affected.into_iter().enumerate() {
        match validate_affected(a) {
            Ok(Some(a)) => affected.push(a),
            Ok(None) => {} // only GIT ranges / no package: nothing to match on, not an error
            Err(reason) => dropped.push(format!("{id}: affected[{i}]: {reason}")),
        }
    }
    if affected.is_empty() {
        return Parsed::Bad(match dropped.into_iter().next() {
            Some(first) => first,
            None => format!(
                "{id}: nothing to match on (no affected package with an ECOSYSTEM or SEMVER range or a versions list; GIT ranges are not matched)"
            ),
        });
    }
    let db_sev = raw
        .database_specific
        .as_ref()
        .and_then(Specific::severity_word);
    Parsed::Ok {
        record: Box::new(Record {
            id,
            modified: raw.modified,
            published: raw.published,
            aliases: clean_list(raw.aliases),
            upstream: clean_list(raw.upstream),
            summary: raw.summary.filter(|s| !s.trim().is_empty()),
            details: raw.details.filter(|s| !s.trim().is_empty()),
            severity: raw.severity.unwrap_or_default(),
            database_severity: db_sev,
            references: raw.references.unwrap_or_default(),
            affected,
        }),
        dropped,
    }
}

fn clean_list(v: Option<Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.unwrap_or_default() {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

fn validate_affected(a: RawAffected) -> Result<Option<Affected>, String> {
    let Some(pkg) = a.package else {
        return Ok(None);
    };
    let eco_raw = pkg.ecosystem.unwrap_or_default();
    let name_raw = pkg.name.unwrap_or_default();
    if eco_raw.trim().is_empty() || name_raw.trim().is_empty() {
        return Err("package without ecosystem or name".into());
    }
    let Some(eco) = ecosystem::canonical(&eco_raw) else {
        return Err(format!("unknown ecosystem '{}'", eco_raw.trim()));
    };
    let name = ecosystem::normalize_name(&eco, &name_raw);
    let mut ranges = Vec::new();
    for (j, r) in a.ranges.unwrap_or_default().into_iter().enumerate() {
        match validate_range(r) {
            Ok(Some(r)) => ranges.push(r),
            Ok(None) => {}
            Err(reason) => return Err(format!("ranges[{j}]: {reason}")),
        }
    }
    let versions: Vec<String> = a
        .versions
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .collect();
    if ranges.is_empty() && versions.is_empty() {
        return Ok(None);
    }
    let own_severity = a
        .ecosystem_specific
        .as_ref()
        .and_then(Specific::severity_word)
        .or_else(|| {
            a.database_specific
                .as_ref()
                .and_then(Specific::severity_word)
        });
    Ok(Some(Affected {
        ecosystem: eco,
        name,
        ranges,
        versions,
        severity: a.severity.unwrap_or_default(),
        own_severity,
    }))
}

/// `Ok(None)` for GIT ranges (ignored), an error for a range the OSV schema forbids.
fn validate_range(r: RawRange) -> Result<Option<Range>, String> {
    let kind = match r.kind.as_deref() {
        Some("ECOSYSTEM") => RangeKind::Ecosystem,
        Some("SEMVER") => RangeKind::Semver,
        Some("GIT") => return Ok(None),
        Some(other) => return Err(format!("unknown range type '{other}'")),
        None => return Err("range without `type`".into()),
    };
    let raw_events = r.events.unwrap_or_default();
    if raw_events.is_empty() {
        return Err("range without events".into());
    }
    let mut events = Vec::with_capacity(raw_events.len());
    for e in raw_events {
        let set = [
            e.introduced.map(Event::Introduced),
            e.fixed.map(Event::Fixed),
            e.last_affected.map(Event::LastAffected),
            e.limit.map(Event::Limit),
        ];
        let mut it = set.into_iter().flatten();
        let (Some(ev), None) = (it.next(), it.next()) else {
            return Err(
                "an event must have exactly one of introduced, fixed, last_affected, limit".into(),
            );
        };
        if ev.version().trim().is_empty() {
            return Err("event with an empty version".into());
        }
        if kind == RangeKind::Semver
            && !(matches!(&ev, Event::Introduced(v) if v == "0")
                || matches!(&ev, Event::Limit(v) if v == "*"))
            && semver_cmp::parse(ev.version()).is_none()
        {
            return Err(format!("'{}' is not a SemVer 2.0 version", ev.version()));
        }
        events.push(ev);
    }
    if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        return Err("range without an `introduced` event".into());
    }
    Ok(Some(Range { kind, events }))
}
