//! `ARG`/`ENV` substitution as the builder does it in ADD, COPY, ENV, EXPOSE, FROM, LABEL,
//! STOPSIGNAL, USER, VOLUME and WORKDIR, and the `KEY=value` pairs of ENV, ARG and LABEL.
//!
//! kvet has no build arguments, so an ARG takes its default. A variable that is not defined
//! at all is left as written (`${VERSION}`) rather than replaced by an empty string: a check
//! can then tell "unknown" from "empty" (`FROM golang:${GO}` is not an untagged image).

use std::collections::HashMap;

/// Variables in scope at one point of a stage.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: HashMap<String, String>,
}

impl Scope {
    pub fn set(&mut self, name: &str, value: String) {
        self.vars.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
    /// `${VAR+alt}`; `escape` followed by `$` is a literal `$`.
    pub fn expand(&self, text: &str, escape: char) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == escape && chars.get(i + 1) == Some(&'$') {
                out.push('$');
                i += 2;
                continue;
            }
            if c != '$' {
                out.push(c);
                i += 1;
                continue;
            }
            if chars.get(i + 1) == Some(&'{') {
                let Some(close) = matching_brace(&chars[i + 2..]) else {
                    out.extend(&chars[i..]);
                    break;
                };
                let inner: String = chars[i + 2..i + 2 + close].iter().collect();
                let whole: String = chars[i..i + 3 + close].iter().collect();
                out.push_str(&self.braced(&inner, &whole, escape));
                i += 3 + close;
                continue;
            }
            let name_len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            if name_len == 0 {
                out.push('$');
                i += 1;
                continue;
            }
            let name: String = chars[i + 1..i + 1 + name_len].iter().collect();
            match self.get(&name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push('$');
                    out.push_str(&name);
                }
            }
            i += 1 + name_len;
        }
        out
    }

    fn braced(&self, inner: &str, whole: &str, escape: char) -> String {
        let split = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, rest) = inner.split_at(split);
        let value = self.get(name);
        let (colon, rest) = match rest.strip_prefix(':') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // With a colon, an empty value counts as unset.
        let set = value.is_some_and(|v| !colon || !v.is_empty());
        match rest.chars().next() {
            None => value.map_or_else(|| whole.to_string(), str::to_string),
            Some('-') => {
                if set {
                    value.unwrap_or_default().to_string()
                } else {
                    self.expand(&rest[1..], escape)
                }
            }
            Some('+') => {
                if set {
                    self.expand(&rest[1..], escape)
                } else {
                    String::new()
                }
            }
            // `${VAR:?message}` and anything else: keep as written.
            Some(_) => value.map_or_else(|| whole.to_string(), str::to_string),
        }
    }
}

/// Index of the `}` closing a `${`, counting nested `${…}`.
fn matching_brace(chars: &[char]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Splits `KEY=value KEY2="two words"` (or the legacy `KEY value with spaces`) into pairs,
/// removing quotes and escapes. ARG names without a value get `None`.
pub fn pairs(text: &str, escape: char) -> Vec<(String, Option<String>)> {
    let text = text.trim();
    let first_word_end = text.find(char::is_whitespace).unwrap_or(text.len());
    if !text[..first_word_end].contains('=') && first_word_end < text.len() {
        // Legacy form: one pair, the value is the rest of the line.
        let value = unquote(text[first_word_end..].trim(), escape);
        return vec![(text[..first_word_end].to_string(), Some(value))];
    }
    words(text, escape)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

/// Splits text into words at unquoted whitespace, removing quotes and escapes.
pub fn words(text: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == escape => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn unquote(text: &str, escape: char) -> String {
    words(text, escape).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.set("V", "1.2".into());
        s.set("EMPTY", String::new());
        s
    }

    #[test]
    fn substitution_forms() {
        let s = scope();
        let e = |t: &str| s.expand(t, '\\');
        assert_eq!(e("golang:$V"), "golang:1.2");
        assert_eq!(e("golang:${V}-alpine"), "golang:1.2-alpine");
        assert_eq!(e("${NOPE:-3.0}"), "3.0");
        assert_eq!(e("${EMPTY:-d}"), "d");
        assert_eq!(e("${EMPTY-d}"), "");
        assert_eq!(e("${V:+set}"), "set");
        assert_eq!(e("${NOPE:+set}"), "");
        assert_eq!(e("${NOPE:-${V}}"), "1.2");
        assert_eq!(e("a:${NOPE}"), "a:${NOPE}", "unknown stays visible");
        assert_eq!(e("$NOPE/x"), "$NOPE/x");
        assert_eq!(e("\\$V"), "$V");
        assert_eq!(e("cost $ 5"), "cost $ 5");
        assert_eq!(e("${unterminated"), "${unterminated");
    }

    #[test]
    fn env_pairs() {
        assert_eq!(
            pairs("A=1 B=\"two words\" C='x y'", '\\'),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), Some("x y".into()))
            ]
        );
        assert_eq!(
            pairs("PATH /usr/bin:/bin now", '\\'),
            vec![("PATH".into(), Some("/usr/bin:/bin now".into()))]
        );
        assert_eq!(pairs("TOKEN", '\\'), vec![("TOKEN".into(), None)]);
        assert_eq!(
            pairs("A=a\\ b", '\\'),
            vec![("A".into(), Some("a b".into()))]
        );
    }
}
