//! A fast path for the block-style YAML that Kubernetes manifests are written in.
//!
//! Hand-written because the event parser (saphyr-parser) was the limit of `kvet config`: at
//! ~29 MB/s per core it alone capped a scan below the 50,000 resources/s target, and no
//! maintained Rust YAML crate that keeps line numbers is faster. This path reads one document
//! line by line and understands only the subset manifests use: block mappings and sequences,
//! plain and quoted single-line scalars, `|` literal block scalars, single-line flow
//! collections of scalars (`[a, "b"]`, `{}`), comments and `---`. Anything else — anchors,
//! aliases, tags, folded or indented-indicator block scalars, multi-line flow or quoted or
//! plain scalars, complex keys, tabs, directives, unusual characters, limits reached, and any
//! syntax error — makes it give up on the whole document, which is then parsed by the event
//! parser exactly as before. Errors therefore always come from the event parser, and a
//! document this path accepts must give the very Node tree the event parser gives
//! (differential test: `tests/fast_yaml.rs`).

use crate::node::{Node, Value};
use crate::yaml::{resolve_plain, Limits, YamlWarning};

/// Give up: the document is parsed by the event parser instead.
#[derive(Debug)]
pub(crate) struct Unsupported;

type R<T> = Result<T, Unsupported>;

/// Parses one document chunk: the text from a `---` line (or the start of the stream) up to
/// the next `---` line. `first_line` is the 1-based line number of the chunk's first line.
/// Returns the document root, or `Unsupported`. Duplicate-key warnings are appended to
/// `warnings` only on success.
pub(crate) fn parse_document(
    chunk: &str,
    first_line: u32,
    limits: &Limits,
    warnings: &mut Vec<YamlWarning>,
) -> R<Node> {
    if chunk.len() >= limits.max_document_chars || !plain_chars(chunk.as_bytes()) {
        return Err(Unsupported);
    }
    let mut lines = Vec::with_capacity(chunk.len() / 24 + 1);
    let bytes = chunk.as_bytes();
    let mut start = 0usize;
    while start < bytes.len() {
        let end = memchr_nl(&bytes[start..]).map_or(bytes.len(), |i| start + i);
        let mut e = end;
        if e > start && bytes[e - 1] == b'\r' {
            e -= 1;
        }
        lines.push((start, e));
        start = end + 1;
    }
    let mut p = Parser {
        src: chunk,
        lines,
        i: 0,
        first_line,
        depth: 0,
        max_depth: limits.max_depth.saturating_sub(2),
        ends_with_newline: bytes.last() == Some(&b'\n'),
        warnings: Vec::new(),
    };
    let root = p.document()?;
    warnings.append(&mut p.warnings);
    Ok(root)
}

/// Only characters the fast path treats like the event parser does: printable text, `\n`,
/// and `\r` before `\n`. Tabs, other control characters, BOMs, C1 controls and the Unicode
/// line separators are left to the event parser.
fn plain_chars(b: &[u8]) -> bool {
    let mut ascii = true;
    for (i, &c) in b.iter().enumerate() {
        if c < 0x20 {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) == Some(&b'\n')) {
                continue;
            }
            return false;
        }
        if c == 0x7f {
            return false;
        }
        if c >= 0x80 {
            ascii = false;
        }
    }
    if ascii {
        return true;
    }
    // Only reached for chunks with non-ASCII text.
    std::str::from_utf8(b).is_ok_and(|s| {
        s.chars().all(|c| {
            !matches!(
                c as u32,
                0x80..=0x9F | 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF
            )
        })
    })
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

struct Parser<'a> {
    src: &'a str,
    /// Byte ranges of the lines, without their line break.
    lines: Vec<(usize, usize)>,
    /// The current line.
    i: usize,
    first_line: u32,
    depth: usize,
    max_depth: usize,
    ends_with_newline: bool,
    warnings: Vec<YamlWarning>,
}

/// Leading spaces of a line.
fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// Whether `s` (trimmed at the front) is empty or a comment.
fn is_blank_or_comment(s: &str) -> bool {
    s.is_empty() || s.starts_with('#')
}

/// Whether a `-` at the start of `s` is a sequence entry indicator.
fn is_dash_entry(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

impl<'a> Parser<'a> {
    fn line(&self, i: usize) -> &'a str {
        let (s, e) = self.lines[i];
        &self.src[s..e]
    }

    fn line_no(&self, i: usize) -> u32 {
        self.first_line
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
    }

    /// Moves to the next line with content (not blank, not a comment) and returns its
    /// indentation, or `None` at the end of the chunk.
    fn next_content(&mut self) -> Option<usize> {
        while self.i < self.lines.len() {
            let l = self.line(self.i);
            let ind = indent_of(l);
            if !is_blank_or_comment(&l[ind..]) {
                return Some(ind);
            }
            self.i += 1;
        }
        None
    }

    fn document(&mut self) -> R<Node> {
        if self.lines.is_empty() {
            return Err(Unsupported);
        }
        let first = self.line(0);
        if let Some(rest) = first.strip_prefix("---") {
            let t = rest.trim_start_matches(' ');
            if !(rest.is_empty() || (t.len() < rest.len() && is_blank_or_comment(t))) {
                return Err(Unsupported);
            }
            self.i = 1;
        }
        let Some(ind) = self.next_content() else {
            return Err(Unsupported);
        };
        let l = self.line(self.i);
        if is_dash_entry(&l[ind..]) {
            return Err(Unsupported);
        }
        let root = self.block_map(ind)?;
        if self.next_content().is_some() {
            return Err(Unsupported);
        }
        Ok(root)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth >= self.max_depth {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// A block mapping whose keys sit at column `col`; the current line holds its first key
    /// at that column (possibly after a `- `).
    fn block_map(&mut self, col: usize) -> R<Node> {
        self.enter()?;
        let map_line = self.line_no(self.i);
        let mut entries: Vec<(String, Node)> = Vec::new();
        loop {
            let l = self.line(self.i);
            let s = &l[col..];
            let key_line = self.line_no(self.i);
            let (key, rest) = split_key(s)?;
            if key == "<<" || key.chars().count() > 1024 {
                return Err(Unsupported);
            }
            let mut value = self.value_after_key(col, rest)?;
            value.line = key_line;
            insert(&mut entries, key, value, key_line, &mut self.warnings);
            match self.next_content() {
                None => break,
                Some(ind) if ind < col => break,
                Some(ind) if ind == col => {
                    // A sequence entry where the next key belongs is an error.
                    if is_dash_entry(&self.line(self.i)[ind..]) {
                        return Err(Unsupported);
                    }
                }
                Some(_) => return Err(Unsupported),
            }
        }
        self.depth -= 1;
        Ok(Node::new(map_line, Value::Map(entries)))
    }

    /// The value of a key whose text after the `:` is `rest`; the key is at column `col`.
    /// Leaves `self.i` on the value's last line (or the line after a nested block).
    fn value_after_key(&mut self, col: usize, rest: &'a str) -> R<Node> {
        let line = self.line_no(self.i);
        let v = rest.trim_start_matches(' ');
        if is_blank_or_comment(v) {
            if !v.is_empty() && v.len() == rest.len() {
                return Err(Unsupported);
            }
            self.i += 1;
            return match self.next_content() {
                None => Ok(Node::new(line, Value::Null)),
                Some(ind) => {
                    let s = &self.line(self.i)[ind..];
                    if ind > col {
                        if is_dash_entry(s) {
                            self.block_seq(ind)
                        } else {
                            self.block_map(ind)
                        }
                    } else if ind == col && is_dash_entry(s) {
                        self.block_seq(ind)
                    } else {
                        Ok(Node::new(line, Value::Null))
                    }
                }
            };
        }
        if v.len() == rest.len() && !rest.is_empty() {
            // `key:value` is not a key; split_key never gives this.
            return Err(Unsupported);
        }
        let node = self.inline_value(v, col, line)?;
        self.i += 1;
        Ok(node)
    }

    /// A value that starts on the current line: `v` is its text, `parent` the indentation
    /// of the collection it belongs to. Block scalars advance `self.i` to their last line.
    fn inline_value(&mut self, v: &'a str, parent: usize, line: u32) -> R<Node> {
        let first = v.as_bytes()[0];
        match first {
            b'"' | b'\'' => {
                let (text, rest) = quoted(v)?;
                end_of_line(rest)?;
                Ok(Node::new(line, Value::Str(text)))
            }
            b'[' => {
                self.enter()?;
                let (node, rest) = flow_seq(v, line, &mut self.warnings)?;
                end_of_line(rest)?;
                self.depth -= 1;
                Ok(node)
            }
            b'{' => {
                self.enter()?;
                let (node, rest) = flow_map(v, line, &mut self.warnings)?;
                end_of_line(rest)?;
                self.depth -= 1;
                Ok(node)
            }
            b'|' => {
                let (text, first) = self.literal(&v[1..], parent)?;
                // The event parser places a block scalar on its first non-blank line.
                Ok(Node::new(first, Value::Str(text)))
            }
            _ => {
                if starts_indicator(v, false) {
                    return Err(Unsupported);
                }
                let (text, comment) = plain_block(v)?;
                if comment {
                    return Ok(Node::new(line, resolve_plain(text)));
                }
                match self.plain_continuation(text, parent)? {
                    Some(joined) => Ok(Node::new(line, resolve_plain(&joined))),
                    None => Ok(Node::new(line, resolve_plain(text))),
                }
            }
        }
    }

    /// The rest of a plain scalar that continues on the lines below its first (`first`):
    /// lines indented deeper than `parent` are folded in, one line break as a space, blank
    /// lines as line breaks. `None` when the next line does not continue it. Leaves `self.i`
    /// on the scalar's last line.
    fn plain_continuation(&mut self, first: &str, parent: usize) -> R<Option<String>> {
        let mut out: Option<String> = None;
        let mut blanks = 0usize;
        let mut j = self.i + 1;
        while j < self.lines.len() {
            let l = self.line(j);
            let sp = indent_of(l);
            if sp == l.len() {
                blanks += 1;
                j += 1;
                continue;
            }
            let rest = &l[sp..];
            if sp <= parent || rest.starts_with('#') {
                break;
            }
            if starts_indicator(rest, false) || rest.starts_with(['-', '?', ':']) {
                return Err(Unsupported);
            }
            let (t, comment) = plain_block(rest)?;
            let s = out.get_or_insert_with(|| first.to_string());
            if blanks == 0 {
                s.push(' ');
            }
            for _ in 0..blanks {
                s.push('\n');
            }
            s.push_str(t);
            blanks = 0;
            self.i = j;
            j += 1;
            if comment {
                break;
            }
        }
        Ok(out)
    }

    /// A block sequence whose `-` sit at column `col`; the current line holds its first
    /// entry.
    fn block_seq(&mut self, col: usize) -> R<Node> {
        self.enter()?;
        let seq_line = self.line_no(self.i);
        let mut items = Vec::new();
        loop {
            let l = self.line(self.i);
            let s = &l[col..];
            if !is_dash_entry(s) {
                return Err(Unsupported);
            }
            let after = &s[1..];
            let v = after.trim_start_matches(' ');
            if is_blank_or_comment(v) || is_dash_entry(v) {
                return Err(Unsupported);
            }
            let item_col = col + 1 + (after.len() - v.len());
            let line = self.line_no(self.i);
            let item = if is_key_line(v) {
                self.block_map(item_col)?
            } else {
                let n = self.inline_value(v, col, line)?;
                self.i += 1;
                n
            };
            items.push(item);
            match self.next_content() {
                None => break,
                Some(ind) if ind < col => break,
                Some(ind) if ind == col => {
                    if !is_dash_entry(&self.line(self.i)[ind..]) {
                        break;
                    }
                }
                Some(_) => return Err(Unsupported),
            }
        }
        self.depth -= 1;
        Ok(Node::new(seq_line, Value::Seq(items)))
    }

    /// A `|` literal block scalar; `header` is the text after the `|`, `parent` the
    /// indentation of the collection holding it. Leaves `self.i` on the last line read.
    fn literal(&mut self, header: &str, parent: usize) -> R<(String, u32)> {
        let (chomp, rest) = match header.as_bytes().first() {
            Some(b'-') => (Chomp::Strip, &header[1..]),
            Some(b'+') => (Chomp::Keep, &header[1..]),
            _ => (Chomp::Clip, header),
        };
        if !rest.bytes().all(|b| b == b' ') {
            return Err(Unsupported);
        }
        let mut out = String::new();
        let mut indent: Option<usize> = None;
        let mut blank = 0usize;
        let mut blank_max = 0usize;
        let mut j = self.i + 1;
        let mut last_content = None;
        let mut first_content = None;
        while j < self.lines.len() {
            let l = self.line(j);
            let sp = indent_of(l);
            if sp == l.len() {
                match indent {
                    Some(ind) if sp > ind => return Err(Unsupported),
                    _ => blank_max = blank_max.max(sp),
                }
                blank += 1;
                j += 1;
                continue;
            }
            let ind = match indent {
                Some(ind) => {
                    if sp < ind {
                        break;
                    }
                    ind
                }
                None => {
                    if sp <= parent || blank_max > sp {
                        return Err(Unsupported);
                    }
                    indent = Some(sp);
                    sp
                }
            };
            for _ in 0..blank {
                out.push('\n');
            }
            blank = 0;
            out.push_str(&l[ind..]);
            out.push('\n');
            last_content = Some(j);
            first_content.get_or_insert(j);
            j += 1;
        }
        let Some(last) = last_content else {
            return Err(Unsupported);
        };
        if last + 1 == self.lines.len() && !self.ends_with_newline {
            return Err(Unsupported);
        }
        match chomp {
            Chomp::Clip => {}
            Chomp::Strip => {
                out.pop();
            }
            Chomp::Keep => {
                if j == self.lines.len() && !self.ends_with_newline {
                    return Err(Unsupported);
                }
                for _ in 0..blank {
                    out.push('\n');
                }
            }
        }
        self.i = j - 1;
        let first = self.line_no(first_content.unwrap_or(last));
        Ok((out, first))
    }
}

enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// Adds a mapping entry the way the event-parser builder does: a duplicate key warns and
/// replaces the earlier value in place.
fn insert(
    entries: &mut Vec<(String, Node)>,
    k: String,
    node: Node,
    key_line: u32,
    warnings: &mut Vec<YamlWarning>,
) {
    if let Some(existing) = entries.iter_mut().find(|(ek, _)| *ek == k) {
        warnings.push(YamlWarning {
            line: key_line,
            message: format!(
                "duplicate key '{k}' (first at line {}); the last value is used",
                existing.1.line
            ),
        });
        existing.1 = node;
    } else {
        entries.push((k, node));
    }
}

/// Whether `c` followed by `next` starts an indicator rather than a plain scalar.
fn starts_indicator(s: &str, flow: bool) -> bool {
    let b = s.as_bytes();
    match b[0] {
        b'-' | b'?' | b':' => match b.get(1) {
            None | Some(b' ') => true,
            Some(b',' | b'[' | b']' | b'{' | b'}') => flow,
            _ => false,
        },
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => true,
        _ => false,
    }
}

/// Whether a line's content (at its column) is `key: …`.
fn is_key_line(s: &str) -> bool {
    split_key(s).is_ok()
}

/// Splits `key: rest` (or `key:` at the end of the line) into the key text and what
/// follows the colon.
fn split_key(s: &str) -> R<(String, &str)> {
    match s.as_bytes().first() {
        None => Err(Unsupported),
        Some(b'"' | b'\'') => {
            let (k, rest) = quoted(s)?;
            let r = rest.trim_start_matches(' ');
            let after = r.strip_prefix(':').ok_or(Unsupported)?;
            if !(after.is_empty() || after.starts_with(' ')) {
                return Err(Unsupported);
            }
            Ok((k, after))
        }
        Some(_) => {
            if starts_indicator(s, false) {
                return Err(Unsupported);
            }
            let b = s.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b':' if i + 1 == b.len() || b[i + 1] == b' ' => {
                        let key = s[..i].trim_end_matches(' ');
                        if key.is_empty() {
                            return Err(Unsupported);
                        }
                        return Ok((key.to_string(), &s[i + 1..]));
                    }
                    b'#' if b[i - 1] == b' ' => return Err(Unsupported),
                    _ => {}
                }
                i += 1;
            }
            Err(Unsupported)
        }
    }
}

/// The part of a plain scalar in block context on one line: up to a comment (then `true`),
/// trailing spaces trimmed. A `: ` inside would be a mapping where none is allowed: left to
/// the event parser.
fn plain_block(v: &str) -> R<(&str, bool)> {
    let b = v.as_bytes();
    for i in 1..b.len() {
        match b[i] {
            b'#' if b[i - 1] == b' ' => return Ok((v[..i].trim_end_matches(' '), true)),
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => return Err(Unsupported),
            _ => {}
        }
    }
    Ok((v.trim_end_matches(' '), false))
}

/// After a complete value only spaces and a comment may follow on the line.
fn end_of_line(rest: &str) -> R<()> {
    let t = rest.trim_start_matches(' ');
    if t.is_empty() || (t.starts_with('#') && t.len() < rest.len()) {
        Ok(())
    } else {
        Err(Unsupported)
    }
}

/// A quoted scalar that closes on its line: its value and the text after the closing quote.
fn quoted(s: &str) -> R<(String, &str)> {
    let b = s.as_bytes();
    let q = b[0];
    let mut out = String::new();
    let mut i = 1;
    let mut run = 1;
    if q == b'\'' {
        while i < b.len() {
            if b[i] == b'\'' {
                out.push_str(&s[run..i]);
                if b.get(i + 1) == Some(&b'\'') {
                    out.push('\'');
                    i += 2;
                    run = i;
                    continue;
                }
                return Ok((out, &s[i + 1..]));
            }
            i += 1;
        }
        return Err(Unsupported);
    }
    while i < b.len() {
        match b[i] {
            b'"' => {
                out.push_str(&s[run..i]);
                return Ok((out, &s[i + 1..]));
            }
            b'\\' => {
                out.push_str(&s[run..i]);
                let e = *b.get(i + 1).ok_or(Unsupported)?;
                let simple = match e {
                    b'0' => Some('\0'),
                    b'a' => Some('\x07'),
                    b'b' => Some('\x08'),
                    b't' => Some('\t'),
                    b'n' => Some('\n'),
                    b'v' => Some('\x0b'),
                    b'f' => Some('\x0c'),
                    b'r' => Some('\r'),
                    b'e' => Some('\x1b'),
                    b' ' => Some(' '),
                    b'"' => Some('"'),
                    b'/' => Some('/'),
                    b'\\' => Some('\\'),
                    b'N' => Some('\u{85}'),
                    b'_' => Some('\u{A0}'),
                    b'L' => Some('\u{2028}'),
                    b'P' => Some('\u{2029}'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    i += 2;
                } else {
                    let len = match e {
                        b'x' => 2,
                        b'u' => 4,
                        b'U' => 8,
                        _ => return Err(Unsupported),
                    };
                    let hex = s.get(i + 2..i + 2 + len).ok_or(Unsupported)?;
                    if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                        return Err(Unsupported);
                    }
                    let code = u32::from_str_radix(hex, 16).map_err(|_| Unsupported)?;
                    out.push(char::from_u32(code).ok_or(Unsupported)?);
                    i += 2 + len;
                }
                run = i;
            }
            _ => i += 1,
        }
    }
    Err(Unsupported)
}

/// A scalar inside a single-line flow collection: quoted, or plain up to `,`, `]`, `}`.
fn flow_scalar(p: &str, line: u32, key: bool) -> R<(Node, &str)> {
    match p.as_bytes().first() {
        None => Err(Unsupported),
        Some(b'"' | b'\'') => {
            let (t, rest) = quoted(p)?;
            Ok((Node::new(line, Value::Str(t)), rest))
        }
        Some(_) => {
            if starts_indicator(p, true) {
                return Err(Unsupported);
            }
            let b = p.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b',' | b']' | b'}' => break,
                    b':' if key && b.get(i + 1) == Some(&b' ') => break,
                    b'[' | b'{' | b':' => return Err(Unsupported),
                    b'#' if i > 0 && b[i - 1] == b' ' => return Err(Unsupported),
                    _ => i += 1,
                }
            }
            let text = p[..i].trim_end_matches(' ');
            if text.is_empty() {
                return Err(Unsupported);
            }
            let value = if key {
                Value::Str(text.to_string())
            } else {
                resolve_plain(text)
            };
            Ok((Node::new(line, value), &p[i..]))
        }
    }
}

/// `[a, "b", …]` on one line, scalars only.
fn flow_seq<'s>(v: &'s str, line: u32, _warnings: &mut Vec<YamlWarning>) -> R<(Node, &'s str)> {
    let mut items = Vec::new();
    let mut p = &v[1..];
    loop {
        p = p.trim_start_matches(' ');
        if let Some(r) = p.strip_prefix(']') {
            p = r;
            break;
        }
        let (item, rest) = flow_scalar(p, line, false)?;
        items.push(item);
        p = rest.trim_start_matches(' ');
        if let Some(r) = p.strip_prefix(',') {
            p = r;
        } else if let Some(r) = p.strip_prefix(']') {
            p = r;
            break;
        } else {
            return Err(Unsupported);
        }
    }
    Ok((Node::new(line, Value::Seq(items)), p))
}

/// `{k: v, …}` on one line, scalars only.
fn flow_map<'s>(v: &'s str, line: u32, warnings: &mut Vec<YamlWarning>) -> R<(Node, &'s str)> {
    let mut entries = Vec::new();
    let mut p = &v[1..];
    loop {
        p = p.trim_start_matches(' ');
        if let Some(r) = p.strip_prefix('}') {
            p = r;
            break;
        }
        let (k, rest) = flow_scalar(p, line, true)?;
        let Value::Str(k) = k.value else {
            return Err(Unsupported);
        };
        if k == "<<" {
            return Err(Unsupported);
        }
        let rest = rest.trim_start_matches(' ');
        let rest = rest.strip_prefix(": ").ok_or(Unsupported)?;
        let (value, rest) = flow_scalar(rest.trim_start_matches(' '), line, false)?;
        insert(&mut entries, k, value, line, warnings);
        p = rest.trim_start_matches(' ');
        if let Some(r) = p.strip_prefix(',') {
            p = r;
        } else if let Some(r) = p.strip_prefix('}') {
            p = r;
            break;
        } else {
            return Err(Unsupported);
        }
    }
    Ok((Node::new(line, Value::Map(entries)), p))
}
