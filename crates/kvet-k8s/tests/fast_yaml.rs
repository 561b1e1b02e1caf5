//! The fast YAML path against the event parser: both must give the same documents (values,
//! lines, scalar types), the same duplicate-key warnings and the same errors.
//!
//! The differential test runs over every manifest in ../shared/testdata/manifests (real
//! upstream manifests, see ../shared/testdata/README.md and manifests/SOURCES.md), as written
//! and with CRLF line ends; the unit tests pin the quoting, escaping and fallback cases.

use kvet_k8s::yaml::{
    fast_path_documents, parse_documents, parse_documents_events_only, Limits, YamlError,
    YamlWarning,
};
use kvet_k8s::Node;
use std::path::PathBuf;

type Parsed = (Vec<(usize, Node)>, Vec<YamlWarning>, Result<(), YamlError>);

fn both(text: &str) -> (Parsed, Parsed) {
    let run = |events_only: bool| {
        let mut docs = Vec::new();
        let mut warnings = Vec::new();
        let r = if events_only {
            parse_documents_events_only(text, Limits::default(), &mut warnings, &mut |i, n| {
                docs.push((i, n))
            })
        } else {
            parse_documents(text, Limits::default(), &mut warnings, &mut |i, n| {
                docs.push((i, n))
            })
        };
        (docs, warnings, r)
    };
    (run(false), run(true))
}

/// Asserts both paths agree on `text`; returns how many documents the fast path took.
fn same(text: &str) -> usize {
    let (fast, events) = both(text);
    // Debug text compares NaN floats as equal, which `==` would not.
    assert_eq!(
        format!("{:?}", fast.0),
        format!("{:?}", events.0),
        "documents differ for:\n{text}"
    );
    assert_eq!(fast.1, events.1, "warnings differ for:\n{text}");
    assert_eq!(fast.2, events.2, "result differs for:\n{text}");
    fast_path_documents(text, Limits::default())
}

fn testdata() -> PathBuf {
    kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("manifests")
}

#[test]
fn fast_path_matches_event_parser_on_every_real_manifest() {
    let root = testdata();
    assert!(root.is_dir(), "test data missing: {}", root.display());
    let (mut files, mut docs, mut fast) = (0usize, 0usize, 0usize);
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !entry.file_type().is_file() || !matches!(ext, "yaml" | "yml" | "json") {
            continue;
        }
        let bytes = std::fs::read(p).unwrap();
        let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        else {
            continue;
        };
        files += 1;
        let (f, _) = both(text);
        docs += f.0.len();
        fast += same(text);
        if !text.contains('\r') {
            fast += same(&text.replace('\n', "\r\n"));
            docs += f.0.len();
        }
    }
    eprintln!("{files} files, {docs} documents (twice: LF and CRLF), {fast} through the fast path");
    assert!(
        files > 500,
        "only {files} manifest files under {}",
        root.display()
    );
    // The fast path must actually carry most real documents, or this test proves nothing.
    assert!(
        fast * 10 > docs * 8,
        "fast path took only {fast} of {docs} documents"
    );
}

#[test]
fn scalars_quotes_escapes_and_comments() {
    let t = concat!(
        "apiVersion: v1\n",
        "kind: ConfigMap\n",
        "metadata:\n",
        "  name: \"a\\\"b\\\\c\\/d\\te\\u00e9\\x41\\U0001F600\\_\\N\\0 \\e\"\n",
        "  namespace: 'it''s # not a comment'\n",
        "data:\n",
        "  hash: a#b\n",
        "  url: http://x:80/p # a comment\n",
        "  num: 0644   # octal, as sigs.k8s.io/yaml reads it\n",
        "  yes: yes\n",
        "  quoted: \"yes\"\n",
        "  empty: ''\n",
        "  null1:\n",
        "  null2: ~  \n",
        "  \"quoted key\": 1.5e3\n",
        "  'single key': -.inf\n",
        "  spaces: a  b   \n",
        "  colon: a:b\n",
        "  flow: [a, \"b, c\", 'd', 1, true, ~, ]\n",
        "  flowmap: {x: 1, 'y': \"2\"}\n",
        "  emptyflows: [ ]\n",
        "  emptymap: {}\n",
        "  dup: 1\n",
        "  dup: 2\n",
    );
    assert_eq!(same(t), 1);
}

#[test]
fn block_sequences_and_literals() {
    let t = concat!(
        "---\n",
        "# leading comment\n",
        "kind: List\n",
        "items:\n",
        "- apiVersion: v1\n",
        "  kind: Pod\n",
        "  spec:\n",
        "    containers:\n",
        "    -   name: c\n",
        "        args:\n",
        "          - \"-c\"\n",
        "          - |\n",
        "            echo a\n",
        "\n",
        "              indented\n",
        "            echo b\n",
        "    - name: d\n",
        "      script: |-\n",
        "        x\n",
        "\n",
        "      keep: |+\n",
        "        y\n",
        "\n",
        "\n",
        "      clip: |\n",
        "          deep\n",
        "        # not content: ends the scalar\n",
        "- 42\n",
        "- \"str\"\n",
        "- |\n",
        "\n",
        "  after a blank line\n",
        "--- # second document\n",
        "a: 1\n",
        "---\n",
        "---\n",
        "b: [x]\n",
    );
    assert_eq!(same(t), 3);
    assert_eq!(same(&t.replace('\n', "\r\n")), 3);
}

#[test]
fn multi_line_plain_scalars() {
    let t = concat!(
        "status:\n",
        "  conditions:\n",
        "  - message: the HPA was able to successfully calculate a replica count from memory\n",
        "      resource utilization (percentage of request)\n",
        "    reason: ValidMetricFound\n",
        "  - message: first\n",
        "\n",
        "      after a blank line   \n",
        "\n",
        "\n",
        "      two blank lines # and a comment\n",
        "    n: 1\n",
        "    m: 12\n",
        "     34\n",
        "  - folded\n",
        "    item\n",
        "    # a comment ends it\n",
        "  - x\n",
    );
    assert_eq!(same(t), 1);
    for t in [
        "a: x\n  y # c\n  z\n",
        "a: x # c\n  y\n",
        "a:\n  b: x\n  # c\n   y\n",
    ] {
        assert_eq!(same(t), 0, "the fast path should not take:\n{t}");
    }
}

#[test]
fn unsupported_constructs_fall_back_with_the_same_result() {
    for t in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: >\n  folded\n  text\n",
        "a: |2\n   two\n",
        "a:\tb\n",
        "a: b\n\tc: d\n",
        "- - nested\n  - x\n",
        "? complex\n: value\n",
        "a: multi\n  - line plain\n",
        "a: multi\n  line: plain\n",
        "a: \"multi\n  line\"\n",
        "a: [x,\n  y]\n",
        "a: {b: [c]}\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\nb: 2\n",
        "\u{FEFF}a: 1\n",
        "a: \u{FEFF}b\n",
        "a: b\rc: d\n",
        "<<: {x: 1}\ny: 2\n",
        "- a\n- b\n",
        "plain\n",
        "a:\n  b\n",
        "--- a: 1\n",
        "",
        "# only a comment\n",
        "---\n",
        "a: |\nb: 1\n",
    ] {
        assert_eq!(same(t), 0, "the fast path should not take:\n{t}");
    }
}

#[test]
fn errors_come_from_the_event_parser_with_absolute_lines() {
    for t in [
        "a: 1\n---\nb: 2\n---\nc: [\n",
        "a: 1\n---\nkind: Pod\n  bad: [indent\n",
        "a: b: c\n",
        "a: 1\n b: 2\n",
        "a: \"x\\q\"\n",
        "a: 1\n---\n- x\ny: 2\n",
        "a: 'unterminated\n---\nb: 1\n",
        "a: 'unterminated\n---\nb: 1\n---\nc: 2\n",
        "a: 1\n---\nb: 1\n c: 2\nd: 3\n---\ne: 4\n",
        "a: \"x\n---\nb: [\n---\nc: 1\n",
    ] {
        let (fast, events) = both(t);
        assert!(events.2.is_err(), "expected an error for:\n{t}");
        assert_eq!(fast.2, events.2, "for:\n{t}");
        assert_eq!(format!("{:?}", fast.0), format!("{:?}", events.0));
    }
}

#[test]
fn depth_limit_is_the_event_parsers() {
    let block: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let (fast, events) = both(&block);
    assert!(fast
        .2
        .unwrap_err()
        .message
        .contains("nesting deeper than 128"));
    assert!(events.2.is_err());
}
