//! OSV range evaluation: the matching core. Pure: it sees versions and a comparator, never the
//! database.
//!
//! It follows the OSV schema's `IsVulnerable` pseudocode (docs/schema.md, "Evaluation"): a
//! version is affected when it equals one of the `versions`, or when, in some range whose
//! `limit`s it is below, the last event at or below it (events sorted by version) is an
//! `introduced`; `fixed` is exclusive, `last_affected` inclusive, `introduced: "0"` sorts before
//! everything and `limit: "*"` after everything.

use crate::semver_cmp;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Compares two versions of one ecosystem, as that ecosystem orders them. Injected by the caller
/// (kvet-version's schemes, or a test's oracle) for `ECOSYSTEM` ranges; `SEMVER` ranges always
/// use [`semver_cmp::compare`].
pub type Comparator<'a> = &'a (dyn Fn(&str, &str) -> Ordering + Sync);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    #[serde(rename = "E")]
    Ecosystem,
    #[serde(rename = "S")]
    Semver,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    #[serde(rename = "i")]
    Introduced(String),
    #[serde(rename = "f")]
    Fixed(String),
    #[serde(rename = "l")]
    LastAffected(String),
    #[serde(rename = "x")]
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
    /// `introduced: "0"`: before every version.
    fn is_zero(&self) -> bool {
        matches!(self, Event::Introduced(v) if v == "0")
    }
    /// `limit: "*"`: after every version.
    fn is_infinity(&self) -> bool {
        matches!(self, Event::Limit(v) if v.contains('*'))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "t")]
    pub kind: RangeKind,
    #[serde(rename = "e")]
    pub events: Vec<Event>,
}

/// Why a version is affected, and which fixed versions apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hit {
    /// Some range contains the version.
    pub by_range: bool,
    /// The explicit `versions` list names it.
    pub by_versions: bool,
    /// For each range containing the version, the `fixed` event that closes its interval
    /// (none when the interval is open or ends in `last_affected`). When only the versions list
    /// matched, the lowest `fixed` above the version in any range.
    pub fixed: Vec<String>,
}

/// Whether `installed` is affected by an entry with these `ranges` and `versions`.
pub fn affects(
    ranges: &[Range],
    versions: &[String],
    installed: &str,
    cmp: Comparator,
) -> Option<Hit> {
    let installed = installed.trim();
    if installed.is_empty() {
        return None;
    }
    let mut hit = Hit::default();
    for r in ranges {
        let Some(order) = Order::for_range(r.kind, installed, cmp) else {
            continue; // the installed version is not SemVer: a SEMVER range cannot contain it
        };
        if let Some(fixed) = evaluate(r, &order) {
            hit.by_range = true;
            if let Some(f) = fixed {
                if !hit.fixed.contains(&f) {
                    hit.fixed.push(f);
                }
            }
        }
    }
    hit.by_versions = versions
        .iter()
        .any(|v| v == installed || cmp(installed, v) == Ordering::Equal);
    if !hit.by_range && !hit.by_versions {
        return None;
    }
    if !hit.by_range {
        hit.fixed = lowest_fix_above(ranges, installed, cmp)
            .into_iter()
            .collect();
    }
    Some(hit)
}

/// The order one range is evaluated in: the injected comparator for ECOSYSTEM ranges, SemVer
/// precedence for SEMVER ranges (the installed version parsed once per query).
enum Order<'a> {
    Ecosystem {
        installed: &'a str,
        cmp: Comparator<'a>,
    },
    Semver {
        installed: semver::Version,
    },
}

/// An event with its version parsed once (SEMVER ranges), so sorting does not re-parse.
struct Keyed<'e> {
    event: &'e Event,
    semver: Option<semver::Version>,
}

impl<'a> Order<'a> {
    fn for_range(kind: RangeKind, installed: &'a str, cmp: Comparator<'a>) -> Option<Self> {
        Some(match kind {
            RangeKind::Ecosystem => Order::Ecosystem { installed, cmp },
            RangeKind::Semver => Order::Semver {
                installed: semver_cmp::parse(installed)?,
            },
        })
    }
    fn key<'e>(&self, event: &'e Event) -> Keyed<'e> {
        let semver = match self {
            Order::Semver { .. } if !event.is_zero() && !event.is_infinity() => {
                semver_cmp::parse(event.version())
            }
            _ => None,
        };
        Keyed { event, semver }
    }
    fn cmp_versions(&self, a: &Keyed, b: &Keyed) -> Ordering {
        match self {
            Order::Ecosystem { cmp, .. } => cmp(a.event.version(), b.event.version()),
            Order::Semver { .. } => match (&a.semver, &b.semver) {
                (Some(x), Some(y)) => x.cmp_precedence(y),
                _ => semver_cmp::compare(a.event.version(), b.event.version()),
            },
        }
    }
    /// installed compared with the event's version.
    fn installed_vs(&self, k: &Keyed) -> Ordering {
        match self {
            Order::Ecosystem { installed, cmp } => cmp(installed, k.event.version()),
            Order::Semver { installed } => match &k.semver {
                Some(other) => installed.cmp_precedence(other),
                // Validated at import; an unparsable bound can only come from an old DB.
                None => Ordering::Less,
            },
        }
    }
    fn event_cmp(&self, a: &Keyed, b: &Keyed) -> Ordering {
        let (ea, eb) = (a.event, b.event);
        match (
            ea.is_zero(),
            eb.is_zero(),
            ea.is_infinity(),
            eb.is_infinity(),
        ) {
            (true, true, _, _) | (_, _, true, true) => Ordering::Equal,
            (true, _, _, _) | (_, _, _, true) => Ordering::Less,
            (_, true, _, _) | (_, _, true, _) => Ordering::Greater,
            _ => self.cmp_versions(a, b),
        }
    }
}

/// `Some(fixed)` when the range contains the installed version.
fn evaluate(r: &Range, order: &Order) -> Option<Option<String>> {
    let keyed: Vec<Keyed> = r.events.iter().map(|e| order.key(e)).collect();
    let mut limits = keyed
        .iter()
        .filter(|k| matches!(k.event, Event::Limit(_)))
        .peekable();
    if limits.peek().is_some()
        && !limits.any(|l| l.event.is_infinity() || order.installed_vs(l) == Ordering::Less)
    {
        return None;
    }
    let sorted = sort_events(keyed, order);
    let mut vulnerable = false;
    let mut opened_at = 0;
    for (i, k) in sorted.iter().enumerate() {
        match k.event {
            Event::Introduced(_) => {
                if k.event.is_zero() || order.installed_vs(k) != Ordering::Less {
                    vulnerable = true;
                    opened_at = i;
                }
            }
            Event::Fixed(_) => {
                if order.installed_vs(k) != Ordering::Less {
                    vulnerable = false;
                }
            }
            Event::LastAffected(_) => {
                if order.installed_vs(k) == Ordering::Greater {
                    vulnerable = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    if !vulnerable {
        return None;
    }
    // The interval that contains the version ends at the next fixed / last_affected event.
    let closing = sorted[opened_at + 1..]
        .iter()
        .find(|k| matches!(k.event, Event::Fixed(_) | Event::LastAffected(_)));
    Some(match closing.map(|k| k.event) {
        Some(Event::Fixed(v)) => Some(v.clone()),
        _ => None,
    })
}

/// Events in version order, ties kept in record order.
///
/// Insertion sort by hand: the comparator is injected and may not be a total order on bad
/// input, and the standard library's sorts may panic on such comparators; event lists are a
/// handful of entries, so the quadratic cost is nothing.
fn sort_events<'e>(events: Vec<Keyed<'e>>, order: &Order) -> Vec<Keyed<'e>> {
    let mut out: Vec<Keyed> = Vec::with_capacity(events.len());
    for e in events {
        let mut at = out.len();
        while at > 0 && order.event_cmp(&out[at - 1], &e) == Ordering::Greater {
            at -= 1;
        }
        out.insert(at, e);
    }
    out
}

fn lowest_fix_above(ranges: &[Range], installed: &str, cmp: Comparator) -> Option<String> {
    let mut best: Option<String> = None;
    for r in ranges {
        let Some(order) = Order::for_range(r.kind, installed, cmp) else {
            continue;
        };
        for e in &r.events {
            if let Event::Fixed(v) = e {
                let k = order.key(e);
                let lower = match &best {
                    None => true,
                    Some(b) => {
                        let be = Event::Fixed(b.clone());
                        let bk = order.key(&be);
                        order.cmp_versions(&k, &bk) == Ordering::Less
                    }
                };
                if order.installed_vs(&k) == Ordering::Less && lower {
                    best = Some(v.clone());
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain integers as versions, to state OSV semantics without any ecosystem's rules.
    fn int_cmp(a: &str, b: &str) -> Ordering {
        a.parse::<i64>()
            .unwrap_or(-1)
            .cmp(&b.parse::<i64>().unwrap_or(-1))
    }

    fn eco(events: &[(&str, &str)]) -> Range {
        Range {
            kind: RangeKind::Ecosystem,
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "i" => Event::Introduced(v.to_string()),
                    "f" => Event::Fixed(v.to_string()),
                    "l" => Event::LastAffected(v.to_string()),
                    _ => Event::Limit(v.to_string()),
                })
                .collect(),
        }
    }

    fn check(r: &[Range], v: &str) -> Option<Vec<String>> {
        affects(r, &[], v, &int_cmp).map(|h| h.fixed)
    }

    #[test]
    fn introduced_fixed_is_half_open() {
        let r = [eco(&[("i", "3"), ("f", "7")])];
        assert_eq!(check(&r, "2"), None);
        assert_eq!(check(&r, "3"), Some(vec!["7".to_string()]));
        assert_eq!(check(&r, "6"), Some(vec!["7".to_string()]));
        assert_eq!(check(&r, "7"), None);
    }

    #[test]
    fn zero_and_unfixed() {
        let r = [eco(&[("i", "0")])];
        assert_eq!(check(&r, "1"), Some(vec![]));
        assert_eq!(check(&r, "99999"), Some(vec![]));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = [eco(&[("i", "0"), ("l", "5")])];
        assert_eq!(check(&r, "5"), Some(vec![]));
        assert_eq!(check(&r, "6"), None);
    }

    #[test]
    fn limit_bounds_the_range() {
        let r = [eco(&[("i", "2"), ("x", "5")])];
        assert_eq!(check(&r, "4"), Some(vec![]));
        assert_eq!(check(&r, "5"), None);
        let star = [eco(&[("i", "2"), ("x", "*")])];
        assert_eq!(check(&star, "500"), Some(vec![]));
    }

    #[test]
    fn events_in_any_order_are_sorted_first() {
        // Two intervals, written out of order: [10,12) and [1,4).
        let r = [eco(&[("f", "12"), ("i", "1"), ("i", "10"), ("f", "4")])];
        assert_eq!(check(&r, "0"), None);
        assert_eq!(check(&r, "2"), Some(vec!["4".to_string()]));
        assert_eq!(check(&r, "5"), None);
        assert_eq!(check(&r, "11"), Some(vec!["12".to_string()]));
        assert_eq!(check(&r, "12"), None);
    }

    #[test]
    fn several_ranges_report_each_fix() {
        let r = [
            eco(&[("i", "0"), ("f", "8")]),
            eco(&[("i", "5"), ("f", "6")]),
        ];
        assert_eq!(check(&r, "5"), Some(vec!["8".to_string(), "6".to_string()]));
        assert_eq!(check(&r, "7"), Some(vec!["8".to_string()]));
    }

    #[test]
    fn versions_list_alone_and_with_ranges() {
        let list = vec!["4".to_string(), "9".to_string()];
        let h = affects(&[], &list, "9", &int_cmp).unwrap();
        assert!(h.by_versions && !h.by_range && h.fixed.is_empty());
        assert!(affects(&[], &list, "5", &int_cmp).is_none());
        // Listed but outside the range: affected, with the lowest fix above it.
        let r = [
            eco(&[("i", "0"), ("f", "3")]),
            eco(&[("i", "20"), ("f", "30")]),
        ];
        let h = affects(&r, &list, "9", &int_cmp).unwrap();
        assert_eq!((h.by_range, h.by_versions), (false, true));
        assert_eq!(h.fixed, vec!["30".to_string()]);
    }

    #[test]
    fn semver_ranges_use_semver_precedence() {
        let r = [Range {
            kind: RangeKind::Semver,
            events: vec![
                Event::Introduced("0".into()),
                Event::Fixed("1.18.6".into()),
                Event::Introduced("1.19.0-0".into()),
                Event::Fixed("1.19.1".into()),
            ],
        }];
        // The injected comparator must not be used for SEMVER ranges.
        let never = |_: &str, _: &str| -> Ordering { panic!("ecosystem comparator called") };
        assert_eq!(
            affects(&r, &[], "1.18.5", &never).unwrap().fixed,
            vec!["1.18.6"]
        );
        assert!(affects(&r, &[], "1.18.6", &never).is_none());
        assert_eq!(
            affects(&r, &[], "v1.19.0", &never).unwrap().fixed,
            vec!["1.19.1"]
        );
        assert_eq!(
            affects(&r, &[], "1.19.0-rc.1", &never).unwrap().fixed,
            vec!["1.19.1"]
        );
        assert!(affects(&r, &[], "1.19.1", &never).is_none());
        assert!(affects(&r, &[], "1.20.0", &never).is_none());
        assert!(affects(&r, &[], "not-a-version", &never).is_none());
    }

    #[test]
    fn inconsistent_comparator_never_panics() {
        let liar = |a: &str, b: &str| -> Ordering {
            if a.len() % 2 == b.len() % 2 {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        };
        let r = [eco(&[
            ("i", "a"),
            ("f", "bb"),
            ("i", "ccc"),
            ("l", "dddd"),
            ("x", "ee"),
        ])];
        let _ = affects(&r, &["q".into()], "zz", &liar);
    }
}
