//! The `kvet config` and `kvet checks` commands end to end: exit codes, stdin, whitelist,
//! configuration file, annotations, and bad input. Inputs are the real manifests bundled in
//! examples/manifests (kubernetes-goat, microservices-demo; see examples/README.md) or small
//! files written by the test.

mod common;
use common::*;
use predicates::prelude::*;

const GOAT_HEALTH: &str = "examples/manifests/kubernetes-goat/health-check__deployment.yaml";
const GOAT_MONITOR: &str = "examples/manifests/kubernetes-goat/system-monitor__deployment.yaml";

#[test]
fn finds_the_known_risks_of_kubernetes_goat() {
    let out = kvet()
        .args(["config", GOAT_MONITOR, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines = check_lines(&json_of(&out.stdout));
    // system-monitor: hostPID (line 25), hostIPC (26), privileged container (41).
    for expected in [
        ("hostPIDSet", 25),
        ("hostIPCSet", 26),
        ("runAsPrivileged", 41),
    ] {
        assert!(
            lines.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} missing from {lines:?}"
        );
    }
    let out = kvet()
        .args(["config", GOAT_HEALTH, "-f", "json"])
        .output()
        .unwrap();
    let lines = check_lines(&json_of(&out.stdout));
    assert!(lines.contains(&("runAsPrivileged".into(), 25)), "{lines:?}");
    assert!(lines.contains(&("tagNotSpecified".into(), 16)), "{lines:?}");
}

#[test]
fn exit_code_and_severity_filter() {
    kvet()
        .args(["config", GOAT_MONITOR, "--exit-code", "5"])
        .assert()
        .code(5);
    // anonymousUserRBACBinding is the only check for the RBAC file and it does not fire there.
    kvet()
        .args([
            "config",
            "examples/manifests/kubernetes-goat/insecure-rbac__setup.yaml",
        ])
        .args(["--checks", "anonymousUserRBACBinding", "--exit-code", "5"])
        .assert()
        .code(0);
    let out = kvet()
        .args([
            "config",
            GOAT_MONITOR,
            "--severity",
            "CRITICAL",
            "-f",
            "json",
            "--exit-code",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out.stdout);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "CRITICAL"));
    kvet()
        .args(["config", GOAT_MONITOR, "--severity", "SEVERE"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SEVERE"));
}

#[test]
fn reads_stdin_and_files_together() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: from-stdin}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: busybox:1.36}]\n";
    let out = kvet()
        .args([
            "config",
            "-",
            GOAT_MONITOR,
            "-f",
            "json",
            "--checks",
            "hostNetworkSet,hostPIDSet",
        ])
        .write_stdin(pod)
        .output()
        .unwrap();
    let report = json_of(&out.stdout);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"<stdin>") && files.contains(&GOAT_MONITOR),
        "{files:?}"
    );
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn invalid_files_are_reported_and_others_still_scanned() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("bad.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("good.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  hostPID: true\n  containers: [{name: a, image: busybox:1.36}]\n",
    )
    .unwrap();
    let out = kvet()
        .args(["config", "-f", "json", "--checks", "hostPIDSet"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:5: invalid YAML"), "{stderr}");
    assert_eq!(
        json_of(&out.stdout)["findings"].as_array().unwrap().len(),
        1
    );
    // --skip-invalid: reported, but the exit code follows the findings.
    kvet()
        .args(["config", "--skip-invalid", "--checks", "hostPIDSet"])
        .arg(d.path())
        .assert()
        .code(0);
    kvet()
        .args([
            "config",
            "--skip-invalid",
            "--exit-code",
            "3",
            "--checks",
            "hostPIDSet",
        ])
        .arg(d.path())
        .assert()
        .code(3);
}

#[test]
fn whitelist_file_in_working_directory_and_annotations() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join(GOAT_MONITOR),
        d.path().join("monitor.yaml"),
    )
    .unwrap();
    std::fs::write(
        d.path().join("annotated.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: annotated\n  annotations:\n    kvet.io/ignore: hostPIDSet\n    kvet.io/ignore-reason: node debugger\n    polaris.fairwinds.com/hostIPCSet-exempt: \"true\"\nspec:\n  hostPID: true\n  hostIPC: true\n  containers: [{name: a, image: busybox:1.36}]\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join(".kvetignore.yaml"),
        "ignore:\n- check: hostPIDSet\n  name: system-monitor-*\n  reason: monitoring needs host PIDs\n- check: hostIPCSet\n  reason: old\n  expires: 2020-01-01\n",
    )
    .unwrap();
    let out = kvet()
        .current_dir(d.path())
        .args([
            "config",
            ".",
            "-f",
            "json",
            "--checks",
            "hostPIDSet,hostIPCSet",
        ])
        .output()
        .unwrap();
    let report = json_of(&out.stdout);
    let ignored: Vec<(String, String)> = report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["checkId"].as_str().unwrap().into(),
                i["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        ignored.contains(&("hostPIDSet".into(), "monitoring needs host PIDs".into())),
        "{ignored:?}"
    );
    assert!(
        ignored.contains(&("hostPIDSet".into(), "node debugger".into())),
        "{ignored:?}"
    );
    assert!(
        ignored.contains(&("hostIPCSet".into(), "exempted by Polaris annotation".into())),
        "{ignored:?}"
    );
    // The expired entry does not hide system-monitor's hostIPC, and is warned about.
    assert_eq!(check_lines(&report), vec![("hostIPCSet".to_string(), 26)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
    assert_eq!(report["summary"]["ignored"], 3);
}

#[test]
fn configuration_file() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("kvet.yaml");
    std::fs::write(
        &cfg,
        "checks:\n  hostPIDSet: {enabled: false}\n  hostIPCSet: {severity: LOW}\n",
    )
    .unwrap();
    let out = kvet()
        .args(["config", GOAT_MONITOR, "-f", "json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let report = json_of(&out.stdout);
    let f = report["findings"].as_array().unwrap();
    assert!(f.iter().all(|f| f["checkId"] != "hostPIDSet"));
    assert!(f
        .iter()
        .any(|f| f["checkId"] == "hostIPCSet" && f["severity"] == "LOW"));
    std::fs::write(&cfg, "checks: {}\nseverityy: HIGH\n").unwrap();
    kvet()
        .args(["config", GOAT_MONITOR, "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("severityy"));
}

#[test]
fn output_file_and_formats() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r.xml");
    kvet()
        .args(["config", GOAT_MONITOR, "-f", "junit", "-o"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<testsuite name=\"examples/manifests/kubernetes-goat/system-monitor__deployment.yaml\""), "{xml}");
    assert!(
        xml.contains("[runAsPrivileged] Deployment default/system-monitor-deployment"),
        "{xml}"
    );
    let table = kvet().args(["config", GOAT_MONITOR]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("Health score") && text.contains("runAsPrivileged"),
        "{text}"
    );
    kvet()
        .args(["config", GOAT_MONITOR, "-f", "xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format"));
}

#[test]
fn checks_catalogue() {
    let out = kvet().args(["checks"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "hostNetworkSet",
        "runAsRootAllowed",
        "anonymousUserRBACBinding",
        "tagNotSpecified",
    ] {
        assert!(text.contains(id), "{id} missing");
    }
    kvet()
        .args(["checks", "show", "runAsRootAllowed"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("runAsNonRoot: true")
                .and(predicate::str::contains("CIS Kubernetes 1.10 5.2.7")),
        );
    kvet()
        .args(["checks", "show", "runAsRoot"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean runAsRootAllowed"));
}

#[test]
fn docs_checks_md_is_current() {
    let out = kvet()
        .args(["checks", "--format", "markdown"])
        .output()
        .unwrap();
    let path = common::root().join("docs/checks.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
    }
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        doc.as_bytes() == out.stdout.as_slice(),
        "docs/checks.md is stale: run `UPDATE_GOLDEN=1 cargo test -p kvet --test cli docs_checks_md_is_current`"
    );
}
