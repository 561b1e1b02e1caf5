//! Maven versions, ordered as Maven's `ComparableVersion` (Maven 3.9 rules).
//!
//! No crate implements ComparableVersion, so it is written here from Maven's documented
//! algorithm. A version is split into items at `.`, at `-` (which opens a nested list) and at
//! every transition between digits and letters (which also opens a nested list):
//!
//! * numbers compare by value (any length); `1.0.0 == 1`, trailing zero/empty items vanish;
//! * qualifiers, case-insensitive: `alpha` (`a1`) < `beta` (`b1`) < `milestone` (`m1`) <
//!   `rc` = `cr` < `snapshot` < `""` = `ga` = `final` = `release` < `sp` < any other string
//!   (those alphabetically);
//! * a number is newer than a qualifier or a nested list; a nested list (`1-1`) is newer than
//!   a qualifier (`1-sp`);
//! * `.X` before a number is read like `-X` (MNG-7644), so `1.0.RC1 == 1.0-RC1`; `release` is
//!   an alias of the empty qualifier; a nested list compares to "nothing" by all its items
//!   (MNG-6964). Debian 12's maven-artifact 3.8.7 (the differential oracle) already behaves so.
//!
//! Every string is a valid Maven version. Only ASCII digits count as digits (Java's
//! `Character.isDigit` also accepts other scripts' digits).

use std::cmp::Ordering;

use crate::digits::cmp_digits;

/// Compares two Maven versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (Parsed::new(a), Parsed::new(b));
    cmp_list(&x, 0, Some((&y, 0)))
}

/// Every string parses as a Maven version.
pub fn is_valid(_v: &str) -> bool {
    true
}

#[derive(Debug, Clone)]
enum Item {
    /// Digits with leading zeros stripped (empty = 0).
    Num(Vec<u8>),
    /// A qualifier after lower-casing and alias resolution.
    Str(String),
    /// Index of a nested list in the arena.
    List(usize),
}

/// All lists of one version; list 0 is the root, children always come after their parent.
struct Parsed {
    lists: Vec<Vec<Item>>,
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn string_item(s: &str, followed_by_digit: bool) -> Item {
    let mut v = s;
    if followed_by_digit && s.chars().count() == 1 {
        v = match s {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        };
    }
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_string())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Num(crate::digits::strip_zeros(buf.as_bytes()).to_vec())
    } else {
        string_item(buf, false)
    }
}

impl Parsed {
    fn new(version: &str) -> Parsed {
        let version = version.to_lowercase();
        let mut lists: Vec<Vec<Item>> = vec![Vec::new()];
        let mut cur = 0usize;
        let mut is_digit = false;
        let mut start = 0usize;
        let new_list = |lists: &mut Vec<Vec<Item>>, cur: &mut usize| {
            lists.push(Vec::new());
            let idx = lists.len() - 1;
            lists[*cur].push(Item::List(idx));
            *cur = idx;
        };
        for (i, c) in version.char_indices() {
            if c == '.' || c == '-' {
                if i == start {
                    lists[cur].push(Item::Num(Vec::new()));
                } else {
                    let it = parse_item(is_digit, &version[start..i]);
                    lists[cur].push(it);
                }
                start = i + 1;
                if c == '-' {
                    new_list(&mut lists, &mut cur);
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    if !lists[cur].is_empty() {
                        new_list(&mut lists, &mut cur);
                    }
                    let it = string_item(&version[start..i], true);
                    lists[cur].push(it);
                    start = i;
                    new_list(&mut lists, &mut cur);
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    let it = parse_item(true, &version[start..i]);
                    lists[cur].push(it);
                    start = i;
                    new_list(&mut lists, &mut cur);
                }
                is_digit = false;
            }
        }
        if version.len() > start {
            if !is_digit && !lists[cur].is_empty() {
                new_list(&mut lists, &mut cur);
            }
            let it = parse_item(is_digit, &version[start..]);
            lists[cur].push(it);
        }
        // Normalise innermost lists first: drop trailing null items (0, "", empty lists),
        // looking past non-null nested lists.
        for idx in (0..lists.len()).rev() {
            let mut i = lists[idx].len();
            while i > 0 {
                i -= 1;
                let null = match &lists[idx][i] {
                    Item::Num(d) => d.is_empty(),
                    Item::Str(s) => s.is_empty(),
                    Item::List(j) => lists[*j].is_empty(),
                };
                if null {
                    lists[idx].remove(i);
                } else if !matches!(lists[idx][i], Item::List(_)) {
                    break;
                }
            }
        }
        Parsed { lists }
    }
}

/// `comparableQualifier`: known qualifiers by rank, others after them alphabetically.
fn comparable(q: &str) -> String {
    match QUALIFIERS.iter().position(|&k| k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{}", QUALIFIERS.len(), q),
    }
}

/// Java's `String.compareTo` (UTF-16 code units).
fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn cmp_item(p: &Parsed, it: &Item, other: Option<(&Parsed, &Item)>) -> Ordering {
    match it {
        Item::Num(d) => match other {
            None => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Some((_, Item::Num(e))) => cmp_digits(d, e),
            Some(_) => Ordering::Greater,
        },
        Item::Str(s) => match other {
            None => java_cmp(&comparable(s), "5"),
            Some((_, Item::Str(t))) => java_cmp(&comparable(s), &comparable(t)),
            Some(_) => Ordering::Less,
        },
        Item::List(idx) => match other {
            None => cmp_list(p, *idx, None),
            Some((_, Item::Num(_))) => Ordering::Less,
            Some((_, Item::Str(_))) => Ordering::Greater,
            Some((q, Item::List(j))) => cmp_list(p, *idx, Some((q, *j))),
        },
    }
}

fn cmp_list(p: &Parsed, idx: usize, other: Option<(&Parsed, usize)>) -> Ordering {
    let items = &p.lists[idx];
    match other {
        None => {
            for it in items {
                let o = cmp_item(p, it, None);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        Some((q, j)) => {
            let theirs = &q.lists[j];
            let n = items.len().max(theirs.len());
            for k in 0..n {
                let o = match (items.get(k), theirs.get(k)) {
                    (None, None) => Ordering::Equal,
                    (None, Some(r)) => cmp_item(q, r, None).reverse(),
                    (Some(l), r) => cmp_item(p, l, r.map(|r| (q, r))),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn maven_rules() {
        assert_eq!(compare("1.0.0", "1"), Equal);
        assert_eq!(compare("1-alpha", "1-beta"), Less);
        assert_eq!(compare("1.0-SNAPSHOT", "1.0"), Less);
        assert_eq!(compare("1.0-rc1", "1.0-CR1"), Equal);
        assert_eq!(compare("1.0-ga", "1.0-final"), Equal);
        assert_eq!(compare("1.0-sp", "1.0"), Greater);
        assert_eq!(compare("1.0-foo", "1.0-sp"), Greater);
        assert_eq!(compare("1-1", "1-sp"), Greater);
        assert_eq!(compare("1.0.RC2", "1.0-RC3"), Less);
        assert_eq!(compare("1.0-RC3", "1.0.1"), Less);
        assert_eq!(compare("1.0.0.RC1", "1.0.0-RC1"), Equal);
        assert_eq!(compare("1.0-release", "1.0"), Equal);
        let big = format!("1.{}", "9".repeat(40));
        assert_eq!(compare(&big, "1.99999999999"), Greater);
    }
}
