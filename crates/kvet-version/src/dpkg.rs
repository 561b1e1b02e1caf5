//! Debian versions (`[epoch:]upstream[-revision]`), ordered as `dpkg --compare-versions`.
//!
//! Written by hand rather than with the `debversion` crate: that crate parses into a struct
//! and rejects what it cannot parse, while a matcher needs a total order over any string, and
//! its epoch is a fixed-width integer. The comparison follows APT's `debVersioningSystem`
//! (what `python3-apt`'s `version_compare` runs), which agrees with dpkg on every version dpkg
//! accepts and is defined on every other string too:
//!
//! * the epoch (text before the first `:`) is compared as a version fragment, a zero epoch
//!   being the same as none;
//! * the revision is the text after the last `-`; no revision equals revision `0`;
//! * fragments alternate non-digit and digit runs: `~` sorts before everything (even the end
//!   of the string), then the end, then letters, then every other character; digit runs
//!   compare numerically with no size limit.
//!
//! Leading and trailing white space is compared as characters (APT does not trim; dpkg
//! trims, but such strings never come out of a package database).

use std::cmp::Ordering;

/// Compares two Debian versions. Total over any input; see the module docs for the rules.
pub fn compare(a: &str, b: &str) -> Ordering {
    cmp_version(a.as_bytes(), b.as_bytes())
}

/// Whether dpkg itself accepts `v` (`dpkg --validate-version`): a non-empty upstream part
/// that starts with a digit and uses only alphanumerics and `.+-~:`, an all-digit epoch no
/// larger than `i32::MAX`, and a revision of alphanumerics and `.+~`.
pub fn is_valid(v: &str) -> bool {
    let v = v.trim_matches(|c: char| c.is_ascii_whitespace());
    if v.is_empty() || v.bytes().any(|c| c.is_ascii_whitespace()) {
        return false;
    }
    let (epoch, rest) = match v.find(':') {
        Some(i) => (Some(&v[..i]), &v[i + 1..]),
        None => (None, v),
    };
    if let Some(e) = epoch {
        let digits = e.strip_prefix('+').unwrap_or(e);
        if !crate::digits::all_digits(digits.as_bytes())
            || crate::digits::cmp_digits(digits.as_bytes(), b"2147483647") == Ordering::Greater
        {
            return false;
        }
        if rest.is_empty() {
            return false;
        }
    }
    let (upstream, revision) = match rest.rfind('-') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if revision == Some("") || upstream.is_empty() {
        return false;
    }
    if !upstream.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    let up_ok = upstream
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b".-+~:".contains(&c));
    let rev_ok = revision.is_none_or(|r| {
        r.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".+~".contains(&c))
    });
    up_ok && rev_ok
}

/// Byte at `i`, or NUL past the end (the C code reads the terminator there).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// dpkg's character weight: digits 0, letters their code, `~` below everything, the end of
/// the string 0, anything else above all letters. Bytes ≥ 0x80 are negative `char`s in C,
/// which the formula `c + 256` maps back to their unsigned value.
fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        c as i32
    } else if c == b'~' {
        -1
    } else if c == 0 {
        0
    } else if c >= 0x80 {
        c as i32
    } else {
        c as i32 + 256
    }
}

/// Compares the fragments `a[a0..a1]` and `b[b0..b1]`; bytes just past a fragment end are
/// still read from the full string, as APT does.
fn cmp_fragment(a: &[u8], a0: usize, a1: usize, b: &[u8], b0: usize, b1: usize) -> i32 {
    let (mut l, mut r) = (a0, b0);
    while l != a1 && r != b1 {
        while l != a1 && r != b1 && (!at(a, l).is_ascii_digit() || !at(b, r).is_ascii_digit()) {
            let (vc, rc) = (order(at(a, l)), order(at(b, r)));
            if vc != rc {
                return vc - rc;
            }
            l += 1;
            r += 1;
        }
        while at(a, l) == b'0' {
            l += 1;
        }
        while at(b, r) == b'0' {
            r += 1;
        }
        let mut first_diff = 0;
        while at(a, l).is_ascii_digit() && at(b, r).is_ascii_digit() {
            if first_diff == 0 {
                first_diff = at(a, l) as i32 - at(b, r) as i32;
            }
            l += 1;
            r += 1;
        }
        if at(a, l).is_ascii_digit() {
            return 1;
        }
        if at(b, r).is_ascii_digit() {
            return -1;
        }
        if first_diff != 0 {
            return first_diff;
        }
    }
    if l == a1 && r == b1 {
        return 0;
    }
    if l == a1 {
        return if at(b, r) == b'~' { 1 } else { -1 };
    }
    if r == b1 {
        return if at(a, l) == b'~' { -1 } else { 1 };
    }
    1
}

/// Splits off the epoch as APT does: returns (epoch start, epoch end, upstream start).
fn epoch_bounds(s: &[u8]) -> (usize, usize, usize) {
    match s.iter().position(|&c| c == b':') {
        None => (0, 0, 0),
        // A colon in first place leaves APT's epoch empty and the colon in the upstream part.
        Some(0) => (0, 0, 0),
        Some(colon) => {
            let mut start = 0;
            while at(s, start) == b'0' {
                start += 1;
            }
            if start == colon {
                // An all-zero epoch is the same as none.
                (colon + 1, colon + 1, colon + 1)
            } else {
                (start, colon, colon + 1)
            }
        }
    }
}

fn cmp_version(a: &[u8], b: &[u8]) -> Ordering {
    let (ae0, ae1, au) = epoch_bounds(a);
    let (be0, be1, bu) = epoch_bounds(b);
    let res = cmp_fragment(a, ae0, ae1, b, be0, be1);
    if res != 0 {
        return res.cmp(&0);
    }
    // The revision starts after the last '-' of the upstream part.
    let dash = |s: &[u8], from: usize| s[from..].iter().rposition(|&c| c == b'-').map(|i| from + i);
    let ad = dash(a, au).unwrap_or(a.len());
    let bd = dash(b, bu).unwrap_or(b.len());
    let res = cmp_fragment(a, au, ad, b, bu, bd);
    if res != 0 {
        return res.cmp(&0);
    }
    // A '-' that starts the upstream part is not a revision separator.
    let a_rev = (ad != a.len() && ad != au).then_some(ad + 1);
    let b_rev = (bd != b.len() && bd != bu).then_some(bd + 1);
    let res = match (a_rev, b_rev) {
        (Some(ar), Some(br)) => cmp_fragment(a, ar, a.len(), b, br, b.len()),
        (Some(ar), None) => cmp_fragment(a, ar, a.len(), b"0", 0, 1),
        (None, Some(br)) => cmp_fragment(b"0", 0, 1, b, br, b.len()),
        (None, None) => 0,
    };
    res.cmp(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn debian_policy_examples() {
        assert_eq!(compare("1.0~rc1", "1.0"), Less);
        assert_eq!(compare("1.0", "1.0-0"), Equal);
        assert_eq!(compare("0:1.0", "1.0"), Equal);
        assert_eq!(compare("1:0.1", "2.0"), Greater);
        assert_eq!(compare("1.0a", "1.0+"), Less);
        assert_eq!(compare("2.30-1", "2.30-1+deb12u1"), Less);
        assert_eq!(compare("1.0~~", "1.0~"), Less);
        assert_eq!(compare("1.00000000000000000000000000001", "1.2"), Less);
    }

    #[test]
    fn validity() {
        assert!(is_valid("1:2.36-9+deb12u4"));
        assert!(is_valid("7.88.1-10+deb12u5"));
        assert!(!is_valid("a1.0"));
        assert!(!is_valid("1.0-"));
        assert!(!is_valid(":1.0"));
        assert!(!is_valid("1.0 beta"));
        assert!(!is_valid("99999999999:1"));
    }
}
