//! NuGet versions, ordered as `NuGet.Versioning.VersionComparer.Default`.
//!
//! Written by hand (no .NET runtime is packaged here, and no crate implements NuGet's
//! dialect); checked against the comparison vectors of NuGet.Client's own test suite. Rules:
//!
//! * one to four numeric parts (`1`, `1.0`, `1.0.0`, `1.0.0.0` are equal), leading zeros
//!   allowed (`1.01 == 1.1`), each a non-negative 32-bit integer;
//! * surrounding white space is ignored; a pre-release follows the first `-`, build metadata
//!   the first `+` (ignored in comparisons);
//! * pre-release labels are dot-separated `[0-9A-Za-z-]+`; a release sorts after all its
//!   pre-releases; labels that parse as a 32-bit integer compare numerically and before the
//!   others; the others compare ordinally ignoring case (`1.0.0-BETA == 1.0.0-beta`);
//! * invalid strings sort before every valid version, bytewise among themselves.

use std::cmp::Ordering;

use crate::digits::{cmp_prerelease, invalid_order};

struct Version<'a> {
    parts: [u32; 4],
    pre: Vec<&'a [u8]>,
}

/// Compares two NuGet versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parse(a), parse(b));
    if let Some(o) = invalid_order(a, pa.is_some(), b, pb.is_some()) {
        return o;
    }
    match (pa, pb) {
        (Some(x), Some(y)) => cmp_versions(&x, &y),
        _ => Ordering::Equal,
    }
}

/// Whether `NuGetVersion.TryParse` accepts `v`.
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

fn label_ok(l: &[u8]) -> bool {
    !l.is_empty() && l.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn parse(v: &str) -> Option<Version<'_>> {
    let s = v.trim().as_bytes();
    let (rest, meta) = match s.iter().position(|&c| c == b'+') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(m) = meta {
        if !m.split(|&c| c == b'.').all(label_ok) {
            return None;
        }
    }
    let (nums, pre) = match rest.iter().position(|&c| c == b'-') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut parts = [0u32; 4];
    let fields: Vec<&[u8]> = nums.split(|&c| c == b'.').collect();
    if fields.is_empty() || fields.len() > 4 {
        return None;
    }
    for (slot, f) in parts.iter_mut().zip(&fields) {
        if !crate::digits::all_digits(f) {
            return None;
        }
        let n: u64 = std::str::from_utf8(crate::digits::strip_zeros(f))
            .ok()
            .and_then(|d| {
                if d.is_empty() {
                    Some(0)
                } else {
                    d.parse().ok()
                }
            })?;
        *slot = u32::try_from(n).ok().filter(|&n| n <= i32::MAX as u32)?;
    }
    let pre = match pre {
        Some(p) => {
            let labels: Vec<&[u8]> = p.split(|&c| c == b'.').collect();
            if !labels.iter().all(|l| label_ok(l)) {
                return None;
            }
            labels
        }
        None => Vec::new(),
    };
    Some(Version { parts, pre })
}

/// A label's value when .NET's `int.TryParse` accepts it (optional leading `-`, 32-bit range).
fn as_int(l: &[u8]) -> Option<i64> {
    let digits = l.strip_prefix(b"-").unwrap_or(l);
    if !crate::digits::all_digits(digits) {
        return None;
    }
    let n: i64 = std::str::from_utf8(l).ok()?.parse().ok()?;
    (i32::MIN as i64..=i32::MAX as i64)
        .contains(&n)
        .then_some(n)
}

fn cmp_label(a: &[u8], b: &[u8]) -> Ordering {
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a
            .iter()
            .map(u8::to_ascii_uppercase)
            .cmp(b.iter().map(u8::to_ascii_uppercase)),
    }
}

fn cmp_versions(a: &Version, b: &Version) -> Ordering {
    a.parts
        .cmp(&b.parts)
        .then_with(|| cmp_prerelease(&a.pre, &b.pre, cmp_label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn nuget_rules() {
        assert_eq!(compare("1.0", "1.0.0.0"), Equal);
        assert_eq!(compare("1.01", "1.1"), Equal);
        assert_eq!(compare("1.0.0-BETA", "1.0.0-beta"), Equal);
        assert_eq!(compare("1.0.0-beta.2", "1.0.0-beta.10"), Less);
        assert_eq!(compare("1.0.0.1", "1.0.0"), Greater);
        assert!(!is_valid("1.2.3.4.5"));
        assert!(!is_valid("1.4.7-"));
    }
}
