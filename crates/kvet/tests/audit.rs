//! `kvet audit` end to end on real audit events (../shared/testdata/audit: falco's k8s_audit
//! trace files and audit2rbac's demo.log; each test names its files): formats, the JSON
//! schema, exit codes, whitelist, severity filter, stdin, bad input.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::PathBuf;

fn data(name: &str) -> String {
    let p = kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("audit")
        .join(name);
    assert!(p.exists(), "test data missing: {}", p.display());
    p.to_string_lossy().into_owned()
}

/// demo.log + exec_pod.json + create_nginx_pod_privileged.json, as JSON.
#[test]
fn json_report_is_valid_and_complete() {
    let out = kvet()
        .args(["audit", "-f", "json"])
        .args([
            data("audit2rbac/demo.log"),
            data("exec_pod.json"),
            data("create_nginx_pod_privileged.json"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out.stdout);
    assert_valid(
        &validator(&root().join("docs/audit-report.schema.json")),
        &doc,
    );
    assert_eq!(doc["totals"]["requests"], 39);
    assert_eq!(doc["totals"]["refused"], 11);
    let sensitive: Vec<&str> = doc["sensitive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rule"].as_str().unwrap())
        .collect();
    assert_eq!(sensitive, vec!["auditPrivilegedPod", "auditPodExec"]);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 14);
    assert!(findings
        .iter()
        .all(|f| f["class"] == "audit" && f["category"] == "audit"));
}

/// Every falco file and demo.log: the merged JSON validates too (malformed fal_01_003.json
/// included), and the malformed line is reported on stderr with its number.
#[test]
fn all_real_files_validate_and_malformed_line_is_reported() {
    let dir = kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("audit");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.push(dir.join("audit2rbac/demo.log"));
    let out = kvet()
        .args(["audit", "-f", "json"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out.stdout);
    assert_valid(
        &validator(&root().join("docs/audit-report.schema.json")),
        &doc,
    );
    assert_eq!(doc["totals"]["requests"], 86);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fal_01_003.json:1: malformed audit event skipped"),
        "{stderr}"
    );
    // --quiet keeps warnings off stderr.
    let out = kvet().args(["audit", "-q"]).args(&files).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// create_nginx_pod_privileged.json: --exit-code, --severity and the whitelist act on findings.
#[test]
fn exit_code_severity_and_whitelist() {
    let f = data("create_nginx_pod_privileged.json");
    kvet()
        .args(["audit", &f, "--exit-code", "3"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("auditPrivilegedPod"));
    // Only LOW findings wanted: none remain, exit 0.
    kvet()
        .args([
            "audit",
            &f,
            "--exit-code",
            "3",
            "--severity",
            "LOW",
            "-f",
            "json",
        ])
        .assert()
        .code(0);
    let d = tempfile::tempdir().unwrap();
    let ignore = d.path().join("ignore.yaml");
    std::fs::write(&ignore, "ignore:\n- check: auditPrivilegedPod\n  namespace: default\n  reason: CNI pods are privileged\n").unwrap();
    let out = kvet()
        .args([
            "audit",
            &f,
            "--exit-code",
            "3",
            "-f",
            "json",
            "--ignorefile",
        ])
        .arg(&ignore)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out.stdout);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["ignored"][0]["reason"], "CNI pods are privileged");
    // The default .kvetignore.yaml in the working directory is used as by `kvet config`.
    std::fs::copy(&ignore, d.path().join(".kvetignore.yaml")).unwrap();
    kvet()
        .current_dir(d.path())
        .args(["audit", &f, "--exit-code", "3"])
        .assert()
        .code(0);
}

/// audit2rbac's demo.log: alice, bob and system:serviceaccount:ns1:sa1 are each refused three
/// times (three findings, one per object) and impersonated once; a whitelist entry by `user` glob hides exactly the service
/// account's findings, and every finding carries its user in JSON.
#[test]
fn whitelist_by_user() {
    let f = data("audit2rbac/demo.log");
    let d = tempfile::tempdir().unwrap();
    let ignore = d.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n- check: \"*\"\n  user: \"system:serviceaccount:ns1:*\"\n  reason: test harness account\n",
    )
    .unwrap();
    let out = kvet()
        .args(["audit", &f, "-f", "json", "--ignorefile"])
        .arg(&ignore)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out.stdout);
    let users = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["user"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(users("findings"), ["alice", "bob"]);
    assert_eq!(users("ignored"), ["system:serviceaccount:ns1:sa1"]);
    assert_eq!(
        doc["ignored"].as_array().unwrap().len(),
        4,
        "3 refusals + 1 impersonation"
    );
}

/// exec_pod.json through standard input (`-`), merged with attach_pod.json.
#[test]
fn stdin_and_files_merged() {
    let exec = std::fs::read(data("exec_pod.json")).unwrap();
    let out = kvet()
        .args(["audit", "-f", "json", "-", &data("attach_pod.json")])
        .write_stdin(exec)
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_eq!(doc["inputs"][0]["name"], "<stdin>");
    let rules: Vec<&str> = doc["sensitive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["auditPodExec", "auditPodAttach"],
        "time order across inputs"
    );
    kvet()
        .args(["audit", "-", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only once"));
}

/// demo.log compressed with the `gzip` tool, then truncated: the report of what was read is
/// written, the error is clear, the exit code is 2.
#[test]
fn truncated_gzip() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("audit2rbac/demo.log")).unwrap();
    let mut big = String::new();
    for i in 0..300 {
        big.push_str(&text.replace("\"auditID\":\"", &format!("\"auditID\":\"{i}-")));
    }
    let plain = d.path().join("audit.log");
    std::fs::write(&plain, big).unwrap();
    let st = std::process::Command::new("gzip")
        .arg("-k")
        .arg(&plain)
        .status()
        .expect("gzip installed");
    assert!(st.success());
    let gz = d.path().join("audit.log.gz");
    let out = kvet()
        .args(["audit", "-f", "json"])
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out.stdout)["totals"]["requests"], 37 * 300);

    let bytes = std::fs::read(&gz).unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let out = kvet()
        .args(["audit", "-f", "json"])
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = json_of(&out.stdout);
    let read = doc["totals"]["requests"].as_u64().unwrap();
    assert!(read > 0 && read < 37 * 300, "{read}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kvet: error:")
            && stderr.contains("gzip stream is truncated: stopped after line"),
        "{stderr}"
    );
}

/// A hostile user name and user agent (built from exec_pod.json) are escaped in HTML and
/// Markdown, and neutralised in the terminal table.
#[test]
fn hostile_values_are_escaped() {
    let line = std::fs::read_to_string(data("exec_pod.json")).unwrap();
    let evil = line
        .replace(
            r#""username":"minikube-user""#,
            r#""username":"<script>alert(1)</script>\u001b[31m""#,
        )
        .replace(
            r#""sourceIPs""#,
            r#""userAgent":"<img src=x onerror=alert(2)>","sourceIPs""#,
        );
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("evil.log");
    std::fs::write(&p, evil).unwrap();
    let html = d.path().join("r.html");
    kvet()
        .args(["audit", "-f", "html", "-o"])
        .arg(&html)
        .arg(&p)
        .assert()
        .success();
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        !html.contains("<script>alert") && !html.contains("<img"),
        "unescaped value in HTML"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the report's own sorting script"
    );
    let md = kvet()
        .args(["audit", "-f", "markdown"])
        .arg(&p)
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(!md.contains("<script>") && md.contains("&lt;script&gt;"));
    let table = kvet().args(["audit"]).arg(&p).output().unwrap();
    assert!(
        !table.stdout.contains(&0x1b),
        "raw escape character reached the terminal"
    );
}

/// demo.log as HTML: self-contained, responsive, with the timeline chart and sortable tables.
#[test]
fn html_is_self_contained() {
    let out = kvet()
        .args([
            "audit",
            "-f",
            "html",
            &data("audit2rbac/demo.log"),
            &data("exec_pod.json"),
        ])
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains(r#"name="viewport""#) && html.contains("@media"));
    assert!(
        html.contains("<svg")
            && html.contains(r#"class="ref""#)
            && html.contains(r#"class="sens""#)
    );
    assert!(html.contains(r#"class="sortable""#));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    for remote in ["http://", "https://", "src=\"//"] {
        assert!(!html.contains(remote), "remote reference {remote}");
    }
}

/// exec_pod.json as Markdown and table; bad flags are usage errors.
#[test]
fn markdown_table_and_usage_errors() {
    let f = data("exec_pod.json");
    kvet()
        .args(["audit", "-f", "markdown", &f])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("# Kubernetes audit report")
                .and(predicate::str::contains("`auditPodExec`")),
        );
    kvet().args(["audit", &f]).assert().success().stdout(
        predicate::str::contains("Sensitive operations").and(predicate::str::contains(
            "nginx-deployment-7998647bdf-phvq7",
        )),
    );
    kvet()
        .args(["audit", "-f", "sarif", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format"));
    kvet()
        .args(["audit", "--since", "yesterday", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    kvet()
        .args(["audit", "/nonexistent/audit.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    kvet().args(["audit"]).assert().code(2);
}

/// demo.log with --user/--namespace/--since/--until: the filters are shown and applied.
#[test]
fn filters_on_the_command_line() {
    let out = kvet()
        .args([
            "audit",
            "-f",
            "json",
            &data("audit2rbac/demo.log"),
            "--user",
            "alice",
            "--namespace",
            "ns1",
            "--since",
            "2017-09-11T20:00:00Z",
            "--until",
            "2017-09-11T21:00:00Z",
        ])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_eq!(doc["totals"]["requests"], 3);
    assert_eq!(doc["filters"]["user"], "alice");
    assert_eq!(doc["filters"]["since"], "2017-09-11T20:00:00Z");
}

/// The audit rules are in the catalogue under the `audit` category.
#[test]
fn audit_rules_in_checks() {
    let out = kvet()
        .args(["checks", "--format", "json"])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    let audit: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["category"] == "audit")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(audit.len(), 21);
    assert!(audit.contains(&"auditPodExec") && audit.contains(&"auditRequestBurst"));
    kvet()
        .args(["checks", "show", "auditkubectlcp"])
        .assert()
        .success()
        .stdout(predicate::str::contains("execCommand: [tar]"));
}
