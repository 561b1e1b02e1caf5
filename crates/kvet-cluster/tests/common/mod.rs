//! A fake Kubernetes API server for tests: it answers on 127.0.0.1 the way a real API server
//! does — `/version`, discovery (`/api`, `/apis`), `kind: XList` responses with
//! `metadata.resourceVersion`, pagination through `limit` and `continue`, metadata-only lists
//! (`as=PartialObjectMetadataList`), and `Status` objects for 403, 404, 410 and 429 — with
//! faults that tests switch on per resource.
#![allow(dead_code)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Fault {
    Forbidden,
    /// Answer 429 this many times, then serve.
    Throttle(u32),
    /// Sleep before answering.
    Slow(Duration),
    /// The continue token expires once (410 Gone).
    ExpireContinue,
}

#[derive(Default)]
pub struct Store {
    /// Objects by list path without namespace (`/api/v1/pods`, `/apis/apps/v1/deployments`).
    pub objects: HashMap<String, Vec<Value>>,
    pub faults: HashMap<String, Fault>,
    /// Every request path with its query, in order.
    pub requests: Vec<String>,
    /// Secret lists answered with full objects (a collector must never ask for those).
    pub full_secret_lists: u32,
    /// The Authorization header of every list request.
    pub auth: Vec<String>,
    /// `namespace/name` of every Secret fetched by name (with its data).
    pub secret_gets: Vec<String>,
}

pub struct FakeApi {
    pub addr: std::net::SocketAddr,
    pub store: Arc<Mutex<Store>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl FakeApi {
    pub async fn start(objects: Vec<Value>) -> FakeApi {
        let mut store = Store::default();
        for o in objects {
            let path = list_path(&o);
            store.objects.entry(path).or_default().push(o);
        }
        let store = Arc::new(Mutex::new(store));
        let app = Router::new()
            .route("/version", get(version))
            .route("/api", get(|| async { Json(json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})) }))
            .route("/apis", get(api_groups))
            .fallback(get(list))
            .with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        FakeApi {
            addr,
            store,
            shutdown: Some(tx),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn fault(&self, path: &str, f: Fault) {
        self.store
            .lock()
            .unwrap()
            .faults
            .insert(path.to_string(), f);
    }

    pub fn requests(&self) -> Vec<String> {
        self.store.lock().unwrap().requests.clone()
    }
}

const PLURALS: &[(&str, &str)] = &[
    ("Namespace", "namespaces"),
    ("Node", "nodes"),
    ("Pod", "pods"),
    ("Deployment", "deployments"),
    ("StatefulSet", "statefulsets"),
    ("DaemonSet", "daemonsets"),
    ("ReplicaSet", "replicasets"),
    ("Job", "jobs"),
    ("CronJob", "cronjobs"),
    ("ReplicationController", "replicationcontrollers"),
    ("Service", "services"),
    ("Ingress", "ingresses"),
    ("NetworkPolicy", "networkpolicies"),
    ("PodDisruptionBudget", "poddisruptionbudgets"),
    ("ServiceAccount", "serviceaccounts"),
    ("Role", "roles"),
    ("RoleBinding", "rolebindings"),
    ("ClusterRole", "clusterroles"),
    ("ClusterRoleBinding", "clusterrolebindings"),
    ("ConfigMap", "configmaps"),
    ("Secret", "secrets"),
    (
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
    ),
    (
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
    ),
];

fn list_path(o: &Value) -> String {
    let av = o["apiVersion"].as_str().unwrap();
    let kind = o["kind"].as_str().unwrap();
    let plural = PLURALS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, p)| *p)
        .unwrap();
    if av.contains('/') {
        format!("/apis/{av}/{plural}")
    } else {
        format!("/api/{av}/{plural}")
    }
}

async fn version() -> Json<Value> {
    Json(json!({
        "major": "1", "minor": "31", "gitVersion": "v1.31.2",
        "gitCommit": "5864a4677267e6adeae276ad85882a8714d69d9d", "gitTreeState": "clean",
        "buildDate": "2024-10-22T20:28:14Z", "goVersion": "go1.22.8", "compiler": "gc",
        "platform": "linux/amd64"
    }))
}

async fn api_groups() -> Json<Value> {
    let groups: Vec<Value> = [
        "apps",
        "batch",
        "networking.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "admissionregistration.k8s.io",
    ]
    .iter()
    .map(|g| {
        json!({"name": g, "versions": [{"groupVersion": format!("{g}/v1"), "version": "v1"}],
            "preferredVersion": {"groupVersion": format!("{g}/v1"), "version": "v1"}})
    })
    .collect();
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

fn status(code: u16, reason: &str, message: String) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    });
    (StatusCode::from_u16(code).unwrap(), Json(body)).into_response()
}

async fn list(
    State(store): State<Arc<Mutex<Store>>>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let path = uri.path().to_string();
    // /api/v1/namespaces/NS/pods → (/api/v1/pods, Some(NS))
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // One object by name: /api/v1/namespaces/NS/secrets/NAME.
    match parts.as_slice() {
        ["api", v, "namespaces", ns, plural, name] => {
            let base = format!("/api/{v}/{plural}");
            return get_object(&store, &path, &base, ns, plural, name);
        }
        ["apis", g, v, "namespaces", ns, plural, name] => {
            let base = format!("/apis/{g}/{v}/{plural}");
            return get_object(&store, &path, &base, ns, plural, name);
        }
        _ => {}
    }
    let (base, ns) = match parts.as_slice() {
        ["api", v, "namespaces", ns, plural] => {
            (format!("/api/{v}/{plural}"), Some(ns.to_string()))
        }
        ["apis", g, v, "namespaces", ns, plural] => {
            (format!("/apis/{g}/{v}/{plural}"), Some(ns.to_string()))
        }
        _ => (path.clone(), None),
    };
    let fault = {
        let mut s = store.lock().unwrap();
        s.requests.push(uri.to_string());
        let auth = headers
            .get("authorization")
            .and_then(|a| a.to_str().ok())
            .unwrap_or("")
            .to_string();
        s.auth.push(auth);
        s.faults.get(&base).cloned()
    };
    let plural = base.rsplit('/').next().unwrap_or("").to_string();
    match fault {
        Some(Fault::Forbidden) => {
            return status(403, "Forbidden", format!("{plural} is forbidden: User \"system:serviceaccount:kvet:scanner\" cannot list resource \"{plural}\" in API group \"\" at the cluster scope"));
        }
        Some(Fault::Throttle(n)) if n > 0 => {
            store
                .lock()
                .unwrap()
                .faults
                .insert(base.clone(), Fault::Throttle(n - 1));
            return status(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later"
                    .into(),
            );
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::ExpireContinue) if q.contains_key("continue") => {
            store.lock().unwrap().faults.remove(&base);
            return status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".into());
        }
        _ => {}
    }
    let (items, kind) = {
        let mut s = store.lock().unwrap();
        let Some(all) = s.objects.get(&base).cloned() else {
            // A group/version/resource the server does not serve.
            if !PLURALS.iter().any(|(_, p)| *p == plural) {
                return status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource".into(),
                );
            }
            drop(s);
            return list_response(&plural, &[], None, &headers, &store);
        };
        let items: Vec<Value> = all
            .into_iter()
            .filter(|o| ns.is_none() || o["metadata"]["namespace"].as_str() == ns.as_deref())
            .collect();
        if plural == "secrets" && !wants_metadata(&headers) {
            s.full_secret_lists += 1;
        }
        (items, plural.clone())
    };
    let offset: usize = q
        .get("continue")
        .and_then(|c| c.strip_prefix("off-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit).min(items.len());
    let next = (end < items.len()).then(|| (format!("off-{end}"), items.len() - end));
    list_response(
        &kind,
        &items[offset.min(items.len())..end],
        next,
        &headers,
        &store,
    )
}

/// A GET of one namespaced object, answered as the API does: the object with its apiVersion
/// and kind, or a `Status` with `details` for 403 (fault on the object's path) and 404.
fn get_object(
    store: &Arc<Mutex<Store>>,
    path: &str,
    base: &str,
    ns: &str,
    plural: &str,
    name: &str,
) -> Response {
    let mut s = store.lock().unwrap();
    s.requests.push(path.to_string());
    let details = json!({"name": name, "kind": plural});
    let failure = |code: u16, reason: &str, message: String| {
        let body = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": details, "code": code
        });
        (StatusCode::from_u16(code).unwrap(), Json(body)).into_response()
    };
    if matches!(s.faults.get(path), Some(Fault::Forbidden)) {
        return failure(403, "Forbidden", format!("{plural} \"{name}\" is forbidden: User \"system:serviceaccount:kvet:scanner\" cannot get resource \"{plural}\" in API group \"\" in the namespace \"{ns}\""));
    }
    let found = s
        .objects
        .get(base)
        .and_then(|all| {
            all.iter().find(|o| {
                o["metadata"]["namespace"].as_str() == Some(ns)
                    && o["metadata"]["name"].as_str() == Some(name)
            })
        })
        .cloned();
    match found {
        Some(o) => {
            if plural == "secrets" {
                s.secret_gets.push(format!("{ns}/{name}"));
            }
            Json(o).into_response()
        }
        None => failure(404, "NotFound", format!("{plural} \"{name}\" not found")),
    }
}

fn wants_metadata(headers: &HeaderMap) -> bool {
    headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("as=PartialObjectMetadataList"))
}

fn list_response(
    plural: &str,
    items: &[Value],
    next: Option<(String, usize)>,
    headers: &HeaderMap,
    _store: &Arc<Mutex<Store>>,
) -> Response {
    let mut metadata = json!({"resourceVersion": "734052"});
    if let Some((token, remaining)) = next {
        metadata["continue"] = json!(token);
        metadata["remainingItemCount"] = json!(remaining);
    }
    if wants_metadata(headers) {
        let items: Vec<Value> = items
            .iter()
            .map(|o| json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}))
            .collect();
        return Json(json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "items": items})).into_response();
    }
    let kind = PLURALS
        .iter()
        .find(|(_, p)| *p == plural)
        .map_or("Unknown", |(k, _)| k);
    let api_version = items
        .first()
        .and_then(|o| o["apiVersion"].as_str())
        .unwrap_or("v1")
        .to_string();
    // Items of a real list carry neither apiVersion nor kind.
    let items: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut o = o.clone();
            if let Some(m) = o.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    Json(json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": metadata, "items": items})).into_response()
}

/// A kubeconfig with one context per (name, server), token users.
pub fn kubeconfig(contexts: &[(&str, &str)], current: &str) -> String {
    let mut clusters = String::new();
    let mut ctxs = String::new();
    let mut users = String::new();
    for (name, server) in contexts {
        clusters.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {server}\n"
        ));
        ctxs.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-user\n"
        ));
        users.push_str(&format!(
            "- name: {name}-user\n  user:\n    token: kvet-test-token-{name}\n"
        ));
    }
    format!("apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n{clusters}contexts:\n{ctxs}users:\n{users}")
}

fn meta(name: &str, ns: Option<&str>, uid: &str) -> Value {
    let mut m = json!({
        "name": name, "uid": uid, "resourceVersion": "734001",
        "creationTimestamp": "2026-11-20T08:14:02Z",
        "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
            "apiVersion": "v1", "time": "2026-11-20T08:14:02Z", "fieldsType": "FieldsV1", "fieldsV1": {}}]
    });
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

/// A small cluster shaped like what a real API server returns: a Deployment with its
/// ReplicaSet and Pods (ownerReferences), a bare Pod, a kube-apiserver static pod, RBAC,
/// a Secret with data, a Node with nodeInfo.
pub fn sample_cluster(pods: usize) -> Vec<Value> {
    let template = json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25.3",
            "securityContext": {"privileged": true},
            "resources": {}, "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "serviceAccountName": "default"}
    });
    let mut out = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta("shop", None, "ns-shop"),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("web", Some("shop"), "dep-web"),
            "spec": {"replicas": pods, "selector": {"matchLabels": {"app": "web"}}, "template": template},
            "status": {"replicas": pods, "readyReplicas": pods}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "dep-web", "controller": true, "blockOwnerDeletion": true}],
                "name": "web-7c5ddbdf54", "namespace": "shop", "uid": "rs-web", "resourceVersion": "734002"},
            "spec": {"replicas": pods, "selector": {"matchLabels": {"app": "web"}}, "template": template}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta("debug", Some("shop"), "pod-debug"),
            "spec": {"hostPID": true, "containers": [{"name": "debug", "image": "busybox", "securityContext": {"privileged": true}}]},
            "status": {"phase": "Running"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": "kube-apiserver-cp1", "namespace": "kube-system", "uid": "pod-apiserver",
                "labels": {"component": "kube-apiserver", "tier": "control-plane"},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "cp1", "uid": "node-cp1", "controller": true}]},
            "spec": {"hostNetwork": true, "containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.31.2",
                "command": ["kube-apiserver", "--advertise-address=10.0.0.10", "--authorization-mode=Node,RBAC",
                    "--enable-admission-plugins=NodeRestriction", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"]}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta("anonymous-view", None, "crb-anon"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}]}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta("db", Some("shop"), "sec-db"),
            "type": "Opaque", "data": {"password": "aHVudGVyMg=="}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": meta("cp1", None, "node-cp1"),
            "status": {"nodeInfo": {"kubeletVersion": "v1.31.2", "kernelVersion": "6.1.0-26-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.22",
                "kubeProxyVersion": "v1.31.2", "operatingSystem": "linux", "architecture": "amd64",
                "machineID": "m", "systemUUID": "s", "bootID": "b"}}}),
    ];
    for i in 0..pods {
        out.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-7c5ddbdf54-{i:05}"), "namespace": "shop", "uid": format!("pod-web-{i}"),
                "labels": {"app": "web"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c5ddbdf54", "uid": "rs-web", "controller": true}]},
            "spec": template["spec"].clone(), "status": {"phase": "Running", "podIP": format!("10.244.0.{}", i % 250)}}));
    }
    out
}
