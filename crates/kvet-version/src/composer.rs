//! Packagist (Composer) versions: composer/semver's `VersionParser::normalize` followed by
//! PHP's `version_compare`, which is what `Composer\Semver\Comparator` does.
//!
//! No crate implements either, so both are written here from composer/semver 3.x and PHP's
//! documented algorithm:
//!
//! * normalisation: trimmed; `v` prefix dropped; ` as alias` and `@stability` flags dropped;
//!   build metadata dropped; up to four numeric parts padded to four (`1.2` → `1.2.0.0`, the
//!   first at most 5 digits) or a date version (`20230101`); stability suffixes expanded
//!   (`a`→`alpha`, `b`→`beta`, `p`/`pl`→`patch`, `rc`→`RC`, `stable` dropped) with their
//!   numbers, and `-dev`; `1.x-dev` style branches become `1.9999999.9999999.9999999-dev`;
//!   `dev-*` (and `master`, `trunk`, `default`) are branch names;
//! * `version_compare`: `-`, `_`, `+` and digit/letter transitions separate parts;
//!   numbers compare by value (capped like C's `strtol` at 2^63 - 1); words rank
//!   any unknown word < `dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < number <
//!   `pl` = `p` (`patch`), matched by prefix as PHP does.
//!
//! Like `Comparator`, a branch (`dev-main`) is compared to a numbered version with
//! `version_compare` too (`dev-main` reads as the words `dev` and `main`, so it sorts below
//! `1.0.0.0`). Two different branches have no order in Composer (every comparison is false but
//! equality of identical names): here they order bytewise. Invalid strings sort before
//! everything else, bytewise among themselves.

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::bytes::Regex;

/// What normalisation made of a string.
#[derive(Debug, PartialEq, Eq)]
pub enum Normalized {
    /// A numbered version in composer's normal form, e.g. `1.2.0.0-beta1`.
    Version(String),
    /// A branch, e.g. `dev-main`.
    Branch(String),
    /// Not a version composer accepts.
    Invalid,
}

/// Compares two Composer versions (see the module docs for branches and invalid strings).
pub fn compare(a: &str, b: &str) -> Ordering {
    match (normalize(a), normalize(b)) {
        (Normalized::Branch(x), Normalized::Branch(y)) => x.cmp(&y),
        (
            Normalized::Version(x) | Normalized::Branch(x),
            Normalized::Version(y) | Normalized::Branch(y),
        ) => version_compare(&x, &y),
        (Normalized::Invalid, Normalized::Invalid) => a.as_bytes().cmp(b.as_bytes()),
        (Normalized::Invalid, _) => Ordering::Less,
        (_, Normalized::Invalid) => Ordering::Greater,
    }
}

/// Whether `VersionParser::normalize` accepts `v` (branch names included).
pub fn is_valid(v: &str) -> bool {
    normalize(v) != Normalized::Invalid
}

// PCRE`s `$` is the end or the place before a final newline; `\s` (without UTF mode) is
// spelled out as [\t\n\x0B\x0C\r ] in the patterns below.
const END: &str = r"\n?\z";
const MODIFIER: &str =
    r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*)?)?([.-]?dev)?";

struct Res {
    alias: Regex,
    stability_flag: Regex,
    build: Regex,
    classical: Regex,
    date: Regex,
    dev_suffix: Regex,
    branch: Regex,
}

fn res() -> &'static Res {
    static RES: OnceLock<Res> = OnceLock::new();
    RES.get_or_init(|| {
        let re = |p: String| Regex::new(&format!("(?-u){p}")).expect("static regex");
        Res {
            alias: re(format!(r"^([^,\t\n\x0B\x0C\r ]+) +as +([^,\t\n\x0B\x0C\r ]+){END}")),
            stability_flag: re(format!(r"(?i)@(?:stable|RC|beta|alpha|dev){END}")),
            build: re(format!(r"^([^,\t\n\x0B\x0C\r +]+)\+[^\t\n\x0B\x0C\r ]+{END}")),
            classical: re(format!(
                r"(?i)^v?([0-9]{{1,5}})(\.[0-9]+)?(\.[0-9]+)?(\.[0-9]+)?{MODIFIER}{END}"
            )),
            date: re(format!(
                r"(?i)^v?([0-9]{{4}}(?:[.:-]?[0-9]{{2}}){{1,6}}(?:[.:-]?[0-9]{{1,3}})?){MODIFIER}{END}"
            )),
            dev_suffix: re(format!(r"(?i)(.*?)[.-]?dev{END}")),
            branch: re(format!(
                r"(?i)^v?([0-9]+)(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?{END}"
            )),
        }
    })
}

/// PHP's `trim` character set.
fn php_trim(s: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0B);
    let start = s.iter().take_while(|c| ws(c)).count();
    let end = s.len() - s[start..].iter().rev().take_while(|c| ws(c)).count();
    &s[start..end]
}

fn expand_stability(s: &[u8]) -> String {
    let s = String::from_utf8_lossy(s).to_ascii_lowercase();
    match s.as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        _ => s,
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `VersionParser::normalizeBranch`.
fn normalize_branch(name: &[u8]) -> String {
    let name = php_trim(name);
    if let Some(m) = res().branch.captures(name) {
        let mut v = String::new();
        for i in 1..5 {
            match m.get(i) {
                Some(g) => v.push_str(&text(g.as_bytes()).replace(['*', 'X'], "x")),
                None => v.push_str(".x"),
            }
        }
        return v.replace('x', "9999999") + "-dev";
    }
    format!("dev-{}", text(name))
}

/// composer/semver's `VersionParser::normalize`.
pub fn normalize(v: &str) -> Normalized {
    let r = res();
    let mut version: &[u8] = php_trim(v.as_bytes());
    if let Some(m) = r.alias.captures(version) {
        version = m.get(1).map_or(version, |g| g.as_bytes());
    }
    if let Some(m) = r.stability_flag.find(version) {
        version = &version[..m.start()];
    }
    if matches!(version, b"master" | b"trunk" | b"default") {
        return Normalized::Branch(format!("dev-{}", text(version)));
    }
    if version.len() >= 4 && version[..4].eq_ignore_ascii_case(b"dev-") {
        return Normalized::Branch(format!("dev-{}", text(&version[4..])));
    }
    if let Some(m) = r.build.captures(version) {
        version = m.get(1).map_or(version, |g| g.as_bytes());
    }
    let matched = if let Some(m) = r.classical.captures(version) {
        let part = |i: usize| match m.get(i) {
            Some(g) if !g.as_bytes().is_empty() => text(g.as_bytes()),
            _ => ".0".to_string(),
        };
        let base = format!(
            "{}{}{}{}",
            text(m.get(1).map_or(&b""[..], |g| g.as_bytes())),
            part(2),
            part(3),
            part(4)
        );
        Some((base, m, 5))
    } else if let Some(m) = r.date.captures(version) {
        let d = m.get(1).map_or(&b""[..], |g| g.as_bytes());
        let base: String = d
            .iter()
            .map(|&c| if c.is_ascii_digit() { c as char } else { '.' })
            .collect();
        Some((base, m, 2))
    } else {
        None
    };
    if let Some((mut base, m, idx)) = matched {
        let group = |i: usize| m.get(i).map(|g| g.as_bytes()).filter(|g| !g.is_empty());
        if let Some(stab) = group(idx) {
            if stab == b"stable" {
                return Normalized::Version(base);
            }
            base.push('-');
            base.push_str(&expand_stability(stab));
            if let Some(n) = group(idx + 1) {
                let n = text(n);
                base.push_str(n.trim_start_matches(['.', '-']));
            }
        }
        if group(idx + 2).is_some() {
            base.push_str("-dev");
        }
        return Normalized::Version(base);
    }
    if let Some(m) = r.dev_suffix.captures(version) {
        let n = normalize_branch(m.get(1).map_or(&b""[..], |g| g.as_bytes()));
        if !n.contains("dev-") {
            return Normalized::Version(n);
        }
    }
    Normalized::Invalid
}

/// Rank of a word in PHP's `version_compare` (matched by prefix, in PHP's list order).
fn special_form(w: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| w.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// PHP's `php_canonicalize_version`.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 2);
    let Some((&first, rest)) = v.split_first() else {
        return out;
    };
    out.push(first);
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut lp = first;
    for &p in rest {
        let lq = *out.last().unwrap_or(&0);
        if matches!(p, b'-' | b'_' | b'+') {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(p)) || (isdig(lp) && isndig(p)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(p);
        } else if !p.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(p);
        }
        lp = p;
    }
    out
}

/// C's `strtol` on a part that starts with a digit, saturating like glibc.
fn strtol(p: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for &c in p.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add((c - b'0') as i64);
    }
    v
}

/// PHP's `version_compare($a, $b)` (`php_version_compare`).
pub fn version_compare(a: &str, b: &str) -> Ordering {
    php_version_compare(a.as_bytes(), b.as_bytes()).cmp(&0)
}

fn php_version_compare(a: &[u8], b: &[u8]) -> i32 {
    if a.is_empty() || b.is_empty() {
        return match (a.is_empty(), b.is_empty()) {
            (true, true) => 0,
            (false, true) => 1,
            _ => -1,
        };
    }
    let v1 = if a[0] == b'#' {
        a.to_vec()
    } else {
        canonicalize(a)
    };
    let v2 = if b[0] == b'#' {
        b.to_vec()
    } else {
        canonicalize(b)
    };
    // Parts as C sees them: each ends at the next '.' (n = Some(index of the dot)) or at the
    // end of the string (n = None).
    let next = |v: &[u8], p: usize| -> (usize, Option<usize>) {
        match v[p..].iter().position(|&c| c == b'.') {
            Some(i) => (p + i, Some(p + i)),
            None => (v.len(), None),
        }
    };
    let (mut p1, mut p2) = (0usize, 0usize);
    let (mut n1, mut n2): (Option<usize>, Option<usize>) = (Some(0), Some(0));
    let mut compare = 0;
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    while at(&v1, p1) != 0 && at(&v2, p2) != 0 && n1.is_some() && n2.is_some() {
        let (e1, d1) = next(&v1, p1);
        let (e2, d2) = next(&v2, p2);
        n1 = d1;
        n2 = d2;
        let (s1, s2) = (&v1[p1..e1], &v2[p2..e2]);
        let (dig1, dig2) = (at(s1, 0).is_ascii_digit(), at(s2, 0).is_ascii_digit());
        compare = if dig1 && dig2 {
            (strtol(s1).cmp(&strtol(s2))) as i32
        } else if !dig1 && !dig2 {
            (special_form(s1) - special_form(s2)).signum()
        } else if dig1 {
            (special_form(b"#N#") - special_form(s2)).signum()
        } else {
            (special_form(s1) - special_form(b"#N#")).signum()
        };
        if compare != 0 {
            break;
        }
        if let Some(d) = n1 {
            p1 = d + 1;
        }
        if let Some(d) = n2 {
            p2 = d + 1;
        }
    }
    if compare == 0 {
        if n1.is_some() {
            compare = if at(&v1, p1).is_ascii_digit() {
                1
            } else {
                php_version_compare(&v1[p1.min(v1.len())..], b"#N#")
            };
        } else if n2.is_some() {
            compare = if at(&v2, p2).is_ascii_digit() {
                -1
            } else {
                php_version_compare(b"#N#", &v2[p2.min(v2.len())..])
            };
        }
    }
    compare
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn composer_rules() {
        assert_eq!(normalize("v1.2"), Normalized::Version("1.2.0.0".into()));
        assert_eq!(
            normalize("1.0.0-beta.2"),
            Normalized::Version("1.0.0.0-beta2".into())
        );
        assert_eq!(
            normalize("1.0-RC1-dev"),
            Normalized::Version("1.0.0.0-RC1-dev".into())
        );
        assert_eq!(
            normalize("1.x-dev"),
            Normalized::Version("1.9999999.9999999.9999999-dev".into())
        );
        assert_eq!(normalize("dev-main"), Normalized::Branch("dev-main".into()));
        assert_eq!(normalize("not a version"), Normalized::Invalid);
        assert_eq!(compare("1.0.0-alpha", "1.0.0-beta"), Less);
        assert_eq!(compare("1.0.0-RC1", "1.0.0"), Less);
        assert_eq!(compare("1.0.0-patch1", "1.0.0"), Greater);
        assert_eq!(compare("1.0-dev", "1.0-alpha"), Less);
        assert_eq!(compare("v2.0", "2.0.0.0"), Equal);
    }
}
