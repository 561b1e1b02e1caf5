//! A YAML (and therefore JSON) document builder over saphyr-parser events.
//!
//! Written by hand because kvet needs three things no YAML crate gives together: the line of
//! every node, Kubernetes' YAML 1.1 scalar rules (`yes`/`on` booleans, `0644` octal, as
//! sigs.k8s.io/yaml resolves them), and hard bounds on hostile input — nesting depth, alias
//! expansion ("billion laughs") and document size — enforced while parsing, before memory grows.

use crate::node::{Node, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::borrow::Cow;
use std::collections::HashMap;

/// Bounds on one document. Defaults follow the design's safety limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest document, in characters of source text.
    pub max_document_chars: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes that aliases may copy in one document.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_chars: 64 << 20,
            max_depth: 128,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// A parse failure with the 1-based line it happened on.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
}

/// A warning that does not stop parsing (duplicate keys).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlWarning {
    pub line: u32,
    pub message: String,
}

enum Frame {
    Seq {
        line: u32,
        anchor: usize,
        items: Vec<Node>,
        size: usize,
    },
    Map {
        line: u32,
        anchor: usize,
        entries: Vec<(String, Node)>,
        key: Option<(String, u32)>,
        has_merge: bool,
        size: usize,
    },
}

/// Parses every document of `text`, calling `on_document(index, root)` as each one ends, so
/// that a large multi-document stream never lives in memory whole. Stops at the first error;
/// documents before it have already been delivered.
///
/// The stream is cut at its `---` lines and each document goes through the fast path for
/// manifest-style YAML ([`crate::fast`]) first; a document it does not accept is parsed by
/// the event parser, which also produces every error. Streams with directives (`%YAML`) or
/// `...` end markers go through the event parser whole.
pub fn parse_documents(
    text: &str,
    limits: Limits,
    warnings: &mut Vec<YamlWarning>,
    on_document: &mut dyn FnMut(usize, Node),
) -> Result<(), YamlError> {
    let Some(chunks) = document_chunks(text) else {
        return event_documents(text, 0, 0, limits, warnings, on_document).map(|_| ());
    };
    let mut index = 0usize;
    for (start, end, first_line) in chunks {
        let chunk = &text[start..end];
        match crate::fast::parse_document(chunk, first_line, &limits, warnings) {
            Ok(root) => {
                on_document(index, root);
                index += 1;
            }
            Err(_) => {
                let offset = first_line.saturating_sub(1);
                let (first, warned) = (index, warnings.len());
                // Documents this chunk delivers before an error.
                let mut delivered = first;
                let r = event_documents(chunk, offset, first, limits, warnings, &mut |i, n| {
                    delivered = i + 1;
                    on_document(i, n)
                });
                match r {
                    Ok(next) => index = next,
                    Err(e) if end == text.len() || e.line < last_line(chunk, first_line) => {
                        return Err(e)
                    }
                    Err(_) => {
                        // An error at the end of a cut document may be due to the cut (an
                        // unterminated quote runs into the next `---`): it is reported as the
                        // event parser sees the whole rest of the stream, not delivering
                        // again the documents already delivered from this chunk. Errors
                        // before its last line are the same either way, and re-reading is
                        // skipped so that a hostile document is not parsed twice.
                        warnings.truncate(warned);
                        event_documents(
                            &text[start..],
                            offset,
                            first,
                            limits,
                            warnings,
                            &mut |i, root| {
                                if i >= delivered {
                                    on_document(i, root)
                                }
                            },
                        )?;
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}

/// The number of the last line of `chunk`, which starts on line `first_line`.
fn last_line(chunk: &str, first_line: u32) -> u32 {
    let breaks = chunk
        .trim_end_matches('\n')
        .bytes()
        .filter(|&b| b == b'\n')
        .count();
    first_line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX))
}

/// [`parse_documents`] through the event parser only: the reference the fast path is tested
/// against.
#[doc(hidden)]
pub fn parse_documents_events_only(
    text: &str,
    limits: Limits,
    warnings: &mut Vec<YamlWarning>,
    on_document: &mut dyn FnMut(usize, Node),
) -> Result<(), YamlError> {
    event_documents(text, 0, 0, limits, warnings, on_document).map(|_| ())
}

/// How many of the documents of `text` the fast path accepts (for its tests).
#[doc(hidden)]
pub fn fast_path_documents(text: &str, limits: Limits) -> usize {
    document_chunks(text).map_or(0, |chunks| {
        chunks
            .iter()
            .filter(|(s, e, l)| {
                crate::fast::parse_document(&text[*s..*e], *l, &limits, &mut Vec::new()).is_ok()
            })
            .count()
    })
}

/// Byte ranges of the documents of `text` with the 1-based line each starts on: cut before
/// every `---` marker line. `None` when the stream has a directive or a `...` marker, whose
/// meaning reaches across documents.
fn document_chunks(text: &str) -> Option<Vec<(usize, usize, u32)>> {
    let b = text.as_bytes();
    let marker = |at: usize, m: &[u8]| {
        b[at..].starts_with(m) && matches!(b.get(at + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    };
    let mut chunks = Vec::new();
    let (mut chunk_start, mut chunk_line) = (0usize, 1u32);
    let (mut at, mut line) = (0usize, 1u32);
    while at < b.len() {
        if b[at] == b'%' || marker(at, b"...") {
            return None;
        }
        if at > 0 && marker(at, b"---") {
            chunks.push((chunk_start, at, chunk_line));
            chunk_start = at;
            chunk_line = line;
        }
        match b[at..].iter().position(|&c| c == b'\n') {
            Some(i) => at += i + 1,
            None => break,
        }
        line = line.saturating_add(1);
    }
    if chunk_start < b.len() || chunks.is_empty() {
        chunks.push((chunk_start, b.len(), chunk_line));
    }
    Some(chunks)
}

/// The event-parser path: parses `text`, whose first line is line `line_offset + 1` of the
/// input, numbering documents from `first_index`; returns the next document index.
fn event_documents(
    text: &str,
    line_offset: u32,
    first_index: usize,
    limits: Limits,
    warnings: &mut Vec<YamlWarning>,
    on_document: &mut dyn FnMut(usize, Node),
) -> Result<usize, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        doc_start: 0,
        root: None,
        warnings,
    };
    let at = |l: usize| line_u32(l).saturating_add(line_offset);
    let mut doc_index = first_index;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: at(e.marker().line()),
            message: e.info().to_string(),
        })?;
        let line = at(span.start.line());
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                b.doc_start = span.start.index();
                b.anchors.clear();
                b.alias_nodes = 0;
            }
            Event::DocumentEnd => {
                if let Some(root) = b.root.take() {
                    on_document(doc_index, root);
                }
                doc_index += 1;
            }
            other => {
                if span.end.index().saturating_sub(b.doc_start) > limits.max_document_chars {
                    return Err(YamlError {
                        line,
                        message: format!(
                            "document is larger than the {} MiB limit",
                            limits.max_document_chars >> 20
                        ),
                    });
                }
                b.event(other, line)?;
            }
        }
    }
    Ok(doc_index)
}

fn line_u32(l: usize) -> u32 {
    u32::try_from(l).unwrap_or(u32::MAX)
}

struct Builder<'w> {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    doc_start: usize,
    root: Option<Node>,
    warnings: &'w mut Vec<YamlWarning>,
}

impl Builder<'_> {
    fn event(&mut self, ev: Event<'_>, line: u32) -> Result<(), YamlError> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                // Mapping keys keep their text: `on:` or `y:` are names, not booleans.
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                let value = if is_key {
                    Value::Str(text.into_owned())
                } else {
                    resolve_scalar(text, style, tag.as_deref())
                };
                let node = Node::new(line, value);
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push(node, 1, line)
            }
            Event::Alias(id) => {
                let (node, size) = self.anchors.get(&id).cloned().ok_or(YamlError {
                    line,
                    message: "alias to an unknown anchor".into(),
                })?;
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(YamlError {
                        line,
                        message: format!(
                            "aliases expand to more than {} nodes (a \"billion laughs\" document?)",
                            self.limits.max_alias_nodes
                        ),
                    });
                }
                let mut node = node;
                node.line = line;
                self.push(node, size, line)
            }
            Event::SequenceStart(anchor, _) => self.open(Frame::Seq {
                line,
                anchor,
                items: Vec::new(),
                size: 1,
            }),
            Event::MappingStart(anchor, _) => self.open(Frame::Map {
                line,
                anchor,
                entries: Vec::new(),
                key: None,
                has_merge: false,
                size: 1,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(YamlError {
                        line,
                        message: "unbalanced collection end".into(),
                    });
                };
                let (node, size, anchor) = match frame {
                    Frame::Seq {
                        line,
                        anchor,
                        items,
                        size,
                    } => (Node::new(line, Value::Seq(items)), size, anchor),
                    Frame::Map {
                        line,
                        anchor,
                        mut entries,
                        has_merge,
                        size,
                        ..
                    } => {
                        if has_merge {
                            entries = apply_merge_keys(entries);
                        }
                        (Node::new(line, Value::Map(entries)), size, anchor)
                    }
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push(node, size, line)
            }
            _ => Ok(()),
        }
    }

    fn open(&mut self, frame: Frame) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            let line = match &frame {
                Frame::Seq { line, .. } | Frame::Map { line, .. } => *line,
            };
            return Err(YamlError {
                line,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Hands a finished node to its parent (or makes it the document root).
    fn push(&mut self, mut node: Node, size: usize, line: u32) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, size: s, .. }) => {
                *s += size;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                key,
                has_merge,
                size: s,
                ..
            }) => {
                *s += size;
                match key.take() {
                    None => {
                        let k = match node.value {
                            Value::Str(s) => s,
                            Value::Null => String::new(),
                            Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                                node.scalar_text().unwrap_or_default()
                            }
                            Value::Seq(_) | Value::Map(_) => {
                                return Err(YamlError {
                                    line,
                                    message: "a mapping key must be a scalar, not a collection"
                                        .into(),
                                })
                            }
                        };
                        *key = Some((k, node.line));
                    }
                    Some((k, key_line)) => {
                        node.line = key_line;
                        if k == "<<" {
                            *has_merge = true;
                        }
                        if let Some(existing) = entries.iter_mut().find(|(ek, _)| *ek == k) {
                            self.warnings.push(YamlWarning {
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
                }
            }
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *base`), which Kubernetes' YAML decoder honours: explicit keys win,
/// then earlier merged maps win over later ones.
fn apply_merge_keys(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    let (merges, mut out): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| k == "<<");
    for (_, m) in merges {
        let sources: Vec<Node> = match m.value {
            Value::Map(_) => vec![m],
            Value::Seq(items) => items,
            _ => vec![],
        };
        for src in sources {
            if let Value::Map(es) = src.value {
                for (k, v) in es {
                    if !out.iter().any(|(ok, _)| *ok == k) {
                        out.push((k, v));
                    }
                }
            }
        }
    }
    out
}

/// [`resolve_scalar`] for a plain, untagged scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    resolve_scalar(Cow::Borrowed(text), ScalarStyle::Plain, None)
}

/// Resolves a scalar the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does: only plain scalars
/// are typed; quoted and block scalars are strings; core-schema tags force a type.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => return Value::Str(text.into_owned()),
            "null" => return Value::Null,
            _ => {}
        }
    } else if style != ScalarStyle::Plain {
        return Value::Str(text.into_owned());
    }
    let t: &str = &text;
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = t.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(i) = parse_int(t) {
            return Value::Int(i);
        }
        if t.bytes().any(|b| b.is_ascii_digit())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'_'))
        {
            if let Ok(f) = t.replace('_', "").parse::<f64>() {
                return Value::Float(f);
            }
        }
    }
    Value::Str(text.into_owned())
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    let clean: Cow<'_, str> = if digits.contains('_') {
        Cow::Owned(digits.replace('_', ""))
    } else {
        Cow::Borrowed(digits)
    };
    let (radix, body) = if let Some(h) = clean.strip_prefix("0x") {
        (16, h)
    } else if let Some(b) = clean.strip_prefix("0b") {
        (2, b)
    } else if let Some(o) = clean.strip_prefix("0o") {
        (8, o)
    } else if clean.len() > 1 && clean.starts_with('0') {
        (8, &clean[1..])
    } else {
        (10, &clean[..])
    };
    if body.is_empty() || !body.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(body, radix).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Result<Vec<Node>, YamlError> {
        let mut out = Vec::new();
        let mut w = Vec::new();
        parse_documents(text, Limits::default(), &mut w, &mut |_, n| out.push(n))?;
        Ok(out)
    }

    #[test]
    fn lines_of_values_are_the_lines_of_their_keys() {
        let d = &docs("a: 1\nb:\n  c: true\n  d: [x, 'y']\n").unwrap()[0];
        assert_eq!(d.get("a").unwrap().line, 1);
        assert_eq!(d.get("b").unwrap().line, 2);
        assert_eq!(d.path(&["b", "c"]).unwrap().line, 3);
        assert!(d.path(&["b", "c"]).unwrap().is_true());
        assert_eq!(d.path(&["b", "d"]).unwrap().as_seq()[1].as_str(), Some("y"));
    }

    #[test]
    fn kubernetes_yaml_1_1_scalars() {
        let d = &docs(
            "a: yes\nb: 'yes'\nc: 0644\nd: 0x1F\ne: 1.5\nf: ~\ng: 007a\nh: -3\ni: !!str 12\n",
        )
        .unwrap()[0];
        assert_eq!(d.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(d.get("b").unwrap().as_str(), Some("yes"));
        assert_eq!(d.get("c").unwrap().as_i64(), Some(0o644));
        assert_eq!(d.get("d").unwrap().as_i64(), Some(31));
        assert_eq!(d.get("e").unwrap().value, Value::Float(1.5));
        assert!(d.get("f").unwrap().is_null());
        assert_eq!(d.get("g").unwrap().as_str(), Some("007a"));
        assert_eq!(d.get("h").unwrap().as_i64(), Some(-3));
        assert_eq!(d.get("i").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let d = &docs("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n").unwrap()[0];
        let m = d.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(3));
        assert!(m.get("<<").is_none());
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            s.push_str(&format!(
                "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = n;
        }
        let e = docs(&s).unwrap_err();
        assert!(e.message.contains("billion laughs"), "{e:?}");
    }

    #[test]
    fn depth_and_size_limits() {
        // Flow nesting is bounded by the parser itself, block nesting by our limit.
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(docs(&deep).is_err());
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let e = docs(&block).unwrap_err();
        assert!(e.message.contains("nesting deeper than 128"), "{e:?}");
        let mut w = Vec::new();
        let small = Limits {
            max_document_chars: 100,
            ..Limits::default()
        };
        let big = format!("a: {}\n", "x".repeat(200));
        let e = parse_documents(&big, small, &mut w, &mut |_, _| {}).unwrap_err();
        assert!(e.message.contains("larger than"), "{e:?}");
    }

    #[test]
    fn documents_before_an_error_are_delivered() {
        let mut got = 0;
        let mut w = Vec::new();
        let r = parse_documents(
            "a: 1\n---\nb: 2\n---\nc: [\n",
            Limits::default(),
            &mut w,
            &mut |_, _| got += 1,
        );
        assert_eq!(got, 2);
        assert!(r.unwrap_err().line >= 5);
    }

    #[test]
    fn duplicate_keys_warn_and_keep_the_last() {
        let mut w = Vec::new();
        let mut out = Vec::new();
        parse_documents(
            "a: 1\nb: 2\na: 3\n",
            Limits::default(),
            &mut w,
            &mut |_, n| out.push(n),
        )
        .unwrap();
        assert_eq!(out[0].get("a").unwrap().as_i64(), Some(3));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 3);
    }
}
