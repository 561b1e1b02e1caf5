//! RPM versions (`[epoch:]version[-release]`), ordered as rpm ≥ 4.15 orders them.
//!
//! Written by hand rather than with the `rpm-version` crate: a matcher needs one total order
//! over any string, with rpm's exact segment rules (including `^`, added in rpm 4.15) and no
//! integer parsing of numeric segments. Rules (`rpmvercmp`):
//!
//! * separators are every byte that is not an ASCII letter, digit, `~` or `^`; they only
//!   delimit segments, so `1.0` equals `1_0`;
//! * `~` sorts before everything, including the end of the string (`1.0~rc1 < 1.0`);
//! * `^` sorts after the end of the string but before any further segment
//!   (`1.0 < 1.0^git1 < 1.0.1`);
//! * segments are maximal runs of digits or of letters; a numeric segment is newer than an
//!   alphabetic one; numbers compare by value (any length), letters bytewise.
//!
//! A full string is split into epoch, version and release as rpm's `parseEVR` does: the epoch
//! is the leading digits when a `:` follows them, the release is what follows the last `-`.
//! As in rpm's `rpmverCmp` (what `rpm.ver` objects compare with), a missing epoch is `0` and a
//! missing release sorts before every release, even an empty one (`1.0 < 1.0- < 1.0-0`).
//! Range *matching* that treats a release-less bound as "any release" is the matcher's
//! business, not the order's. [`compare_evr`] takes the three parts explicitly, like
//! `rpm.labelCompare`.

use std::cmp::Ordering;

/// Compares two `[epoch:]version[-release]` strings. Total over any input.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = parse_evr(a);
    let (eb, vb, rb) = parse_evr(b);
    rpmvercmp(ea.unwrap_or("0"), eb.unwrap_or("0"))
        .then_with(|| rpmvercmp(va, vb))
        .then_with(|| match (ra, rb) {
            (Some(ra), Some(rb)) => rpmvercmp(ra, rb),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
        })
}

/// Compares explicit (epoch, version, release) triples the way `rpm.labelCompare` does:
/// a missing epoch is `0`, releases are always compared (an empty one is older).
pub fn compare_evr(a: (Option<&str>, &str, &str), b: (Option<&str>, &str, &str)) -> Ordering {
    rpmvercmp(a.0.unwrap_or("0"), b.0.unwrap_or("0"))
        .then_with(|| rpmvercmp(a.1, b.1))
        .then_with(|| rpmvercmp(a.2, b.2))
}

/// Whether `rpm.ver` accepts `v`: any non-empty string.
pub fn is_valid(v: &str) -> bool {
    !v.is_empty()
}

/// Splits `[epoch:]version[-release]` as rpm's `parseEVR`.
pub fn parse_evr(s: &str) -> (Option<&str>, &str, Option<&str>) {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
        let e = &s[..digits];
        (Some(if e.is_empty() { "0" } else { e }), &s[digits + 1..])
    } else {
        (None, s)
    };
    // rpm looks for the last '-' after the epoch digits (not after the colon).
    match s[digits..].rfind('-').map(|i| i + digits) {
        Some(dash) => {
            let version_start = s.len() - rest.len();
            if dash < version_start {
                // Unreachable: a '-' after the epoch digits is after the colon too.
                (epoch, rest, None)
            } else {
                (epoch, &s[version_start..dash], Some(&s[dash + 1..]))
            }
        }
        None => (epoch, rest, None),
    }
}

fn is_sep(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || c == b'~' || c == b'^')
}

/// rpm's `rpmvercmp` over two version (or release, or epoch) strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut one, mut two) = (0usize, 0usize);
    while one < a.len() || two < b.len() {
        while one < a.len() && is_sep(a[one]) {
            one += 1;
        }
        while two < b.len() && is_sep(b[two]) {
            two += 1;
        }
        let (c1, c2) = (at(a, one), at(b, two));
        if c1 == b'~' || c2 == b'~' {
            if c1 != b'~' {
                return Ordering::Greater;
            }
            if c2 != b'~' {
                return Ordering::Less;
            }
            one += 1;
            two += 1;
            continue;
        }
        if c1 == b'^' || c2 == b'^' {
            if c1 == 0 {
                return Ordering::Less;
            }
            if c2 == 0 {
                return Ordering::Greater;
            }
            if c1 != b'^' {
                return Ordering::Greater;
            }
            if c2 != b'^' {
                return Ordering::Less;
            }
            one += 1;
            two += 1;
            continue;
        }
        if c1 == 0 || c2 == 0 {
            break;
        }
        let isnum = c1.is_ascii_digit();
        let class = |c: u8| {
            if isnum {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let e1 = one + a[one..].iter().take_while(|&&c| class(c)).count();
        let e2 = two + b[two..].iter().take_while(|&&c| class(c)).count();
        // The first string has a segment here; an empty one on the other side means the two
        // segments are of different kinds, and numbers are newer than letters.
        if e2 == two {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if isnum {
            crate::digits::cmp_digits(&a[one..e1], &b[two..e2])
        } else {
            a[one..e1].cmp(&b[two..e2])
        };
        if ord != Ordering::Equal {
            return ord;
        }
        one = e1;
        two = e2;
    }
    let (end1, end2) = (one >= a.len(), two >= b.len());
    match (end1, end2) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn rpm_rules() {
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0a", "1.0.1"), Less);
        assert_eq!(rpmvercmp("1_0", "1.0"), Equal);
        assert_eq!(rpmvercmp("2.0", "10"), Less);
        assert_eq!(compare("1:1.0-1", "2.0-1"), Greater);
        assert_eq!(compare("1.0", "1.0-5.el9"), Less);
        assert_eq!(compare("1.0", "1.0-"), Less);
        assert_eq!(compare("0:1.0-1", "1.0-1"), Equal);
        assert_eq!(parse_evr("3:1.2-3.el9"), (Some("3"), "1.2", Some("3.el9")));
        assert_eq!(parse_evr(":1"), (Some("0"), "1", None));
    }
}
