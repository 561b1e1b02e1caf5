//! npm versions, ordered as node-semver's `compare(a, b, { loose: true })`.
//!
//! Written by hand: the `semver` crate is Cargo's dialect (no `v`/`=` prefixes, no loose
//! parsing, different limits). node-semver's loose grammar and quirks, reproduced exactly:
//!
//! * at most 256 characters; surrounding white space trimmed; any run of `v`, `=` and white
//!   space before the numbers;
//! * `major.minor.patch` with leading zeros allowed, each at most 2^53 - 1;
//! * an optional `-` before the pre-release (`1.2.3beta` is `1.2.3-beta`), and the regular
//!   expression's backtracking makes `1.2.34.5` read as `1.2.3-4.5`;
//! * pre-release identifiers: numeric ones compare as JavaScript numbers (so digit strings
//!   beyond 2^53 compare by their rounded `f64` values), numeric before alphanumeric,
//!   alphanumeric by UTF-16 code units (ASCII here);
//! * build metadata (`+…`) is ignored.
//!
//! Invalid strings sort before every valid version, bytewise among themselves.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, cmp_prerelease, invalid_order, strip_zeros};

const MAX_LENGTH: usize = 256;
const MAX_SAFE_INTEGER: &[u8] = b"9007199254740991";

/// A parsed version: main numbers as digit strings, pre-release identifiers.
#[derive(Debug)]
struct Version<'a> {
    main: [&'a [u8]; 3],
    pre: Vec<&'a [u8]>,
}

/// Compares two npm versions (loose parsing, build metadata ignored).
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

/// Whether `semver.valid(v, { loose: true })` accepts `v`.
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// JavaScript's `\s` (and what `String.prototype.trim` removes).
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// `ident(.ident)*` over `[0-9A-Za-z-]+` identifiers, the whole of `s`.
fn ident_list(s: &[u8]) -> Option<Vec<&[u8]>> {
    let ids: Vec<&[u8]> = s.split(|&c| c == b'.').collect();
    ids.iter()
        .all(|id| !id.is_empty() && id.iter().all(|&c| is_ident_char(c)))
        .then_some(ids)
}

/// Parses what follows the patch number: `[-]prerelease` and/or `+build`, to the end.
fn tail(s: &[u8]) -> Option<Vec<&[u8]>> {
    let (pre, build) = match s.iter().position(|&c| c == b'+') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(b) = build {
        ident_list(b)?;
    }
    if pre.is_empty() {
        return Some(Vec::new());
    }
    // `-?` is greedy: drop a leading '-' if the rest still parses, else keep it in the first
    // identifier (a '-' is an identifier character).
    if let Some(rest) = pre.strip_prefix(b"-") {
        if let Some(ids) = ident_list(rest) {
            return Some(ids);
        }
    }
    ident_list(pre)
}

fn parse(v: &str) -> Option<Version<'_>> {
    if v.len() > MAX_LENGTH {
        return None;
    }
    let t = v.trim_matches(js_space);
    let s = t.trim_start_matches(|c: char| c == 'v' || c == '=' || js_space(c));
    let s = s.as_bytes();
    let num = |s: &[u8], from: usize| -> usize {
        s[from..].iter().take_while(|c| c.is_ascii_digit()).count()
    };
    let n1 = num(s, 0);
    if n1 == 0 || s.get(n1) != Some(&b'.') {
        return None;
    }
    let n2 = num(s, n1 + 1);
    if n2 == 0 || s.get(n1 + 1 + n2) != Some(&b'.') {
        return None;
    }
    let p0 = n1 + 1 + n2 + 1;
    let n3 = num(s, p0);
    if n3 == 0 {
        return None;
    }
    // The patch number is greedy but gives digits back when the rest cannot parse otherwise.
    let (patch_len, pre) = (1..=n3)
        .rev()
        .find_map(|k| tail(&s[p0 + k..]).map(|pre| (k, pre)))?;
    let main = [&s[..n1], &s[n1 + 1..n1 + 1 + n2], &s[p0..p0 + patch_len]];
    if main
        .iter()
        .any(|m| cmp_digits(m, MAX_SAFE_INTEGER) == Ordering::Greater)
    {
        return None;
    }
    Some(Version { main, pre })
}

/// A numeric identifier's value as JavaScript's `+id` computes it.
fn js_number(d: &[u8]) -> f64 {
    std::str::from_utf8(strip_zeros(d))
        .ok()
        .and_then(|s| {
            if s.is_empty() {
                Some(0.0)
            } else {
                s.parse().ok()
            }
        })
        .unwrap_or(f64::INFINITY)
}

fn cmp_ident(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (an, bn) = (
        a.iter().all(u8::is_ascii_digit),
        b.iter().all(u8::is_ascii_digit),
    );
    match (an, bn) {
        (true, true) => js_number(a)
            .partial_cmp(&js_number(b))
            .unwrap_or(Ordering::Equal),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

fn cmp_versions(a: &Version, b: &Version) -> Ordering {
    for (x, y) in a.main.iter().zip(&b.main) {
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    cmp_prerelease(&a.pre, &b.pre, cmp_ident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn node_semver_rules() {
        assert_eq!(compare("v1.2.3", "=1.2.3"), Equal);
        assert_eq!(compare("1.2.3-alpha.10", "1.2.3-alpha.9"), Greater);
        assert_eq!(compare("1.2.3-alpha", "1.2.3-1"), Greater);
        assert_eq!(compare("1.2.3+build.1", "1.2.3+build.2"), Equal);
        assert_eq!(compare("1.2.3-rc.1", "1.2.3"), Less);
        assert_eq!(compare("01.2.3", "1.2.3"), Equal);
        assert_eq!(compare("1.2.3beta", "1.2.3-beta"), Equal);
        assert_eq!(compare("1.2.34.5", "1.2.3-4.5"), Equal);
        assert!(!is_valid("1.2"));
        assert!(!is_valid("9007199254740992.0.0"));
    }
}
