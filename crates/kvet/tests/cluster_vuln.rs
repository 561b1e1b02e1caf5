//! `kvet cluster --scanners vuln` end to end: the fake API server of kvet-cluster's tests whose
//! pods run the real Debian 12 test image (`scripts/make-test-images.sh`, see
//! ../shared/testdata/README.md), pushed with skopeo to Debian's `docker-registry` on 127.0.0.1
//! behind TLS (a certificate from the `openssl` CLI) and htpasswd basic auth; the pods' pull
//! secret holds the login. The database is imported from the real OSV records of
//! ../shared/testdata/osv, and the advisories expected per workload are what `kvet image` finds
//! in the same image with the same database (tests/image.rs checks those against an
//! independent evaluation).

mod common;
#[path = "../../kvet-cluster/tests/common/mod.rs"]
mod fake;
mod registry;

use common::*;
use fake::{kubeconfig, FakeApi, Fault};
use registry::Registry;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const USER: &str = "puller";
const PASSWORD: &str = "Zq7-registry-pass-9041";

/// The advisory ids `kvet image` reports for the test image with the test database.
fn expected_ids() -> &'static BTreeSet<String> {
    static IDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let out = kvet()
            .args(["image", "-q", "-f", "json", "--db-dir"])
            .arg(osv_db())
            .arg("--input")
            .arg(images().join("debian-bookworm"))
            .output()
            .unwrap();
        let doc = json_of(&out.stdout);
        let ids: BTreeSet<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["checkId"].as_str().unwrap().to_string())
            .collect();
        assert!(!ids.is_empty(), "the test image has known advisories");
        ids
    })
}

/// The manifest digest of the test image (kept by `skopeo copy --preserve-digests`).
fn image_digest() -> String {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(images().join("debian-bookworm/index.json")).unwrap(),
    )
    .unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn dockerconfigjson(host: &str) -> String {
    json!({"auths": {host: {"auth": b64(&format!("{USER}:{PASSWORD}"))}}}).to_string()
}

fn meta(name: &str, ns: &str, uid: &str) -> Value {
    json!({"name": name, "namespace": ns, "uid": uid, "resourceVersion": "734001",
        "creationTimestamp": "2026-11-20T08:14:02Z"})
}

fn pod(name: &str, ns: &str, owner: Option<Value>, spec: Value, image_id: Option<&str>) -> Value {
    let mut m = meta(name, ns, &format!("pod-{name}"));
    if let Some(o) = owner {
        m["ownerReferences"] = json!([o]);
    }
    let mut status = json!({"phase": "Running"});
    if let Some(id) = image_id {
        let c = &spec["containers"][0];
        status["containerStatuses"] = json!([{"name": c["name"], "image": c["image"],
            "imageID": id, "ready": true, "restartCount": 0, "started": true,
            "state": {"running": {"startedAt": "2026-11-20T08:14:09Z"}}}]);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status})
}

/// The shop namespace: a Deployment `web` (ReplicaSet, one Pod) running `:latest` with the
/// pull secret in its pod spec, and a bare Pod `batch` running `:v1` (the same digest) whose
/// ServiceAccount carries the pull secret.
fn shop(host: &str) -> Vec<Value> {
    let digest = image_digest();
    let template = json!({"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": format!("{host}/kvet/debian:latest")}],
            "imagePullSecrets": [{"name": "regcred"}]}});
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "ns-shop"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta("regcred", "shop", "sec-regcred"),
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": b64(&dockerconfigjson(host))}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("builder", "shop", "sa-builder"),
            "imagePullSecrets": [{"name": "regcred"}]}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("web", "shop", "dep-web"),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7c5ddbdf54", "namespace": "shop", "uid": "rs-web",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "dep-web", "controller": true}]},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template}}),
        pod(
            "web-7c5ddbdf54-x2k9p",
            "shop",
            Some(
                json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c5ddbdf54", "uid": "rs-web", "controller": true}),
            ),
            template["spec"].clone(),
            Some(&format!("{host}/kvet/debian@{digest}")),
        ),
        pod(
            "batch",
            "shop",
            None,
            json!({"serviceAccountName": "builder",
                "containers": [{"name": "job", "image": format!("{host}/kvet/debian:v1")}]}),
            Some(&format!("docker-pullable://{host}/kvet/debian@{digest}")),
        ),
    ]
}

struct Env {
    _rt: tokio::runtime::Runtime,
    api: FakeApi,
    reg: Registry,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    /// An empty docker config folder: the user has no login of their own.
    docker_config: PathBuf,
}

/// A registry holding the test image under `tags` (repo, tag), and a fake cluster of
/// `objects(host)`.
fn env(tags: &[(&str, &str)], objects: impl Fn(&str) -> Vec<Value>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::start(dir.path(), Some((USER, PASSWORD)));
    for (repo, tag) in tags {
        reg.push(&images().join("debian-bookworm"), repo, tag);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let api = rt.block_on(FakeApi::start(objects(&reg.host())));
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, kubeconfig(&[("prod", &api.url())], "prod")).unwrap();
    let docker_config = dir.path().join("docker");
    std::fs::create_dir_all(&docker_config).unwrap();
    Env {
        _rt: rt,
        api,
        reg,
        kubeconfig: kc,
        docker_config,
        dir,
    }
}

impl Env {
    fn kvet(&self, extra: &[&str]) -> std::process::Output {
        kvet()
            .env("DOCKER_CONFIG", &self.docker_config)
            .env_remove("KVET_USERNAME")
            .env_remove("KVET_PASSWORD")
            .args(["cluster", "--kubeconfig"])
            .arg(&self.kubeconfig)
            .arg("--db-dir")
            .arg(osv_db())
            .arg("--ca-file")
            .arg(self.reg.cert.as_deref().expect("a TLS registry"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(extra)
            .output()
            .unwrap()
    }
}

/// (kind, namespace/name, container) → advisory ids of the findings.
fn per_workload(
    doc: &Value,
) -> std::collections::BTreeMap<(String, String, String), BTreeSet<String>> {
    let mut m = std::collections::BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        assert_eq!(f["class"], "vulnerability", "{f}");
        let key = (
            f["kind"].as_str().unwrap().to_string(),
            format!(
                "{}/{}",
                f["namespace"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            ),
            f["container"].as_str().unwrap().to_string(),
        );
        m.entry(key)
            .or_insert_with(BTreeSet::new)
            .insert(f["checkId"].as_str().unwrap().to_string());
    }
    m
}

/// No secret material in anything kvet printed.
fn assert_no_secret(out: &std::process::Output, host: &str) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        PASSWORD.to_string(),
        b64(&format!("{USER}:{PASSWORD}")),
        b64(&dockerconfigjson(host)),
    ] {
        assert!(!all.contains(&needle), "secret material in the output");
    }
}

#[test]
fn each_digest_is_pulled_once_with_the_pods_pull_secret_and_reported_per_workload() {
    let env = env(&[("kvet/debian", "latest"), ("kvet/debian", "v1")], shop);
    let before = env.reg.manifest_gets().len();
    let out = env.kvet(&["--scanners", "vuln", "-f", "json", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_secret(&out, &env.reg.host());
    let doc = json_of(&out.stdout);
    assert_valid(&validator(&root().join("docs/report.schema.json")), &doc);

    // Two tags of one digest, two workloads: one image, one manifest pulled, by digest.
    let imgs = doc["images"].as_array().unwrap();
    assert_eq!(imgs.len(), 1, "{imgs:?}");
    let host = env.reg.host();
    let digest = image_digest();
    assert_eq!(imgs[0]["ref"], format!("{host}/kvet/debian@{digest}"));
    assert_eq!(
        imgs[0]["names"],
        json!([
            format!("{host}/kvet/debian:latest"),
            format!("{host}/kvet/debian:v1")
        ])
    );
    assert_eq!(
        imgs[0]["workloads"],
        json!(["Deployment shop/web (web)", "Pod shop/batch (job)"])
    );
    assert_eq!(imgs[0]["os"], "debian 12");
    assert!(imgs[0].get("coreComponent").is_none());
    let gets = env.reg.manifest_gets();
    assert_eq!(gets.len() - before, 1, "{gets:#?}");
    assert!(gets[before].contains(&digest), "{}", gets[before]);
    // The pull secret was fetched by name, once.
    assert_eq!(env.api.store.lock().unwrap().secret_gets, ["shop/regcred"]);

    // Every advisory of the image, once per workload container; nothing else (misconfig off).
    let expected = expected_ids();
    let got = per_workload(&doc);
    let keys: Vec<_> = got.keys().cloned().collect();
    assert_eq!(
        keys,
        [
            ("Deployment".into(), "shop/web".into(), "web".into()),
            ("Pod".into(), "shop/batch".into(), "job".into()),
        ]
    );
    for ids in got.values() {
        assert_eq!(ids, expected);
    }
    let total: usize = doc["findings"].as_array().unwrap().len();
    let image_out = kvet()
        .args(["image", "-q", "-f", "json", "--db-dir"])
        .arg(osv_db())
        .arg("--input")
        .arg(images().join("debian-bookworm"))
        .output()
        .unwrap();
    let per_image = json_of(&image_out.stdout)["findings"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(total, 2 * per_image);
    let counted: u64 = imgs[0]["vulnerabilities"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, per_image);
    let f = &doc["findings"][0];
    assert_eq!(f["file"], "cluster:prod");
    assert!(f["image"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{host}/kvet/debian:")));
    assert!(f["package"].is_string());
}

#[test]
fn whitelist_keys_apply_to_workload_vulnerabilities() {
    let env = env(&[("kvet/debian", "latest"), ("kvet/debian", "v1")], shop);
    let ignore = env.dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n- check: \"*\"\n  kind: Pod\n  namespace: shop\n  name: batch\n  package: stdlib\n  image: \"*/kvet/debian:v1\"\n  reason: batch is retired next week\n",
    )
    .unwrap();
    let out = env.kvet(&[
        "--scanners",
        "vuln",
        "-f",
        "json",
        "-q",
        "--exit-code",
        "5",
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5), "web's findings remain");
    let doc = json_of(&out.stdout);
    let ignored = doc["ignored"].as_array().unwrap();
    let kept = doc["findings"].as_array().unwrap();
    assert!(!ignored.is_empty());
    assert!(ignored
        .iter()
        .all(|i| i["name"] == "batch" && i["reason"] == "batch is retired next week"));
    assert!(kept.iter().all(|f| f["name"] == "web"));
    // The fingerprint includes the workload: the same advisory differs per workload.
    let id = kept[0]["checkId"].as_str().unwrap();
    let twin = ignored
        .iter()
        .find(|i| i["checkId"] == id && i["package"] == kept[0]["package"])
        .unwrap();
    assert_ne!(twin["fingerprint"], kept[0]["fingerprint"]);

    // A VEX statement for one image name (the Go id, reported under its CVE) covers that
    // workload's finding only, as `kvet image` applies it.
    std::fs::write(
        &ignore,
        "vex:\n- vulnerability: GO-2023-1751\n  status: not_affected\n  \
         justification: vulnerable_code_not_in_execute_path\n  impact: no HTML templates\n  \
         packages: [stdlib]\n  products: [\"*/kvet/debian:latest\"]\n",
    )
    .unwrap();
    let out = env.kvet(&[
        "--scanners",
        "vuln",
        "-f",
        "json",
        "-q",
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    let doc = json_of(&out.stdout);
    let ignored = doc["ignored"].as_array().unwrap();
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert_eq!(ignored[0]["checkId"], "CVE-2023-24539");
    assert_eq!(ignored[0]["name"], "web");
    assert!(ignored[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("VEX not_affected"));
    let on_batch = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["checkId"] == "CVE-2023-24539" && f["name"] == "batch");
    assert!(on_batch);
}

#[test]
fn forbidden_pull_secret_falls_back_to_the_docker_config_with_one_notice() {
    let env = env(&[("kvet/debian", "latest"), ("kvet/debian", "v1")], shop);
    env.api
        .fault("/api/v1/namespaces/shop/secrets/regcred", Fault::Forbidden);
    // Without a login of the user's own, the registry refuses the pull.
    let out = env.kvet(&["--scanners", "vuln", "-f", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_no_secret(&out, &env.reg.host());
    assert_eq!(
        stderr
            .matches("pull secret shop/regcred could not be read (forbidden)")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("could not be scanned, pulled with your docker config, else anonymously"),
        "{stderr}"
    );
    assert_eq!(
        json_of(&out.stdout)["findings"].as_array().unwrap().len(),
        0
    );
    assert!(env.api.store.lock().unwrap().secret_gets.is_empty());

    // With the user's docker login, the same scan succeeds.
    std::fs::write(
        env.docker_config.join("config.json"),
        dockerconfigjson(&env.reg.host()),
    )
    .unwrap();
    let out = env.kvet(&["--scanners", "vuln", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pull secret shop/regcred could not be read (forbidden)"),
        "{stderr}"
    );
    assert!(!stderr.contains("could not be scanned"), "{stderr}");
    let doc = json_of(&out.stdout);
    assert_eq!(per_workload(&doc).len(), 2);
    assert_no_secret(&out, &env.reg.host());

    // --username/--password work the same way, and are never echoed.
    std::fs::remove_file(env.docker_config.join("config.json")).unwrap();
    let out = env.kvet(&[
        "--scanners",
        "vuln",
        "-f",
        "table",
        "--username",
        USER,
        "--password",
        PASSWORD,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_secret(&out, &env.reg.host());
}

#[test]
fn a_missing_image_is_a_notice_the_others_are_scanned_and_strict_exits_3() {
    let env = env(
        &[("kvet/debian", "latest"), ("kvet/debian", "v1")],
        |host| {
            let mut objects = shop(host);
            objects.push(pod(
                "ghost",
                "shop",
                None,
                json!({"containers": [{"name": "ghost", "image": format!("{host}/kvet/nothere:1")}],
                "imagePullSecrets": [{"name": "regcred"}]}),
                None,
            ));
            objects
        },
    );
    let out = env.kvet(&["--scanners", "vuln", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let host = env.reg.host();
    assert!(
        stderr.contains(&format!(
            "image {host}/kvet/nothere:1 (used by Pod shop/ghost (ghost)) could not be scanned, \
             pulled with the login of pull secret shop/regcred"
        )),
        "{stderr}"
    );
    let doc = json_of(&out.stdout);
    let imgs = doc["images"].as_array().unwrap();
    assert_eq!(imgs.len(), 2);
    let failed: Vec<_> = imgs.iter().filter(|i| i.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["ref"], format!("{host}/kvet/nothere:1"));
    assert_eq!(
        per_workload(&doc).len(),
        2,
        "web and batch are still scanned"
    );

    let out = env.kvet(&["--scanners", "vuln", "-f", "json", "-q", "--strict"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn kube_apiserver_static_pod_image_is_flagged_core_in_every_format() {
    let env = env(&[("kube-apiserver", "v1.31.2")], |host| {
        vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system", "uid": "ns-ks"}}),
            pod(
                "kube-apiserver-cp1",
                "kube-system",
                Some(
                    json!({"apiVersion": "v1", "kind": "Node", "name": "cp1", "uid": "node-cp1", "controller": true}),
                ),
                json!({"hostNetwork": true, "containers": [{"name": "kube-apiserver",
                    "image": format!("{host}/kube-apiserver:v1.31.2"),
                    "command": ["kube-apiserver", "--authorization-mode=Node,RBAC"]}]}),
                Some(&format!("{host}/kube-apiserver@{}", image_digest())),
            ),
        ]
    });
    // The user's own login (no pull secrets here); misconfig and vuln in one report.
    std::fs::write(
        env.docker_config.join("config.json"),
        dockerconfigjson(&env.reg.host()),
    )
    .unwrap();
    let out = env.kvet(&["--scanners", "misconfig,vuln", "-f", "json", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out.stdout);
    assert_valid(&validator(&root().join("docs/report.schema.json")), &doc);
    assert_eq!(doc["images"][0]["coreComponent"], "control-plane");
    let classes: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, BTreeSet::from(["misconfig", "vulnerability"]));

    let out = env.kvet(&["--scanners", "vuln", "-f", "table", "-q"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("⚑ core (control-plane)"), "{table}");
    // All of the workload's vulnerabilities under one heading.
    assert_eq!(
        table
            .matches("cluster:prod · Pod kube-system/kube-apiserver-cp1")
            .count(),
        1,
        "{table}"
    );

    let out = env.kvet(&["--scanners", "vuln", "-f", "sarif", "-q"]);
    let sarif = json_of(&out.stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results
        .iter()
        .all(|r| r["properties"]["coreComponent"] == "control-plane"));
}

#[test]
fn snapshots_keep_no_secret_values_and_vuln_needs_a_database() {
    let env = env(&[("kvet/debian", "latest")], shop);
    let snap = env.dir.path().join("prod.snap");
    let out = kvet()
        .args(["cluster", "snapshot", "-q", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .arg("-o")
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(env.api.store.lock().unwrap().secret_gets.is_empty());
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2_free_gunzip(&snap), &mut text).unwrap();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("regcred") && !text.contains(&b64(&dockerconfigjson(&env.reg.host()))));

    let empty = tempfile::tempdir().unwrap();
    let out = kvet()
        .args(["cluster", "--scanners", "vuln", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .arg("--db-dir")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kvet db update"));
}

/// The snapshot decompressed by the system's `gzip -dc` (the kvet binary's crate is not a
/// dev-dependency here).
fn flate2_free_gunzip(path: &Path) -> std::io::Cursor<Vec<u8>> {
    let out = Command::new("gzip").arg("-dc").arg(path).output().unwrap();
    assert!(out.status.success());
    std::io::Cursor::new(out.stdout)
}
