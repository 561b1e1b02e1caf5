//! SemVer 2.0 order for OSV `SEMVER` ranges (the schema defines them as SemVer 2.0: precedence
//! per section 11, build metadata ignored).
//!
//! Lenient about what scanners find in the wild: a leading `v` (Go module versions), a Go
//! toolchain spelling (`go1.21.5`, `go1.21rc2`), and missing minor/patch parts (`1.21` →
//! `1.21.0`). `+incompatible` is build metadata and so ignored for precedence, as Go does.

use std::cmp::Ordering;

/// Parses a version for SEMVER comparison, or `None` when it is not SemVer even leniently.
pub fn parse(v: &str) -> Option<semver::Version> {
    let v = v.trim();
    let v = v.strip_prefix('v').unwrap_or(v);
    if let Ok(p) = semver::Version::parse(v) {
        return Some(p);
    }
    let v = go_toolchain(v).unwrap_or_else(|| v.to_string());
    if let Ok(p) = semver::Version::parse(&v) {
        return Some(p);
    }
    // Pad the numeric core: `1.21` / `1.21-rc.1` / `1` (a digit run or two).
    let split = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(split);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let padded = match parts.len() {
        1 => format!("{}.0.0{rest}", parts[0]),
        _ => format!("{}.{}.0{rest}", parts[0], parts[1]),
    };
    semver::Version::parse(&padded).ok()
}

/// `go1.21.5` → `1.21.5`, `go1.21` → `1.21.0`, `go1.21rc2` → `1.21.0-rc.2`,
/// `go1.20beta1` → `1.20.0-beta.1`: the Go toolchain's names in the form Go's vulnerability
/// database uses for the `stdlib` module.
pub fn go_toolchain(v: &str) -> Option<String> {
    let rest = v.strip_prefix("go")?;
    let pre_at = rest.find(|c: char| c.is_ascii_alphabetic());
    let (num, pre) = match pre_at {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let parts: Vec<&str> = num.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut core = parts.join(".");
    for _ in parts.len()..3 {
        core.push_str(".0");
    }
    if pre.is_empty() {
        return Some(core);
    }
    let digits_at = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
    let (word, n) = pre.split_at(digits_at);
    Some(if n.is_empty() {
        format!("{core}-{word}")
    } else {
        format!("{core}-{word}.{n}")
    })
}

/// SemVer precedence of two versions; an unparsable one sorts before every parsable one (and
/// two unparsable ones compare as strings) so that the order stays total.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x.cmp_precedence(&y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_forms() {
        assert_eq!(parse("v1.2.3").unwrap().to_string(), "1.2.3");
        assert_eq!(parse("1.21").unwrap().to_string(), "1.21.0");
        assert_eq!(parse("go1.21.5").unwrap().to_string(), "1.21.5");
        assert_eq!(parse("go1.21rc2").unwrap().to_string(), "1.21.0-rc.2");
        assert_eq!(parse("go1.20beta1").unwrap().to_string(), "1.20.0-beta.1");
        assert!(parse("1.2.3.4").is_none());
        assert!(parse("abc").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn precedence_per_semver_2() {
        assert_eq!(compare("1.0.0-alpha", "1.0.0"), Ordering::Less);
        assert_eq!(compare("1.0.0-alpha.1", "1.0.0-alpha.beta"), Ordering::Less);
        assert_eq!(compare("1.0.0-rc.1", "1.0.0-beta.11"), Ordering::Greater);
        assert_eq!(compare("1.19.0-0", "1.19.0-rc.1"), Ordering::Less);
        assert_eq!(compare("v2.0.0+incompatible", "2.0.0"), Ordering::Equal);
        assert_eq!(
            compare(
                "0.0.0-20220906165146-f3363e06e74c",
                "0.0.0-20220722155237-a158d28d115b"
            ),
            Ordering::Greater
        );
    }
}
