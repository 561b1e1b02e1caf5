//! Go module versions, ordered as `golang.org/x/mod/semver.Compare`.
//!
//! Written by hand (no crate implements x/mod's exact dialect). Rules:
//!
//! * canonical form `vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`; `vMAJOR` and `vMAJOR.MINOR`
//!   are shorthands for `.0` (without pre-release or build);
//! * OSV's Go ecosystem writes versions without the `v`, so a missing `v` is added first
//!   (`1.2.3` is `v1.2.3`); the differential oracle applies the same rule;
//! * numbers have no leading zeros; numeric pre-release identifiers neither;
//! * build metadata is ignored, so `v2.0.0+incompatible == v2.0.0`;
//! * pseudo-versions (`v0.0.0-20230101120000-abcdef123456`) are ordinary pre-releases;
//! * like x/mod, every invalid version compares equal to every other invalid version and
//!   below every valid one.

use std::cmp::Ordering;

use crate::digits::cmp_digits;

struct Version<'a> {
    main: [&'a [u8]; 3],
    pre: Option<&'a [u8]>,
}

/// Compares two Go versions (a missing `v` prefix is added).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (with_v(a), with_v(b));
    match (parse(a.as_bytes()), parse(b.as_bytes())) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_versions(&x, &y),
    }
}

/// Whether `semver.IsValid` accepts `v` (after adding a missing `v` prefix).
pub fn is_valid(v: &str) -> bool {
    parse(with_v(v).as_bytes()).is_some()
}

fn with_v(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with('v') {
        v.into()
    } else {
        format!("v{v}").into()
    }
}

fn num(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || (n > 1 && s[0] == b'0') {
        return None;
    }
    Some((&s[..n], &s[n..]))
}

fn idents(s: &[u8], numeric_no_leading_zero: bool) -> bool {
    s.split(|&c| c == b'.').all(|id| {
        !id.is_empty()
            && id.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && !(numeric_no_leading_zero
                && id.len() > 1
                && id[0] == b'0'
                && id.iter().all(u8::is_ascii_digit))
    })
}

fn parse(v: &[u8]) -> Option<Version<'_>> {
    let v = v.strip_prefix(b"v")?;
    let (major, rest) = num(v)?;
    if rest.is_empty() {
        return Some(Version {
            main: [major, b"0", b"0"],
            pre: None,
        });
    }
    let (minor, rest) = num(rest.strip_prefix(b".")?)?;
    if rest.is_empty() {
        return Some(Version {
            main: [major, minor, b"0"],
            pre: None,
        });
    }
    let (patch, mut rest) = num(rest.strip_prefix(b".")?)?;
    let mut pre = None;
    if let Some(r) = rest.strip_prefix(b"-") {
        let end = r.iter().position(|&c| c == b'+').unwrap_or(r.len());
        if !idents(&r[..end], true) {
            return None;
        }
        pre = Some(&r[..end]);
        rest = &r[end..];
    }
    if let Some(r) = rest.strip_prefix(b"+") {
        if !idents(r, false) {
            return None;
        }
        rest = b"";
    }
    if !rest.is_empty() {
        return None;
    }
    Some(Version {
        main: [major, minor, patch],
        pre,
    })
}

fn cmp_versions(a: &Version, b: &Version) -> Ordering {
    for (x, y) in a.main.iter().zip(&b.main) {
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let (xs, ys): (Vec<_>, Vec<_>) = (
                x.split(|&c| c == b'.').collect(),
                y.split(|&c| c == b'.').collect(),
            );
            for (p, q) in xs.iter().zip(&ys) {
                let (pn, qn) = (
                    p.iter().all(u8::is_ascii_digit),
                    q.iter().all(u8::is_ascii_digit),
                );
                let o = match (pn, qn) {
                    (true, true) => cmp_digits(p, q),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn go_rules() {
        assert_eq!(compare("v1", "v1.0.0"), Equal);
        assert_eq!(compare("1.2.3", "v1.2.3"), Equal);
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert_eq!(
            compare("v0.0.0-20230101120000-abcdef123456", "v0.0.1"),
            Less
        );
        assert_eq!(compare("v1.2.3-pre", "v1.2.3"), Less);
        assert_eq!(compare("v1.2-pre", "v0.0.1"), Less); // invalid shorthand
        assert_eq!(compare("junk", "other junk"), Equal);
        assert!(!is_valid("v01.2.3"));
    }
}
