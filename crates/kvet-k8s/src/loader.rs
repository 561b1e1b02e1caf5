//! Turns the bytes of one input (a file or stdin) into Kubernetes objects.
//!
//! Objects are handed to a callback as each document ends, so memory is bounded by the largest
//! document, not by the file. Problems are reported as notices naming the file and line; a bad
//! document never stops other files from being scanned.

use crate::node::{Node, Value};
use crate::object::Object;
use crate::yaml::{parse_documents, Limits};
use kvet_core::{Notice, NoticeLevel};
use std::sync::Arc;

/// What loading one input produced besides its objects.
#[derive(Debug, Default)]
pub struct LoadSummary {
    pub objects: usize,
    pub notices: Vec<Notice>,
    /// Inputs or documents that could not be read (each also has an error notice).
    pub errors: usize,
}

impl LoadSummary {
    fn notice(&mut self, level: NoticeLevel, path: &str, line: Option<u32>, message: String) {
        if level == NoticeLevel::Error {
            self.errors += 1;
        }
        self.notices.push(Notice {
            level,
            path: Some(path.to_string()),
            line,
            message,
        });
    }
}

const HELM_HINT: &str = "render it first, e.g. `helm template my-release ./chart | kvet config -`";

/// Loads every Kubernetes object in `bytes`, read from the input called `name`.
pub fn load_source(
    name: &str,
    bytes: &[u8],
    limits: Limits,
    on_object: &mut dyn FnMut(Object),
) -> LoadSummary {
    let mut out = LoadSummary::default();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        out.notice(NoticeLevel::Info, name, None, "empty file, skipped".into());
        return out;
    }
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(Decode::Binary) => {
            out.notice(
                NoticeLevel::Warning,
                name,
                None,
                "binary file, skipped".into(),
            );
            return out;
        }
        Err(Decode::NotUtf8 { line }) => {
            out.notice(
                NoticeLevel::Error,
                name,
                Some(line),
                "not valid UTF-8 text (YAML and JSON must be UTF-8 or UTF-16 with a BOM)".into(),
            );
            return out;
        }
    };
    let file: Arc<str> = Arc::from(name);
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    let mut objects = 0usize;
    // Template syntax is only judged when present at all, and only where it cannot be data.
    let has_braces = text.contains("{{");
    let mut template_line = None;
    let result = parse_documents(&text, limits, &mut warnings, &mut |index, root| {
        if template_line.is_some() {
            return;
        }
        if has_braces {
            template_line = template_scalar_line(&root);
            if template_line.is_some() {
                return;
            }
        }
        objects += emit_objects(&file, index, root, &mut skipped, on_object);
    });
    if let Some(line) = template_line {
        out.notice(
            NoticeLevel::Error,
            name,
            Some(line),
            format!("this looks like a Helm template (a value is a {{{{ .Values … }}}} action); {HELM_HINT}"),
        );
        return out;
    }
    out.objects = objects;
    for w in warnings {
        out.notice(NoticeLevel::Warning, name, Some(w.line), w.message);
    }
    for (line, message) in skipped {
        out.notice(NoticeLevel::Info, name, Some(line), message);
    }
    if let Err(e) = result {
        let message = if has_braces {
            format!(
                "invalid YAML ({}); the file contains {{{{ … }}}}: if it is a Helm template, {HELM_HINT}",
                e.message
            )
        } else {
            format!("invalid YAML: {}", e.message)
        };
        out.notice(NoticeLevel::Error, name, Some(e.line), message);
    }
    out
}

/// Emits the object(s) of one document: the document itself, or the items of a `List`.
fn emit_objects(
    file: &Arc<str>,
    index: usize,
    root: Node,
    skipped: &mut Vec<(u32, String)>,
    on_object: &mut dyn FnMut(Object),
) -> usize {
    if root.is_null() {
        return 0;
    }
    let line = root.line;
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && matches!(root.get("items").map(|n| &n.value), Some(Value::Seq(_)));
    if is_list {
        let Value::Map(entries) = root.value else {
            return 0;
        };
        let mut n = 0;
        for (k, items) in entries {
            if k != "items" {
                continue;
            }
            if let Value::Seq(items) = items.value {
                for item in items {
                    n += emit_objects(file, index, item, skipped, on_object);
                }
            }
        }
        return n;
    }
    match Object::from_node(file.clone(), root) {
        Some(obj) => {
            on_object(obj);
            1
        }
        None => {
            skipped.push((
                line,
                format!(
                    "document {} is not a Kubernetes object (no apiVersion/kind), skipped",
                    index + 1
                ),
            ));
            0
        }
    }
}

enum Decode {
    Binary,
    NotUtf8 { line: u32 },
}

fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, Decode> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| not_utf8(rest, e.valid_up_to()));
    }
    let utf16 = |le: bool, rest: &[u8]| -> Result<Cow<'_, str>, Decode> {
        let units = rest.chunks(2).map(|c| {
            let pair = [c[0], *c.get(1).unwrap_or(&0)];
            if le {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(Cow::Owned)
            .map_err(|_| Decode::NotUtf8 { line: 1 })
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(false, rest);
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(Decode::Binary);
    }
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|e| not_utf8(bytes, e.valid_up_to()))
}

fn not_utf8(bytes: &[u8], at: usize) -> Decode {
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    Decode::NotUtf8 {
        line: u32::try_from(line).unwrap_or(u32::MAX),
    }
}

/// The line of a scalar that is, as a whole, a Go-template action reading chart data
/// (`image: "{{ .Values.image }}"`): YAML that parses but was never rendered.
///
/// Templates *inside* data are legitimate (Prometheus rules, istio's injector ConfigMap carry
/// `{{ … }}` in block scalars), so only whole values count; unrendered control flow such as
/// `{{- if .Values.x }}` does not parse as YAML and is reported with the parse error instead.
fn template_scalar_line(node: &Node) -> Option<u32> {
    const CHART_DATA: [&str; 6] = [
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        "include ",
        "toYaml",
    ];
    match &node.value {
        Value::Str(s) => {
            let t = s.trim();
            let single_action = t.starts_with("{{")
                && t.ends_with("}}")
                && t.matches("{{").count() == 1
                && !t.contains('\n');
            (single_action && CHART_DATA.iter().any(|d| t.contains(d))).then_some(node.line)
        }
        Value::Seq(items) => items.iter().find_map(template_scalar_line),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| template_scalar_line(v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &[u8]) -> (Vec<Object>, LoadSummary) {
        let mut objs = Vec::new();
        let s = load_source("t.yaml", text, Limits::default(), &mut |o| objs.push(o));
        (objs, s)
    }

    #[test]
    fn multi_document_lists_and_lines() {
        let (objs, s) = load(
            b"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# comment\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n    namespace: x\n---\nfoo: bar\n",
        );
        let names: Vec<_> = objs
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.line))
            .collect();
        assert_eq!(names, vec![("Service", "a", 1), ("ConfigMap", "b", 9)]);
        assert_eq!(objs[1].namespace.as_deref(), Some("x"));
        assert_eq!(s.errors, 0);
        assert_eq!(s.notices.len(), 1);
        assert!(s.notices[0].message.contains("not a Kubernetes object"));
        assert_eq!(s.notices[0].line, Some(15));
    }

    #[test]
    fn json_documents() {
        let (objs, _) = load(b"{\"apiVersion\": \"v1\",\n \"kind\": \"PodList\", \"items\": [\n {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}]}");
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].line, 3);
    }

    #[test]
    fn helm_templates_are_refused_but_template_strings_are_not() {
        let (_, s) =
            load(b"apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n");
        assert_eq!(s.errors, 1);
        assert_eq!(s.notices[0].line, Some(4));
        assert!(s.notices[0].message.contains("helm template"));
        let (_, s) = load(b"{{- if .Values.x }}\napiVersion: v1\n{{- end }}\n");
        assert_eq!(s.notices[0].line, Some(1));
        assert!(s.notices[0].message.contains("helm template"));
        let (objs, s) = load(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: \"{{ .Values.image }}\"\n");
        assert_eq!((objs.len(), s.errors, s.notices[0].line), (0, 1, Some(6)));
        // istio's injector ConfigMap: templates inside a block scalar are data.
        let (objs, s) = load(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inject}\ndata:\n  sidecar: |\n    {{- if .Values.x }}\n    a: b\n    {{- end }}\n");
        assert_eq!((objs.len(), s.errors), (1, 0));
        let (objs, s) = load(
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules}\ndata:\n  a: 'summary: {{ $labels.instance }} is down'\n",
        );
        assert_eq!((objs.len(), s.errors), (1, 0));
    }

    #[test]
    fn bad_bytes() {
        let (_, s) = load(b"   \n");
        assert!(s.notices[0].message.contains("empty"));
        assert_eq!(s.errors, 0);
        let (_, s) = load(b"\x7fELF\x02\x01\x01\0\0\0");
        assert!(s.notices[0].message.contains("binary"));
        let (_, s) = load(b"a: 1\nb: \xff\xfe\n");
        assert_eq!((s.errors, s.notices[0].line), (1, Some(2)));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: u}\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let (objs, _) = load(&utf16);
        assert_eq!(objs[0].name, "u");
    }

    #[test]
    fn invalid_yaml_names_the_line() {
        let (objs, s) = load(b"apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\n  bad: [indent\n");
        assert_eq!(objs.len(), 1);
        assert_eq!(s.errors, 1);
        assert!(s.notices[0].message.starts_with("invalid YAML"));
        assert_eq!(s.notices[0].line, Some(7));
    }
}
