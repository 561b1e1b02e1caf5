//! Python package versions (PEP 440), ordered as `packaging.version.Version`.
//!
//! Written by hand rather than with `pep440_rs`: that crate stores release numbers as `u64`
//! (Python's are unbounded, and real versions such as `0.0.20230916123456789012` exceed it) and
//! its parser accepts a few spellings `packaging` rejects. This module follows `packaging`'s
//! grammar exactly (including its possessive matching: a separator once taken is never given
//! back) and its sort key:
//!
//! * `v` prefix, surrounding white space, upper case, `-`/`_`/`.` separators are all accepted;
//! * `alpha`/`a`, `beta`/`b`, `c`/`pre`/`preview`/`rc` pre-releases, `post`/`rev`/`r`/`-N`
//!   post-releases, `dev` releases, with implicit number 0;
//! * trailing zeros of the release do not matter (`1.0.0 == 1`), the epoch (`N!`) dominates;
//! * `1.0.dev0 < 1.0a0 < 1.0a0.post0.dev0 < 1.0a0.post0 < 1.0 < 1.0+local < 1.0.post0`;
//! * local versions (`+abc.5`) sort after the same public version; alphabetic segments before
//!   numeric ones.
//!
//! Invalid strings sort before every valid version, bytewise among themselves.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, invalid_order};

/// A parsed PEP 440 version, borrowing digit runs from the input.
#[derive(Debug, Clone)]
struct Version<'a> {
    epoch: &'a [u8],
    release: Vec<&'a [u8]>,
    /// (rank, number): dev-only -1, a 0, b 1, rc 2, none 3.
    pre: (i8, &'a [u8]),
    post: Option<&'a [u8]>,
    dev: Option<&'a [u8]>,
    local: Option<Vec<&'a [u8]>>,
}

/// Compares two PEP 440 versions; invalid strings sort first, bytewise among themselves.
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

/// Whether `packaging.version.Version(v)` accepts `v`.
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// Python's `str.isspace`, which is what `\s` matches in a `str` pattern.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'.' | b'_' | b'-')) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn digits(&mut self) -> Option<&'a [u8]> {
        let n = self.s[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n == 0 {
            return None;
        }
        let d = &self.s[self.pos..self.pos + n];
        self.pos += n;
        Some(d)
    }
    /// Matches the first of `words` (ASCII case-insensitive) at the cursor.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.pos..];
        let k = words.iter().position(|w| {
            rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes())
        })?;
        self.pos += words[k].len();
        Some(k)
    }
}

fn parse(v: &str) -> Option<Version<'_>> {
    let t = v.trim_matches(py_space);
    let mut c = Cursor {
        s: t.as_bytes(),
        pos: 0,
    };
    if matches!(c.peek(), Some(b'v' | b'V')) {
        c.pos += 1;
    }
    // Epoch: digits followed by '!'; otherwise nothing is consumed.
    let start = c.pos;
    let mut epoch: &[u8] = b"0";
    if let Some(d) = c.digits() {
        if c.peek() == Some(b'!') {
            c.pos += 1;
            epoch = d;
        } else {
            c.pos = start;
        }
    }
    let mut release = vec![c.digits()?];
    while c.peek() == Some(b'.') && c.s.get(c.pos + 1).is_some_and(u8::is_ascii_digit) {
        c.pos += 1;
        release.push(c.digits()?);
    }
    // Pre-release.
    let mut pre: Option<(i8, &[u8])> = None;
    let save = c.pos;
    c.sep();
    const PRE: [&str; 8] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"];
    const PRE_RANK: [i8; 8] = [0, 0, 1, 1, 2, 2, 2, 2];
    if let Some(k) = c.word(&PRE) {
        c.sep();
        let n = c.digits().unwrap_or(b"0");
        pre = Some((PRE_RANK[k], n));
    } else {
        c.pos = save;
    }
    // Post-release: "-N", or [sep] post|rev|r [sep] [N].
    let mut post: Option<&[u8]> = None;
    let save = c.pos;
    if c.peek() == Some(b'-') {
        c.pos += 1;
        if let Some(d) = c.digits() {
            post = Some(d);
        } else {
            c.pos = save;
        }
    }
    if post.is_none() {
        let with_sep = c.sep();
        let word = c.word(&["post", "rev", "r"]);
        let word = if word.is_none() && with_sep {
            c.pos = save;
            c.word(&["post", "rev", "r"])
        } else {
            word
        };
        if word.is_some() {
            c.sep();
            post = Some(c.digits().unwrap_or(b"0"));
        } else {
            c.pos = save;
        }
    }
    // Development release.
    let mut dev: Option<&[u8]> = None;
    let save = c.pos;
    c.sep();
    if c.word(&["dev"]).is_some() {
        c.sep();
        dev = Some(c.digits().unwrap_or(b"0"));
    } else {
        c.pos = save;
    }
    // Local version.
    let mut local = None;
    if c.peek() == Some(b'+') {
        let seg = |c: &mut Cursor<'_>| {
            let n = c.s[c.pos..]
                .iter()
                .take_while(|x| x.is_ascii_alphanumeric())
                .count();
            c.pos += n;
            n
        };
        c.pos += 1;
        let first = c.pos;
        if seg(&mut c) > 0 {
            loop {
                let save = c.pos;
                if c.sep() && seg(&mut c) > 0 {
                    continue;
                }
                c.pos = save;
                break;
            }
            let text = &c.s[first..c.pos];
            local = Some(text.split(|x| b"._-".contains(x)).collect::<Vec<_>>());
        } else {
            c.pos -= 1;
        }
    }
    if c.pos != c.s.len() {
        return None;
    }
    let pre = match (pre, post, dev) {
        (Some(p), _, _) => p,
        (None, None, Some(_)) => (-1, b"0".as_slice()),
        (None, _, _) => (3, b"0".as_slice()),
    };
    Some(Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

fn cmp_release(a: &[&[u8]], b: &[&[u8]]) -> Ordering {
    let trim = |r: &[&[u8]]| {
        let mut n = r.len();
        while n > 0 && r[n - 1].iter().all(|&c| c == b'0') {
            n -= 1;
        }
        n
    };
    let (na, nb) = (trim(a), trim(b));
    for (x, y) in a[..na].iter().zip(&b[..nb]) {
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    na.cmp(&nb)
}

fn cmp_local(a: &[&[u8]], b: &[&[u8]]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let (xn, yn) = (
            x.iter().all(u8::is_ascii_digit),
            y.iter().all(u8::is_ascii_digit),
        );
        let o = match (xn, yn) {
            (true, true) => cmp_digits(x, y),
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => x
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(y.iter().map(u8::to_ascii_lowercase)),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

fn cmp_versions(a: &Version, b: &Version) -> Ordering {
    cmp_digits(a.epoch, b.epoch)
        .then_with(|| cmp_release(&a.release, &b.release))
        .then_with(|| a.pre.0.cmp(&b.pre.0))
        .then_with(|| cmp_digits(a.pre.1, b.pre.1))
        .then_with(|| a.post.is_some().cmp(&b.post.is_some()))
        .then_with(|| cmp_digits(a.post.unwrap_or(b"0"), b.post.unwrap_or(b"0")))
        .then_with(|| b.dev.is_some().cmp(&a.dev.is_some()))
        .then_with(|| cmp_digits(a.dev.unwrap_or(b"0"), b.dev.unwrap_or(b"0")))
        .then_with(|| match (&a.local, &b.local) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => cmp_local(x, y),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn pep440_rules() {
        assert_eq!(compare("1.0.0", "1"), Equal);
        assert_eq!(compare("1.0a1", "1.0.0a1"), Equal);
        assert_eq!(compare("1.0.dev0", "1.0a0"), Less);
        assert_eq!(compare("1.0a0.post0.dev0", "1.0a0.post0"), Less);
        assert_eq!(compare("1.0", "1.0+local"), Less);
        assert_eq!(compare("1.0+local", "1.0.post0"), Less);
        assert_eq!(compare("1!0.1", "2.0"), Greater);
        assert_eq!(compare("1.0-1", "1.0.post1"), Equal);
        assert_eq!(compare("1.0+abc.5", "1.0+5"), Less);
        assert_eq!(compare(" V1.0RC1 ", "1.0c1"), Equal);
        assert!(!is_valid("1.0.x"));
        assert!(!is_valid("not a version"));
        assert_eq!(compare("garbage", "0"), Less);
    }
}
