//! crates.io versions, ordered by SemVer 2.0 precedence using the `semver` crate — the very
//! implementation Cargo uses, so it is its own oracle.
//!
//! Precedence ignores build metadata (`1.0.0+a == 1.0.0+b`), as SemVer and vulnerability
//! ranges do (the crate's own `Ord` would order build metadata too). Invalid strings sort
//! before every valid version, bytewise among themselves.

use std::cmp::Ordering;

use crate::digits::invalid_order;

/// Compares two Cargo versions by SemVer precedence.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (
        semver::Version::parse(a).ok(),
        semver::Version::parse(b).ok(),
    );
    if let Some(o) = invalid_order(a, pa.is_some(), b, pb.is_some()) {
        return o;
    }
    match (pa, pb) {
        (Some(x), Some(y)) => x.cmp_precedence(&y),
        _ => Ordering::Equal,
    }
}

/// Whether Cargo accepts `v` as a version (strict SemVer 2.0, numbers up to `u64::MAX`).
pub fn is_valid(v: &str) -> bool {
    semver::Version::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn cargo_rules() {
        assert_eq!(compare("1.0.0-alpha.1", "1.0.0-alpha.beta"), Less);
        assert_eq!(compare("1.0.0+build5", "1.0.0"), Equal);
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Less);
        assert!(!is_valid("v1.0.0"));
        assert!(!is_valid("1.0"));
    }
}
