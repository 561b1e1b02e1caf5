//! Which images a cluster runs, found in its collected objects: every container,
//! initContainer and ephemeralContainer of every Pod and of every top-level pod template, the
//! registry digest each Pod reports for it, the pull secrets that Pod may use, and the
//! top-level workloads (a Deployment, not its ReplicaSet or Pods) that run it. Pure: the
//! vulnerability scanner decides what to pull from this, and nothing here does I/O.

use kvet_core::ResourceRef;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One container of one workload running an image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageUse {
    /// The top-level workload (Deployment, CronJob, a bare Pod, a static Pod …).
    pub workload: ResourceRef,
    pub container: String,
    /// The image as the workload names it (`nginx:1.25.3`).
    pub image: String,
}

/// A pull secret a Pod may use: `spec.imagePullSecrets` or its ServiceAccount's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One distinct image to scan: by registry digest when a Pod reported one, else by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterImage {
    /// `sha256:…` of the manifest (or index) the nodes pulled, when known.
    pub digest: Option<String>,
    /// What to pull: `repository@digest` when the digest is known, else the reference as written.
    pub pull: String,
    /// Every name workloads use for it (two tags of one digest are one image).
    pub names: Vec<String>,
    pub uses: Vec<ImageUse>,
    pub pull_secrets: Vec<SecretRef>,
    /// Set when the image is a control-plane, node, network or registry component.
    pub core: Option<CoreRole>,
}

/// Why an image counts as a core component of the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CoreRole {
    /// kube-apiserver, kube-controller-manager, kube-scheduler, etcd, cloud-controller-manager,
    /// and any static pod of kube-system.
    ControlPlane,
    /// kube-proxy and the pause (sandbox) image every pod runs.
    Node,
    /// coredns / kube-dns.
    Dns,
    /// The pod network: calico, cilium, flannel, weave, canal.
    Network,
    /// Cluster add-ons: metrics-server, the ingress-nginx controller, other labelled
    /// kube-system components.
    Addon,
    /// Image registries: harbor-*, registry, distribution.
    Registry,
}

impl CoreRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CoreRole::ControlPlane => "control-plane",
            CoreRole::Node => "node",
            CoreRole::Dns => "dns",
            CoreRole::Network => "network",
            CoreRole::Addon => "addon",
            CoreRole::Registry => "registry",
        }
    }
}

/// The registry digest in a container status's `imageID`. The runtimes write it as
/// `docker-pullable://repo@sha256:…` (dockershim), `repo@sha256:…` (containerd, CRI-O), or a
/// bare `sha256:…` / `docker://sha256:…`, which is the local image (config) id, not something a
/// registry serves: `None` then, and the scanner pulls by tag.
pub fn registry_digest(image_id: &str) -> Option<String> {
    let (_, digest) = image_id.rsplit_once('@')?;
    valid_digest(digest).then(|| digest.to_string())
}

fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The repository part of an image reference: `host:5000/app:1@sha256:…` → `host:5000/app`.
/// A colon after the last slash starts the tag; one before it belongs to the host's port.
pub fn repository_of(image: &str) -> &str {
    let no_digest = image.split_once('@').map_or(image, |(r, _)| r);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].find(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    }
}

/// Classifies an image as a core component from its repository's basename (and, for CNI
/// vendors and ingress-nginx, the path segment naming the project), and from where its Pod
/// runs: a static pod of kube-system is control plane; a kube-system pod labelled
/// `component`, `k8s-app` or `tier: control-plane` is an add-on unless its image says more.
pub fn classify(
    image: &str,
    namespace: Option<&str>,
    labels: &Value,
    static_pod: bool,
) -> Option<CoreRole> {
    let repo = repository_of(image).to_ascii_lowercase();
    let segments: Vec<&str> = repo.split('/').collect();
    let base = segments.last().copied().unwrap_or("");
    let by_image = match base {
        "kube-apiserver"
        | "kube-controller-manager"
        | "kube-scheduler"
        | "etcd"
        | "cloud-controller-manager" => Some(CoreRole::ControlPlane),
        "kube-proxy" | "pause" => Some(CoreRole::Node),
        "coredns" | "k8s-dns-kube-dns" => Some(CoreRole::Dns),
        "metrics-server" => Some(CoreRole::Addon),
        "registry" | "distribution" => Some(CoreRole::Registry),
        b if b.starts_with("harbor-") => Some(CoreRole::Registry),
        b if ["calico", "cilium", "flannel", "weave", "canal"]
            .iter()
            .any(|v| b.starts_with(v)) =>
        {
            Some(CoreRole::Network)
        }
        _ if segments.iter().any(|s| {
            ["calico", "cilium", "flannel", "weaveworks", "canal"].contains(s)
                || s.starts_with("flannel")
        }) =>
        {
            Some(CoreRole::Network)
        }
        "controller" if segments.contains(&"ingress-nginx") => Some(CoreRole::Addon),
        _ => None,
    };
    if by_image.is_some() {
        return by_image;
    }
    if namespace != Some("kube-system") {
        return None;
    }
    if static_pod || labels.get("tier").and_then(Value::as_str) == Some("control-plane") {
        return Some(CoreRole::ControlPlane);
    }
    (labels.get("component").is_some() || labels.get("k8s-app").is_some())
        .then_some(CoreRole::Addon)
}

const CONTROLLERS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn resource_ref(o: &Value) -> Option<ResourceRef> {
    Some(ResourceRef {
        api_version: str_at(o, "/apiVersion")?.to_string(),
        kind: str_at(o, "/kind")?.to_string(),
        namespace: str_at(o, "/metadata/namespace").map(str::to_string),
        name: str_at(o, "/metadata/name")?.to_string(),
    })
}

fn controller_owner(o: &Value) -> Option<&Value> {
    o.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

/// The top-level workload of `o`: its controlling owners followed while they were collected
/// and are workload controllers (bounded, in case of an ownership cycle).
fn top_owner<'a>(o: &'a Value, by_uid: &HashMap<&str, &'a Value>) -> &'a Value {
    let mut cur = o;
    for _ in 0..8 {
        let Some(owner) = controller_owner(cur)
            .and_then(|r| r.get("uid").and_then(Value::as_str))
            .and_then(|uid| by_uid.get(uid))
            .filter(|ow| str_at(ow, "/kind").is_some_and(|k| CONTROLLERS.contains(&k)))
        else {
            break;
        };
        cur = owner;
    }
    cur
}

/// A Pod the kubelet runs from a manifest on its node (its mirror is owned by the Node, or
/// carries the mirror annotation).
fn is_static_pod(o: &Value) -> bool {
    controller_owner(o).and_then(|r| str_at(r, "/kind")) == Some("Node")
        || o.pointer("/metadata/annotations/kubernetes.io~1config.mirror")
            .is_some()
}

/// The pod spec and its labels of a Pod or a workload's template.
fn pod_spec(o: &Value) -> Option<(&Value, &Value)> {
    let (spec, meta) = match str_at(o, "/kind")? {
        "Pod" => ("/spec", "/metadata"),
        "CronJob" => (
            "/spec/jobTemplate/spec/template/spec",
            "/spec/jobTemplate/spec/template/metadata",
        ),
        k if CONTROLLERS.contains(&k) => ("/spec/template/spec", "/spec/template/metadata"),
        _ => return None,
    };
    let spec = o.pointer(spec)?;
    let labels = o.pointer(&format!("{meta}/labels")).unwrap_or(&Value::Null);
    Some((spec, labels))
}

const CONTAINER_LISTS: &[(&str, &str)] = &[
    ("containers", "containerStatuses"),
    ("initContainers", "initContainerStatuses"),
    ("ephemeralContainers", "ephemeralContainerStatuses"),
];

/// One container found, before grouping.
struct Seen {
    key: String,
    digest: Option<String>,
    pull: String,
    usage: ImageUse,
    secrets: Vec<SecretRef>,
    core: Option<CoreRole>,
}

/// Every distinct image of the collected `objects`, ordered by what is pulled.
pub fn discover(objects: &[Value]) -> Vec<ClusterImage> {
    let by_uid: HashMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| Some((str_at(o, "/metadata/uid")?, o)))
        .collect();
    let service_accounts: HashMap<(&str, &str), Vec<&str>> = objects
        .iter()
        .filter(|o| str_at(o, "/kind") == Some("ServiceAccount"))
        .filter_map(|o| {
            let ns = str_at(o, "/metadata/namespace")?;
            let name = str_at(o, "/metadata/name")?;
            Some(((ns, name), secret_names(o.get("imagePullSecrets"))))
        })
        .collect();

    let mut seen: Vec<Seen> = Vec::new();
    // (workload, container, image) that some Pod reported: its template adds nothing.
    let mut from_pods: BTreeSet<ImageUse> = BTreeSet::new();
    let mut templates: Vec<Seen> = Vec::new();
    for o in objects {
        let Some((spec, labels)) = pod_spec(o) else {
            continue;
        };
        let is_pod = str_at(o, "/kind") == Some("Pod");
        let top = top_owner(o, &by_uid);
        // A controller's template counts only for top-level controllers: an owned ReplicaSet
        // may be an old revision whose image nothing runs any more.
        if !is_pod && !std::ptr::eq(top, o) {
            continue;
        }
        let Some(workload) = resource_ref(top) else {
            continue;
        };
        let namespace = str_at(o, "/metadata/namespace");
        let static_pod = is_pod && is_static_pod(o);
        let mut secrets: Vec<SecretRef> = Vec::new();
        if let Some(ns) = namespace {
            let sa = str_at(spec, "/serviceAccountName")
                .or_else(|| str_at(spec, "/serviceAccount"))
                .unwrap_or("default");
            let mut names = secret_names(spec.get("imagePullSecrets"));
            names.extend(service_accounts.get(&(ns, sa)).into_iter().flatten());
            secrets = names
                .into_iter()
                .map(|n| SecretRef {
                    namespace: ns.to_string(),
                    name: n.to_string(),
                })
                .collect();
            secrets.sort();
            secrets.dedup();
        }
        for (list, statuses) in CONTAINER_LISTS {
            for c in spec
                .get(*list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(name), Some(image)) = (str_at(c, "/name"), str_at(c, "/image")) else {
                    continue;
                };
                let image = image.trim();
                if image.is_empty() {
                    continue;
                }
                let reported = if is_pod {
                    o.pointer(&format!("/status/{statuses}"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .find(|s| str_at(s, "/name") == Some(name))
                        .and_then(|s| str_at(s, "/imageID"))
                        .and_then(registry_digest)
                } else {
                    None
                };
                let digest = reported.or_else(|| registry_digest(image));
                let pull = match &digest {
                    Some(d) => format!("{}@{d}", repository_of(image)),
                    None => image.to_string(),
                };
                let usage = ImageUse {
                    workload: workload.clone(),
                    container: name.to_string(),
                    image: image.to_string(),
                };
                let s = Seen {
                    key: digest.clone().unwrap_or_else(|| image.to_string()),
                    digest,
                    pull,
                    usage,
                    secrets: secrets.clone(),
                    core: classify(image, namespace, labels, static_pod),
                };
                if is_pod {
                    from_pods.insert(s.usage.clone());
                    seen.push(s);
                } else {
                    templates.push(s);
                }
            }
        }
    }
    seen.extend(
        templates
            .into_iter()
            .filter(|t| !from_pods.contains(&t.usage)),
    );

    let mut groups: BTreeMap<String, ClusterImage> = BTreeMap::new();
    for s in seen {
        let g = groups.entry(s.key).or_insert_with(|| ClusterImage {
            digest: s.digest,
            pull: s.pull,
            names: Vec::new(),
            uses: Vec::new(),
            pull_secrets: Vec::new(),
            core: None,
        });
        g.names.push(s.usage.image.clone());
        g.uses.push(s.usage);
        g.pull_secrets.extend(s.secrets);
        g.core = match (g.core, s.core) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut out: Vec<ClusterImage> = groups
        .into_values()
        .map(|mut g| {
            g.names.sort();
            g.names.dedup();
            g.uses.sort();
            g.uses.dedup();
            g.pull_secrets.sort();
            g.pull_secrets.dedup();
            g
        })
        .collect();
    out.sort_by(|a, b| a.pull.cmp(&b.pull));
    out
}

fn secret_names(list: Option<&Value>) -> Vec<&str> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| str_at(s, "/name"))
        .filter(|n| !n.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const D1: &str = "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31";
    const D2: &str = "sha256:2b0e0e3ff3e1a9e7cdbe4cf2de7a79df5ee6d3ea5b43c0e37f7cd0a9ffb58da5";

    #[test]
    fn image_ids_of_every_runtime() {
        assert_eq!(
            registry_digest(&format!("docker-pullable://nginx@{D1}")).as_deref(),
            Some(D1)
        );
        assert_eq!(
            registry_digest(&format!("docker.io/library/nginx@{D1}")).as_deref(),
            Some(D1)
        );
        // The local image id is not a registry digest.
        assert_eq!(registry_digest(D1), None);
        assert_eq!(registry_digest(&format!("docker://{D1}")), None);
        assert_eq!(registry_digest(""), None);
        assert_eq!(registry_digest("nginx@sha256:short"), None);
    }

    #[test]
    fn repositories_keep_the_port_and_drop_tag_and_digest() {
        assert_eq!(repository_of("nginx:1.25"), "nginx");
        assert_eq!(repository_of("host:5000/team/app:1"), "host:5000/team/app");
        assert_eq!(repository_of("host:5000/app"), "host:5000/app");
        assert_eq!(
            repository_of(&format!("host:5000/app:1@{D1}")),
            "host:5000/app"
        );
    }

    #[test]
    fn core_components_by_image_and_by_kube_system_pod() {
        let none = Value::Null;
        let c = |i: &str| classify(i, Some("default"), &none, false);
        assert_eq!(
            c("registry.k8s.io/kube-apiserver:v1.31.2"),
            Some(CoreRole::ControlPlane)
        );
        assert_eq!(
            c("registry.k8s.io/etcd:3.5.15-0"),
            Some(CoreRole::ControlPlane)
        );
        assert_eq!(c("registry.k8s.io/pause:3.10"), Some(CoreRole::Node));
        assert_eq!(
            c("registry.k8s.io/coredns/coredns:v1.11.3"),
            Some(CoreRole::Dns)
        );
        assert_eq!(c("docker.io/calico/node:v3.28.0"), Some(CoreRole::Network));
        assert_eq!(c("quay.io/cilium/cilium:v1.16.1"), Some(CoreRole::Network));
        assert_eq!(
            c("docker.io/flannel/flannel:v0.25.6"),
            Some(CoreRole::Network)
        );
        assert_eq!(c("weaveworks/weave-kube:2.8.1"), Some(CoreRole::Network));
        assert_eq!(
            c("registry.k8s.io/ingress-nginx/controller:v1.11.2"),
            Some(CoreRole::Addon)
        );
        assert_eq!(c("goharbor/harbor-core:v2.11.0"), Some(CoreRole::Registry));
        assert_eq!(c("registry:2"), Some(CoreRole::Registry));
        assert_eq!(c("nginx:1.25.3"), None);
        assert_eq!(c("example.com/team/controller:1"), None);
        // Anything else is judged by where it runs.
        let cp = json!({"tier": "control-plane"});
        assert_eq!(
            classify("my/api:1", Some("kube-system"), &cp, false),
            Some(CoreRole::ControlPlane)
        );
        assert_eq!(
            classify("my/api:1", Some("kube-system"), &none, true),
            Some(CoreRole::ControlPlane)
        );
        let app = json!({"k8s-app": "kube-dns-autoscaler"});
        assert_eq!(
            classify("my/as:1", Some("kube-system"), &app, false),
            Some(CoreRole::Addon)
        );
        assert_eq!(classify("my/as:1", Some("shop"), &app, false), None);
        assert_eq!(classify("my/as:1", Some("kube-system"), &none, false), None);
    }

    fn pod(name: &str, ns: &str, owner: Option<(&str, &str)>, spec: Value, status: Value) -> Value {
        let mut meta = json!({"name": name, "namespace": ns, "uid": format!("uid-{name}")});
        if let Some((kind, uid)) = owner {
            meta["ownerReferences"] =
                json!([{"kind": kind, "uid": uid, "name": "x", "controller": true}]);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status})
    }

    #[test]
    fn discovery_groups_by_digest_and_attributes_to_top_level_workloads() {
        let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {
            "containers": [{"name": "web", "image": "reg:5000/shop/web:1"}],
            "initContainers": [{"name": "init", "image": "busybox:1.36"}],
            "imagePullSecrets": [{"name": "regcred"}]}});
        let objects = vec![
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": "shop", "uid": "sa"},
                "imagePullSecrets": [{"name": "sa-cred"}]}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "uid": "dep"},
                "spec": {"template": template}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-1", "namespace": "shop", "uid": "rs",
                    "ownerReferences": [{"kind": "Deployment", "uid": "dep", "name": "web", "controller": true}]},
                "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "reg:5000/shop/web:0-old"}]}}}}),
            pod(
                "web-1-a",
                "shop",
                Some(("ReplicaSet", "rs")),
                template["spec"].clone(),
                json!({
                "containerStatuses": [{"name": "web", "imageID": format!("reg:5000/shop/web@{D1}")}],
                "initContainerStatuses": [{"name": "init", "imageID": D2}]}),
            ),
            // Another tag of the same digest, in a bare pod with an ephemeral debug container.
            pod(
                "tool",
                "ops",
                None,
                json!({
                "containers": [{"name": "t", "image": "reg:5000/shop/web:latest"}],
                "ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}]}),
                json!({"containerStatuses": [{"name": "t", "imageID": format!("docker-pullable://reg:5000/shop/web@{D1}")}]}),
            ),
            // A CronJob that has not run yet: its template only.
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "backup", "namespace": "ops", "uid": "cj"},
                "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                    "containers": [{"name": "b", "image": "reg:5000/tools/backup:2"}]}}}}}}),
            pod(
                "kube-apiserver-cp1",
                "kube-system",
                Some(("Node", "n1")),
                json!({
                "containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.31.2"}]}),
                json!({}),
            ),
        ];
        let found = discover(&objects);
        let pulls: Vec<&str> = found.iter().map(|i| i.pull.as_str()).collect();
        assert_eq!(
            pulls,
            [
                "busybox:1.36",
                &format!("reg:5000/shop/web@{D1}"),
                "reg:5000/tools/backup:2",
                "registry.k8s.io/kube-apiserver:v1.31.2",
            ],
            "the old ReplicaSet's image is not run by anything"
        );
        let web = &found[1];
        assert_eq!(
            web.names,
            ["reg:5000/shop/web:1", "reg:5000/shop/web:latest"]
        );
        let users: Vec<String> = web
            .uses
            .iter()
            .map(|u| format!("{}:{}", u.workload, u.container))
            .collect();
        assert_eq!(users, ["Deployment shop/web:web", "Pod ops/tool:t"]);
        let secrets: Vec<String> = web.pull_secrets.iter().map(ToString::to_string).collect();
        assert_eq!(secrets, ["shop/regcred", "shop/sa-cred"]);
        // A local image id: pulled by tag, still attributed to both users.
        let busybox = &found[0];
        assert_eq!(busybox.digest, None);
        assert_eq!(busybox.uses.len(), 2);
        assert_eq!(found[2].uses[0].workload.kind, "CronJob");
        assert_eq!(found[3].core, Some(CoreRole::ControlPlane));
        assert_eq!(web.core, None);
    }
}
