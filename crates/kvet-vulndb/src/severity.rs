//! One severity per advisory match: the distro's own rating where the record carries one,
//! else the base score computed from the CVSS vector (v4 before v3 before v2), else the
//! database's word (GitHub's `database_specific.severity`), else unknown.

use crate::ecosystem;
use crate::osv::SeverityVector;
use kvet_core::Severity;
use std::str::FromStr;

/// Where a severity came from, for the report ("why is this HIGH?").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The distro's own rating (Ubuntu priority, `ecosystem_specific.severity`…).
    Distro,
    /// Computed from a CVSS vector.
    Cvss,
    /// A word the advisory database put on the record (GitHub's rating).
    Database,
    /// Nothing to go on.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub level: Severity,
    /// CVSS base score, when a vector was scored.
    pub score: Option<f64>,
    /// The vector that was scored.
    pub vector: Option<String>,
    pub source: Source,
}

/// A severity word as databases write them: CRITICAL, HIGH/IMPORTANT, MEDIUM/MODERATE, LOW,
/// and Ubuntu's/Debian's NEGLIGIBLE/UNIMPORTANT (as LOW).
pub fn from_word(w: &str) -> Option<Severity> {
    Some(match w.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" | "negligible" | "unimportant" | "minor" => Severity::Low,
        _ => return None,
    })
}

/// Base score and rating of a CVSS v2/v3.x/v4 vector (the `cvss` crate does the arithmetic).
/// A 0.0 score ("None" in CVSS) is reported as LOW: it is still an advisory against the package.
pub fn from_vector(vector: &str) -> Option<(Severity, f64)> {
    let v = cvss::Cvss::from_str(vector.trim()).ok()?;
    let score = v.score();
    let level = match v.severity() {
        cvss::Severity::Critical => Severity::Critical,
        cvss::Severity::High => Severity::High,
        cvss::Severity::Medium => Severity::Medium,
        cvss::Severity::Low | cvss::Severity::None => Severity::Low,
    };
    Some((level, score))
}

/// Rank of a vector kind: v4 is preferred over v3 over v2.
fn cvss_rank(kind: &str) -> Option<u8> {
    match kind {
        "CVSS_V4" => Some(3),
        "CVSS_V3" => Some(2),
        "CVSS_V2" => Some(1),
        _ => None,
    }
}

/// What one affected entry of one record says about severity.
pub struct Inputs<'a> {
    pub ecosystem: &'a str,
    pub entry_vectors: &'a [SeverityVector],
    pub entry_word: Option<&'a str>,
    pub record_vectors: &'a [SeverityVector],
    pub record_word: Option<&'a str>,
}

pub fn rate(i: &Inputs) -> Rated {
    let distro = ecosystem::is_distro(i.ecosystem);
    let word = |w: &str, source| {
        from_word(w).map(|level| Rated {
            level,
            score: None,
            vector: None,
            source,
        })
    };
    // 1. The entry's own rating.
    if let Some(r) = i.entry_word.and_then(|w| {
        word(
            w,
            if distro {
                Source::Distro
            } else {
                Source::Database
            },
        )
    }) {
        return r;
    }
    // 2. A distro's priority given as a severity entry (Ubuntu: {"type": "Ubuntu", "score": "medium"}).
    for v in i.entry_vectors.iter().chain(i.record_vectors) {
        if cvss_rank(&v.kind).is_none() {
            if let Some(r) = word(&v.score, Source::Distro) {
                return r;
            }
        }
    }
    // 3. A distro feed's record-level rating.
    if distro {
        if let Some(r) = i.record_word.and_then(|w| word(w, Source::Distro)) {
            return r;
        }
    }
    // 4. CVSS, the entry's vectors before the record's, the newest CVSS version first.
    for vectors in [i.entry_vectors, i.record_vectors] {
        let mut best: Option<(u8, &SeverityVector)> = None;
        for v in vectors {
            if let Some(rank) = cvss_rank(&v.kind) {
                if from_vector(&v.score).is_some() && best.is_none_or(|(b, _)| rank > b) {
                    best = Some((rank, v));
                }
            }
        }
        if let Some((_, v)) = best {
            if let Some((level, score)) = from_vector(&v.score) {
                return Rated {
                    level,
                    score: Some(score),
                    vector: Some(v.score.clone()),
                    source: Source::Cvss,
                };
            }
        }
    }
    // 5. The database's word.
    if let Some(r) = i.record_word.and_then(|w| word(w, Source::Database)) {
        return r;
    }
    Rated {
        level: Severity::Unknown,
        score: None,
        vector: None,
        source: Source::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(kind: &str, score: &str) -> SeverityVector {
        SeverityVector {
            kind: kind.into(),
            score: score.into(),
        }
    }

    #[test]
    fn cvss_scores_match_first_calculators() {
        // Log4Shell (CVE-2021-44228): 10.0 CRITICAL in NVD.
        let (l, s) = from_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap();
        assert_eq!((l, s), (Severity::Critical, 10.0));
        // 5.3 MEDIUM.
        let (l, s) = from_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N").unwrap();
        assert_eq!((l, s), (Severity::Medium, 5.3));
        // CVSS v4 example from the FIRST spec: 9.3 CRITICAL.
        let (l, s) =
            from_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((l, s), (Severity::Critical, 9.3));
        // CVSS v2, no prefix: 7.5 HIGH.
        let (l, s) = from_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!((l, s), (Severity::High, 7.5));
        assert!(from_vector("CVSS:3.1/AV:N/garbage").is_none());
    }

    #[test]
    fn distro_rating_wins_over_cvss() {
        let vecs = [
            sv("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            sv("Ubuntu", "medium"),
        ];
        let r = rate(&Inputs {
            ecosystem: "Ubuntu:22.04:LTS",
            entry_vectors: &[],
            entry_word: None,
            record_vectors: &vecs,
            record_word: None,
        });
        assert_eq!((r.level, r.source), (Severity::Medium, Source::Distro));
    }

    #[test]
    fn language_record_uses_cvss_then_database_word() {
        let vecs = [sv(
            "CVSS_V3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        )];
        let r = rate(&Inputs {
            ecosystem: "Maven",
            entry_vectors: &[],
            entry_word: None,
            record_vectors: &vecs,
            record_word: Some("CRITICAL"),
        });
        assert_eq!(
            (r.level, r.source, r.score),
            (Severity::Medium, Source::Cvss, Some(5.3))
        );
        let r = rate(&Inputs {
            ecosystem: "npm",
            entry_vectors: &[],
            entry_word: None,
            record_vectors: &[],
            record_word: Some("MODERATE"),
        });
        assert_eq!((r.level, r.source), (Severity::Medium, Source::Database));
        let r = rate(&Inputs {
            ecosystem: "Go",
            entry_vectors: &[],
            entry_word: None,
            record_vectors: &[],
            record_word: None,
        });
        assert_eq!(r.level, Severity::Unknown);
    }
}
