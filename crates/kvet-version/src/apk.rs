//! Alpine (apk-tools) versions: `digit{.digit}...{letter}{_suffix{number}}...{-r#}`.
//!
//! No crate implements apk-tools' rules, so this is written from apk-tools' documented token
//! grammar and checked against its own test vectors (`test/version.data`):
//!
//! * numeric components compare by value, but a component after a `.` that starts with `0`
//!   is compared by its count of leading zeros first (`1.05 < 1.5`, as `1.05` reads as
//!   `1` `.0` `5`);
//! * one lower-case letter may follow the numbers (`1.0a < 1.0b < 1.0.1`);
//! * suffixes `_alpha < _beta < _pre < _rc` sort before the plain version, `_cvs < _svn <
//!   _git < _hg < _p` after it; each may carry a number;
//! * `-rN` is the package revision, newer than no revision;
//! * numbers of 18 or more digits, unknown suffixes and anything out of grammar make the
//!   version invalid from that point on; invalid versions still get apk-tools' own
//!   deterministic order (token by token until the first bad token).

use std::cmp::Ordering;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tok {
    Invalid = -1,
    DigitOrZero = 0,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    tok: Tok,
}

const PRE: [&[u8]; 4] = [b"alpha", b"beta", b"pre", b"rc"];
const POST: [&[u8]; 5] = [b"cvs", b"svn", b"git", b"hg", b"p"];

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Lexer {
            s: s.as_bytes(),
            pos: 0,
            tok: Tok::Digit,
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.s[self.pos.min(self.s.len())..]
    }

    /// Decides the type of the next token from the separator at the cursor.
    fn next_token(&mut self) {
        let rest = self.rest();
        let c = rest.first().copied().unwrap_or(0);
        let mut n = Tok::Invalid;
        if rest.is_empty() || c == 0 {
            n = Tok::End;
        } else if matches!(self.tok, Tok::Digit | Tok::DigitOrZero) && c.is_ascii_lowercase() {
            n = Tok::Letter;
        } else if self.tok == Tok::Letter && c.is_ascii_digit() {
            n = Tok::Digit;
        } else if self.tok == Tok::Suffix && c.is_ascii_digit() {
            n = Tok::SuffixNo;
        } else {
            match c {
                b'.' => n = Tok::DigitOrZero,
                b'_' => n = Tok::Suffix,
                b'-' if rest.get(1) == Some(&b'r') => {
                    n = Tok::RevisionNo;
                    self.pos += 1;
                }
                _ => {}
            }
            self.pos += 1;
        }
        if n < self.tok {
            let allowed = (n == Tok::DigitOrZero && self.tok == Tok::Digit)
                || (n == Tok::Suffix && self.tok == Tok::SuffixNo)
                || (n == Tok::Digit && self.tok == Tok::Letter);
            if !allowed {
                n = Tok::Invalid;
            }
        }
        self.tok = n;
    }

    /// Reads the value of the current token and advances to the next one.
    fn get_token(&mut self) -> i64 {
        let rest = self.rest();
        if rest.is_empty() {
            self.tok = Tok::End;
            return 0;
        }
        let mut i = 0usize;
        let mut v: i64 = 0;
        let mut next = Tok::Invalid;
        let digits = |rest: &[u8], i: &mut usize, v: &mut i64| -> bool {
            while *i < rest.len() && rest[*i].is_ascii_digit() {
                *v = v.wrapping_mul(10).wrapping_add((rest[*i] - b'0') as i64);
                *i += 1;
            }
            *i < 18
        };
        let ok = match self.tok {
            Tok::DigitOrZero if rest[0] == b'0' => {
                while i < rest.len() && rest[i] == b'0' {
                    i += 1;
                }
                next = Tok::Digit;
                v = -(i as i64);
                true
            }
            Tok::DigitOrZero | Tok::Digit | Tok::SuffixNo | Tok::RevisionNo => {
                digits(rest, &mut i, &mut v)
            }
            Tok::Letter => {
                v = rest[0] as i64;
                i = 1;
                true
            }
            Tok::Suffix => {
                if let Some(k) = PRE.iter().position(|p| rest.starts_with(p)) {
                    i = PRE[k].len();
                    v = k as i64 - PRE.len() as i64;
                    true
                } else if let Some(k) = POST.iter().position(|p| rest.starts_with(p)) {
                    i = POST[k].len();
                    v = k as i64;
                    true
                } else {
                    false
                }
            }
            Tok::Invalid | Tok::End => false,
        };
        if !ok {
            self.tok = Tok::Invalid;
            return -1;
        }
        self.pos += i;
        if self.rest().is_empty() {
            self.tok = Tok::End;
        } else if next != Tok::Invalid {
            self.tok = next;
        } else {
            self.next_token();
        }
        v
    }
}

/// Compares two apk versions. Total over any input (invalid ones included, see module docs).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut la, mut lb) = (Lexer::new(a), Lexer::new(b));
    let (mut av, mut bv) = (0i64, 0i64);
    while la.tok == lb.tok && la.tok != Tok::End && la.tok != Tok::Invalid && av == bv {
        av = la.get_token();
        bv = lb.get_token();
    }
    if av != bv {
        return av.cmp(&bv);
    }
    if la.tok == lb.tok {
        return Ordering::Equal;
    }
    // Equal so far: the longer version is newer unless what follows is a pre-release suffix.
    // The look-ahead reads the suffix, but the types compared last are those from before it.
    let (at, bt) = (la.tok, lb.tok);
    if at == Tok::Suffix && la.get_token() < 0 {
        return Ordering::Less;
    }
    if bt == Tok::Suffix && lb.get_token() < 0 {
        return Ordering::Greater;
    }
    bt.cmp(&at)
}

/// Whether apk-tools accepts `v` (`apk_version_validate`). Note that the empty string is valid
/// for apk-tools.
pub fn is_valid(v: &str) -> bool {
    let mut l = Lexer::new(v);
    while l.tok != Tok::End && l.tok != Tok::Invalid {
        l.get_token();
    }
    l.tok == Tok::End
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn alpine_examples() {
        assert_eq!(compare("1.2.3-r1", "1.2.3"), Greater);
        assert_eq!(compare("1.2.3_rc1", "1.2.3"), Less);
        assert_eq!(compare("1.2.3_p1", "1.2.3"), Greater);
        assert_eq!(compare("1.05", "1.5"), Less);
        assert!(is_valid("3.1.4_git20230101-r2"));
        assert!(!is_valid("1.0-beta"));
    }
}
