//! Hostile and broken inputs: each gets a clear message naming the file (and line), a bounded
//! amount of work, and the right exit code — never a panic or a hang.

mod common;
use common::*;
use std::path::Path;

fn scan(dir: &Path, file: &str, content: &[u8]) -> (Option<i32>, String) {
    std::fs::write(dir.join(file), content).unwrap();
    let out = kvet()
        .args(["config", "-f", "json"])
        .arg(dir.join(file))
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    json_of(&out.stdout);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let mut prev = "a".to_string();
    for n in ["b", "c", "d", "e", "f", "g", "h", "i"] {
        s.push_str(&format!(
            "  {n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = n.to_string();
    }
    let (code, err) = scan(d.path(), "lol.yaml", s.as_bytes());
    assert_eq!(code, Some(2));
    assert!(
        err.contains("lol.yaml:") && err.contains("billion laughs"),
        "{err}"
    );
}

#[test]
fn huge_single_document_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut s =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: \"".to_vec();
    s.resize(s.len() + 100 * 1024 * 1024, b'x');
    s.extend_from_slice(b"\"\n");
    let (code, err) = scan(d.path(), "big.yaml", &s);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("big.yaml:") && err.contains("larger than the 64 MiB limit"),
        "{err}"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
    for i in 0..300 {
        s.push_str(&format!("{}k{i}:\n", " ".repeat(2 + i * 2)));
    }
    let (code, err) = scan(d.path(), "deep.yaml", s.as_bytes());
    assert_eq!(code, Some(2));
    assert!(
        err.contains("deep.yaml:") && err.contains("nesting deeper than 128"),
        "{err}"
    );
    let flow = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let (code, err) = scan(d.path(), "flow.yaml", flow.as_bytes());
    assert_eq!(code, Some(2));
    assert!(err.contains("flow.yaml:1:"), "{err}");
}

#[test]
fn binary_empty_and_non_utf8_files() {
    let d = tempfile::tempdir().unwrap();
    let (code, err) = scan(
        d.path(),
        "bin.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
    );
    assert_eq!(code, Some(0));
    assert!(err.contains("bin.yaml: binary file, skipped"), "{err}");
    let (code, err) = scan(d.path(), "empty.yaml", b"");
    assert_eq!(code, Some(0));
    assert!(err.contains("empty.yaml: empty file, skipped"), "{err}");
    let (code, err) = scan(
        d.path(),
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("latin1.yaml:4: not valid UTF-8"), "{err}");
}

#[test]
fn non_kubernetes_yaml_and_helm_templates() {
    let d = tempfile::tempdir().unwrap();
    let (code, err) = scan(
        d.path(),
        "values.yaml",
        b"replicaCount: 2\nimage: {repository: nginx}\n",
    );
    assert_eq!(code, Some(0));
    assert!(
        err.contains("values.yaml:1: document 1 is not a Kubernetes object"),
        "{err}"
    );
    let (code, err) = scan(
        d.path(),
        "deployment.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("deployment.yaml:4:") && err.contains("helm template"),
        "{err}"
    );
}

#[test]
fn missing_paths_are_errors_naming_them() {
    kvet()
        .args(["config", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/dir: cannot open"));
}
