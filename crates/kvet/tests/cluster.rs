//! `kvet cluster` end to end: the binary against the fake API server of kvet-cluster's tests
//! (real HTTP on 127.0.0.1, a generated kubeconfig).

mod common;
#[path = "../../kvet-cluster/tests/common/mod.rs"]
mod fake;

use common::*;
use fake::{kubeconfig, sample_cluster, FakeApi, Fault};
use serde_json::Value;

struct Env {
    _rt: tokio::runtime::Runtime,
    servers: Vec<FakeApi>,
    dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

/// One fake cluster per name; the kubeconfig's current context is the first.
fn clusters(names: &[(&str, usize)]) -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let servers: Vec<FakeApi> = names
        .iter()
        .map(|(_, pods)| rt.block_on(FakeApi::start(sample_cluster(*pods))))
        .collect();
    let urls: Vec<String> = servers.iter().map(FakeApi::url).collect();
    let contexts: Vec<(&str, &str)> = names
        .iter()
        .zip(&urls)
        .map(|((n, _), u)| (*n, u.as_str()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, kubeconfig(&contexts, names[0].0)).unwrap();
    Env {
        _rt: rt,
        servers,
        dir,
        kubeconfig: kc,
    }
}

fn findings_of(doc: &Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["checkId"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap_or("").to_string(),
                f["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn scans_a_cluster_reporting_findings_on_top_level_owners() {
    let env = clusters(&[("prod-a", 4)]);
    let out = kvet()
        .args(["cluster", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(["-f", "json", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out.stdout);
    assert_valid(&validator(&root().join("docs/report.schema.json")), &doc);
    let f = findings_of(&doc);
    let has = |id: &str, kind: &str, name: &str| {
        f.iter().any(|(i, k, n)| i == id && k == kind && n == name)
    };
    // The Deployment's pods and ReplicaSet fold into the Deployment.
    assert!(has("runAsPrivileged", "Deployment", "web"), "{f:?}");
    assert!(!f.iter().any(|(_, k, _)| k == "ReplicaSet"), "{f:?}");
    assert!(!f.iter().any(|(_, _, n)| n.starts_with("web-")), "{f:?}");
    // A bare pod is reported as itself.
    assert!(has("privilegedHostPID", "Pod", "debug"), "{f:?}");
    assert!(has(
        "anonymousUserRBACBinding",
        "ClusterRoleBinding",
        "anonymous-view"
    ));
    // The control plane's static pod: flags it does not set.
    assert!(
        has("apiserverAnonymousAuth", "Pod", "kube-apiserver-cp1"),
        "{f:?}"
    );
    assert!(has(
        "apiserverEncryptionAtRestMissing",
        "Pod",
        "kube-apiserver-cp1"
    ));
    assert!(!has(
        "apiserverNodeRestrictionMissing",
        "Pod",
        "kube-apiserver-cp1"
    ));
    // Live objects have no file lines; findings point at the cluster.
    let first = &doc["findings"][0];
    assert_eq!(first["file"], "cluster:prod-a");
    assert!(first.get("line").is_none());
    let c = &doc["clusters"][0];
    assert_eq!(c["name"], "prod-a");
    assert_eq!(c["version"], "v1.31.2");
    assert!(c["score"]["overall"].as_f64().unwrap() < 100.0);
}

#[test]
fn two_contexts_make_one_report_with_a_section_each() {
    let env = clusters(&[("prod-a", 2), ("prod-b", 3)]);
    let out = kvet()
        .args(["cluster", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(["--context", "prod-a", "--context", "prod-b", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Cluster prod-a"), "{text}");
    assert!(text.contains("Cluster prod-b"), "{text}");
    assert!(
        text.contains("cluster:prod-b · Deployment shop/web"),
        "{text}"
    );
}

#[test]
fn snapshots_are_analysed_like_live_clusters() {
    let env = clusters(&[("prod-a", 3)]);
    let snap = env.dir.path().join("prod-a.snap");
    kvet()
        .args(["cluster", "snapshot", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .arg("-o")
        .arg(&snap)
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote"));
    let live = kvet()
        .args(["cluster", "-q", "-f", "json", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    let offline = kvet()
        .args(["cluster", "-q", "-f", "json", "--snapshot"])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(offline.status.code(), Some(0));
    assert_eq!(
        findings_of(&json_of(&live.stdout)),
        findings_of(&json_of(&offline.stdout))
    );
}

#[test]
fn forbidden_kinds_are_reported_and_strict_exits_3() {
    let env = clusters(&[("prod-a", 1)]);
    env.servers[0].fault("/api/v1/secrets", Fault::Forbidden);
    let out = kvet()
        .args(["cluster", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cluster:prod-a: not collected: Secret: forbidden"),
        "{err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not collected: Secret: forbidden"), "{text}");
    kvet()
        .args(["cluster", "--strict", "-q", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .assert()
        .code(3);
}

/// The notice comes from what the control-plane checks evaluated: none when the apiserver's
/// static pod is listed, one when pods cannot be read, none when those checks are not run.
#[test]
fn hidden_control_plane_is_noticed() {
    const NOTICE: &str = "control plane not observable";
    let env = clusters(&[("prod-a", 1)]);
    let run = |extra: &[&str]| {
        let out = kvet()
            .args(["cluster", "--kubeconfig"])
            .arg(&env.kubeconfig)
            .args(extra)
            .output()
            .unwrap();
        // Notices go to standard error.
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(!run(&[]).contains(NOTICE));
    env.servers[0].fault("/api/v1/pods", Fault::Forbidden);
    assert!(run(&[]).contains(NOTICE));
    assert!(!run(&["--checks", "anonymousUserRBACBinding"]).contains(NOTICE));
}

#[test]
fn bad_kubeconfig_and_unknown_context_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, "clusters: [\n").unwrap();
    let out = kvet()
        .args(["cluster", "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("kvet: error: kubeconfig "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    let env = clusters(&[("prod-a", 1)]);
    let out = kvet()
        .args(["cluster", "--context", "staging", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("context 'staging' is not in"), "{err}");
    assert!(err.contains("(it has: prod-a)"), "{err}");
}
