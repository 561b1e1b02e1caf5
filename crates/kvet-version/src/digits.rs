//! Numeric comparison of ASCII digit strings of any length.
//!
//! Versions carry arbitrarily long numeric segments (dates, build stamps, fuzzers' favourites);
//! parsing them into `u64` would overflow, so every comparator here compares digit strings.

use std::cmp::Ordering;

/// Strips leading `0`s (an all-zero string becomes empty, which compares as zero).
pub(crate) fn strip_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    &d[n..]
}

/// Compares two strings of ASCII digits by numeric value.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// SemVer §11's pre-release precedence, shared by npm and NuGet (which differ only in how one
/// identifier compares to another): a version without a pre-release ranks above one with, then
/// identifiers compare left to right, and a longer list wins a tie.
pub(crate) fn cmp_prerelease(
    a: &[&[u8]],
    b: &[&[u8]],
    cmp_ident: impl Fn(&[u8], &[u8]) -> Ordering,
) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a
            .iter()
            .zip(b)
            .map(|(x, y)| cmp_ident(x, y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.len().cmp(&b.len())),
    }
}

/// Whether `s` is non-empty and all ASCII digits.
pub(crate) fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// The order used for strings a comparator rejects: every invalid string sorts before every
/// valid one, and invalid strings order bytewise among themselves. Deterministic and total,
/// so ranges built from bad data still behave predictably.
pub(crate) fn invalid_order(a: &str, a_ok: bool, b: &str, b_ok: bool) -> Option<Ordering> {
    match (a_ok, b_ok) {
        (true, true) => None,
        (false, false) => Some(a.as_bytes().cmp(b.as_bytes())),
        (false, true) => Some(Ordering::Less),
        (true, false) => Some(Ordering::Greater),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_numbers_compare_by_value() {
        assert_eq!(cmp_digits(b"0010", b"9"), Ordering::Greater);
        assert_eq!(cmp_digits(b"000", b""), Ordering::Equal);
        let big = "9".repeat(100);
        let bigger = format!("1{}", "0".repeat(100));
        assert_eq!(
            cmp_digits(big.as_bytes(), bigger.as_bytes()),
            Ordering::Less
        );
    }
}
