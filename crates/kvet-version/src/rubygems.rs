//! RubyGems versions, ordered as `Gem::Version#<=>`.
//!
//! No crate implements `Gem::Version`; the rules are short:
//!
//! * valid: digits, then dot-separated alphanumeric segments, optionally `-` and a
//!   dot-separated `[0-9A-Za-z-]` tail; surrounding white space allowed; blank means `0`;
//! * `-` is read as `.pre.`; the string is split into runs of digits and of letters;
//! * a version is a pre-release as soon as a letter appears, and sorts before the release;
//! * trailing zeros are dropped from the numeric part and from what follows the first
//!   letter run (`1.0 == 1`, `1.a.0 == 1.a`);
//! * segments compare pairwise (missing ones are 0): letters before numbers, letters
//!   bytewise, numbers by value (any size).
//!
//! Invalid strings sort before every valid version, bytewise among themselves.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, invalid_order};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Digits without leading zeros (empty = 0).
    Num(Vec<u8>),
    Str(Vec<u8>),
}

/// Compares two RubyGems versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (va, vb) = (is_valid(a), is_valid(b));
    if let Some(o) = invalid_order(a, va, b, vb) {
        return o;
    }
    let (x, y) = (canonical(a), canonical(b));
    if x == y {
        return Ordering::Equal;
    }
    let zero = Seg::Num(Vec::new());
    for i in 0..x.len().max(y.len()) {
        let (l, r) = (x.get(i).unwrap_or(&zero), y.get(i).unwrap_or(&zero));
        if l == r {
            continue;
        }
        return match (l, r) {
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            (Seg::Num(p), Seg::Num(q)) => cmp_digits(p, q),
            (Seg::Str(p), Seg::Str(q)) => p.cmp(q),
        };
    }
    Ordering::Equal
}

fn ruby_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Whether `Gem::Version.correct?(v)` holds.
pub fn is_valid(v: &str) -> bool {
    let s = v.as_bytes();
    let start = s.iter().take_while(|&&c| ruby_space(c)).count();
    let end = s.len()
        - s[start..]
            .iter()
            .rev()
            .take_while(|&&c| ruby_space(c))
            .count();
    let body = &s[start..end];
    if body.is_empty() {
        return true;
    }
    let (main, tail) = match body.iter().position(|&c| c == b'-') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut parts = main.split(|&c| c == b'.');
    let first_ok = parts.next().is_some_and(crate::digits::all_digits);
    let rest_ok = parts.all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_alphanumeric));
    let tail_ok = tail.is_none_or(|t| {
        t.split(|&c| c == b'.')
            .all(|p| !p.is_empty() && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-'))
    });
    first_ok && rest_ok && tail_ok
}

/// `canonical_segments`: segments with trailing zeros dropped before and after the first
/// letter run.
fn canonical(v: &str) -> Vec<Seg> {
    let t = v.trim_matches(|c: char| c.is_ascii() && ruby_space(c as u8));
    let t = if t.is_empty() {
        "0".to_string()
    } else {
        t.replace('-', ".pre.")
    };
    let mut segs = Vec::new();
    let s = t.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let class = |x: u8| {
            if c.is_ascii_digit() {
                x.is_ascii_digit()
            } else {
                x.is_ascii_alphabetic()
            }
        };
        if c.is_ascii_alphanumeric() {
            let n = s[i..].iter().take_while(|&&x| class(x)).count();
            let run = &s[i..i + n];
            segs.push(if c.is_ascii_digit() {
                Seg::Num(crate::digits::strip_zeros(run).to_vec())
            } else {
                Seg::Str(run.to_vec())
            });
            i += n;
        } else {
            i += 1;
        }
    }
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let mut strings = segs.split_off(split);
    let drop_zeros = |v: &mut Vec<Seg>| {
        while matches!(v.last(), Some(Seg::Num(d)) if d.is_empty()) {
            v.pop();
        }
    };
    drop_zeros(&mut segs);
    drop_zeros(&mut strings);
    segs.extend(strings);
    segs
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn gem_rules() {
        assert_eq!(compare("1.0", "1"), Equal);
        assert_eq!(compare("1.0.a", "1.0"), Less);
        assert_eq!(compare("1.0-rc1", "1.0.pre.rc1"), Equal);
        assert_eq!(compare("1.0.b1", "1.0.a2"), Greater);
        assert_eq!(compare("1.a.0", "1.a"), Equal);
        assert_eq!(compare("", "0"), Equal);
        assert!(!is_valid("1a"));
        assert!(!is_valid("junk"));
    }
}
