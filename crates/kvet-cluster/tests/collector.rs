//! The collector against the fake API server (tests/common), through real HTTP and a
//! generated kubeconfig.

mod common;
use common::*;
use kvet_cluster::{collect, targets, ClusterError, CollectOptions, Snapshot};
use serde_json::Value;
use std::time::Duration;

fn write_kubeconfig(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let p = dir.path().join("kubeconfig");
    std::fs::write(&p, text).unwrap();
    p
}

fn options() -> CollectOptions {
    CollectOptions {
        page_size: 3,
        timeout: Duration::from_secs(20),
        backoff: Duration::from_millis(10),
        ..Default::default()
    }
}

fn kinds(objects: &[Value], kind: &str) -> usize {
    objects.iter().filter(|o| o["kind"] == kind).count()
}

#[tokio::test]
async fn collects_every_kind_with_pagination_and_metadata_only_secrets() {
    let api = FakeApi::start(sample_cluster(10)).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(&dir, &kubeconfig(&[("prod-a", &api.url())], "prod-a"));
    let t = targets(Some(&kc), &[], false).await.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].context, "prod-a");
    let snap = collect(&t[0], &options()).await.unwrap();

    assert_eq!(
        kinds(&snap.objects, "Pod"),
        12,
        "10 web pods, debug, kube-apiserver"
    );
    assert_eq!(kinds(&snap.objects, "Deployment"), 1);
    assert_eq!(kinds(&snap.objects, "ClusterRoleBinding"), 1);
    assert!(snap.not_collected.is_empty(), "{:?}", snap.not_collected);
    assert_eq!(snap.version.as_ref().unwrap().git_version, "v1.31.2");
    assert_eq!(snap.nodes.len(), 1);
    assert_eq!(
        snap.nodes[0].container_runtime_version,
        "containerd://1.7.22"
    );
    // List items come without apiVersion/kind; the collector restores them.
    assert!(snap
        .objects
        .iter()
        .all(|o| o["apiVersion"].is_string() && o["kind"].is_string()));

    // 12 pods in pages of 3: the first request and three continuations.
    let reqs = api.requests();
    let pod_pages: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("/api/v1/pods"))
        .collect();
    assert_eq!(pod_pages.len(), 4, "{pod_pages:?}");
    assert!(pod_pages[1].contains("continue=off-3"), "{pod_pages:?}");

    // Secret values are never fetched.
    let secret = snap.objects.iter().find(|o| o["kind"] == "Secret").unwrap();
    assert_eq!(secret["metadata"]["name"], "db");
    assert!(secret.get("data").is_none(), "{secret}");
    assert_eq!(api.store.lock().unwrap().full_secret_lists, 0);
}

#[tokio::test]
async fn forbidden_kinds_are_recorded_and_throttling_is_retried() {
    let api = FakeApi::start(sample_cluster(2)).await;
    api.fault("/api/v1/secrets", Fault::Forbidden);
    api.fault("/api/v1/configmaps", Fault::Throttle(2));
    api.fault("/api/v1/pods", Fault::ExpireContinue);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(&dir, &kubeconfig(&[("a", &api.url())], "a"));
    let t = targets(Some(&kc), &[], false).await.unwrap();
    let snap = collect(&t[0], &options()).await.unwrap();

    assert_eq!(snap.not_collected.len(), 1, "{:?}", snap.not_collected);
    assert_eq!(snap.not_collected[0].kind, "Secret");
    assert!(
        snap.not_collected[0]
            .reason
            .starts_with("forbidden: secrets is forbidden"),
        "{:?}",
        snap.not_collected
    );
    assert_eq!(kinds(&snap.objects, "Secret"), 0);

    let cm = api
        .requests()
        .iter()
        .filter(|r| r.starts_with("/api/v1/configmaps"))
        .count();
    assert_eq!(cm, 3, "two 429 answers then the list");
    // The expired continue token restarts the pod list from the beginning, once.
    assert_eq!(kinds(&snap.objects, "Pod"), 4);
}

#[tokio::test]
async fn a_slow_server_hits_the_timeout() {
    let api = FakeApi::start(sample_cluster(1)).await;
    api.fault(
        "/apis/apps/v1/deployments",
        Fault::Slow(Duration::from_secs(5)),
    );
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(&dir, &kubeconfig(&[("slow", &api.url())], "slow"));
    let t = targets(Some(&kc), &[], false).await.unwrap();
    let opts = CollectOptions {
        timeout: Duration::from_millis(500),
        ..options()
    };
    let err = collect(&t[0], &opts).await.unwrap_err();
    assert!(matches!(err, ClusterError::Timeout { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "cluster 'slow': collection did not finish within 500ms (--timeout)"
    );
}

#[tokio::test]
async fn two_contexts_and_namespace_scope() {
    let a = FakeApi::start(sample_cluster(2)).await;
    let b = FakeApi::start(sample_cluster(5)).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(
        &dir,
        &kubeconfig(&[("prod-a", &a.url()), ("prod-b", &b.url())], "prod-a"),
    );
    let all = targets(Some(&kc), &[], true).await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.context.as_str()).collect::<Vec<_>>(),
        ["prod-a", "prod-b"]
    );
    let opts = CollectOptions {
        namespace: Some("shop".into()),
        ..options()
    };
    let sb = collect(&all[1], &opts).await.unwrap();
    // Namespaced kinds come from the namespace only; cluster-scoped kinds are still listed.
    assert_eq!(
        kinds(&sb.objects, "Pod"),
        6,
        "5 web pods and debug, not kube-system's"
    );
    assert_eq!(kinds(&sb.objects, "ClusterRoleBinding"), 1);
    assert!(b
        .requests()
        .iter()
        .any(|r| r.starts_with("/api/v1/namespaces/shop/pods")));
    let named = targets(Some(&kc), &["prod-b".to_string()], false)
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].context, "prod-b");
}

#[tokio::test]
async fn bad_kubeconfigs_and_unreachable_servers_give_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write_kubeconfig(&dir, "apiVersion: v1\nkind: Config\nclusters: [oops\n");
    let e = targets(Some(&broken), &[], false).await.err().unwrap();
    assert!(matches!(e, ClusterError::Kubeconfig { .. }), "{e}");
    assert!(e.to_string().contains("kubeconfig"), "{e}");

    let kc = write_kubeconfig(&dir, &kubeconfig(&[("a", "http://127.0.0.1:9")], "a"));
    let e = targets(Some(&kc), &["nope".to_string()], false)
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!("context 'nope' is not in {} (it has: a)", kc.display())
    );

    // Nothing listens on port 9 of loopback.
    let t = targets(Some(&kc), &[], false).await.unwrap();
    let e = collect(&t[0], &options()).await.unwrap_err();
    assert!(matches!(e, ClusterError::Connect { .. }), "{e}");
    assert!(!e.to_string().contains('\n'));

    // https to a plain-HTTP server: a TLS error, not a hang or a panic.
    let api = FakeApi::start(sample_cluster(1)).await;
    let tls = write_kubeconfig(
        &dir,
        &kubeconfig(&[("tls", &format!("https://{}", api.addr))], "tls"),
    );
    let t = targets(Some(&tls), &[], false).await.unwrap();
    let e = collect(&t[0], &options()).await.unwrap_err();
    assert!(matches!(e, ClusterError::Connect { .. }), "{e}");
}

#[tokio::test]
async fn snapshots_round_trip_and_refuse_newer_versions() {
    let api = FakeApi::start(sample_cluster(3)).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(&dir, &kubeconfig(&[("a", &api.url())], "a"));
    let t = targets(Some(&kc), &[], false).await.unwrap();
    let cluster = collect(&t[0], &options()).await.unwrap();
    let snap = Snapshot::new(vec![cluster], "2026-11-23T10:00:00Z".into());
    let path = dir.path().join("a.snap");
    snap.write(&path).unwrap();
    let back = Snapshot::read(&path).unwrap();
    assert_eq!(back.clusters[0].objects, snap.clusters[0].objects);
    assert_eq!(back.clusters[0].nodes, snap.clusters[0].nodes);

    // A snapshot from a future kvet.
    let mut text = serde_json::to_value(&snap).unwrap();
    text["schemaVersion"] = 99.into();
    text["kvetVersion"] = "9.0.0".into();
    let newer = dir.path().join("newer.snap");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&newer).unwrap(),
        flate2::Compression::fast(),
    );
    serde_json::to_writer(&mut gz, &text).unwrap();
    gz.finish().unwrap();
    let e = Snapshot::read(&newer).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("snapshot {}: schema version 99 (written by kvet 9.0.0); this kvet reads version 1: upgrade kvet", newer.display())
    );
    let garbage = dir.path().join("garbage.snap");
    std::fs::write(&garbage, b"not gzip").unwrap();
    assert!(Snapshot::read(&garbage)
        .unwrap_err()
        .to_string()
        .contains("not a kvet snapshot"));
}

#[tokio::test]
async fn exec_credential_plugins_and_tokens_authenticate_like_kubectl() {
    let api = FakeApi::start(sample_cluster(1)).await;
    let dir = tempfile::tempdir().unwrap();
    // An exec plugin as cloud CLIs install them: prints an ExecCredential with a token.
    let plugin = dir.path().join("get-token");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-exec-plugin\"}}'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kc = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: exec\nclusters:\n- name: c\n  cluster:\n    server: {}\ncontexts:\n- name: exec\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
        api.url(),
        plugin.display()
    );
    let path = write_kubeconfig(&dir, &kc);
    let t = targets(Some(&path), &[], false).await.unwrap();
    collect(&t[0], &options()).await.unwrap();
    let auth = api.store.lock().unwrap().auth.clone();
    assert!(!auth.is_empty());
    assert!(
        auth.iter().all(|a| a == "Bearer from-exec-plugin"),
        "{auth:?}"
    );

    // Token users send their token.
    let api = FakeApi::start(sample_cluster(1)).await;
    let path = write_kubeconfig(&dir, &kubeconfig(&[("tok", &api.url())], "tok"));
    let t = targets(Some(&path), &[], false).await.unwrap();
    collect(&t[0], &options()).await.unwrap();
    let auth = api.store.lock().unwrap().auth.clone();
    assert!(
        auth.iter().all(|a| a == "Bearer kvet-test-token-tok"),
        "{auth:?}"
    );
}
