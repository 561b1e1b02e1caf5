//! Serves a generated cluster on 127.0.0.1 with the tests' fake API server, for
//! bench/cluster_bench.sh: `fake_cluster KUBECONFIG_OUT [pods] [workloads] [rbac]` writes a
//! kubeconfig pointing at it and serves until killed.

#[path = "../tests/common/mod.rs"]
mod fake;

use serde_json::{json, Value};

fn generate(pods: usize, workloads: usize, rbac: usize) -> Vec<Value> {
    let namespaces = 50;
    let mut out: Vec<Value> = (0..namespaces)
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("team-{n}"), "uid": format!("ns-{n}"), "resourceVersion": "1"}}))
        .collect();
    let template = |app: &str| {
        json!({
            "metadata": {"labels": {"app": app}},
            "spec": {"serviceAccountName": "default", "containers": [{"name": "app", "image": format!("registry.example.com/{app}:1.0"),
                "ports": [{"containerPort": 8080}], "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}}]}
        })
    };
    for w in 0..workloads {
        let ns = format!("team-{}", w % namespaces);
        let app = format!("app-{w}");
        out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": ns, "uid": format!("d-{w}"), "resourceVersion": "10"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": app}}, "template": template(&app)}}));
        out.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{app}-5d8f"), "namespace": ns, "uid": format!("rs-{w}"), "resourceVersion": "11",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": format!("d-{w}"), "controller": true}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": app}}, "template": template(&app)}}));
    }
    for p in 0..pods {
        let w = p % workloads.max(1);
        let ns = format!("team-{}", w % namespaces);
        let app = format!("app-{w}");
        let mut pod = template(&app);
        pod["apiVersion"] = json!("v1");
        pod["kind"] = json!("Pod");
        pod["metadata"] = json!({"name": format!("{app}-5d8f-{p}"), "namespace": ns, "uid": format!("p-{p}"),
            "labels": {"app": app}, "resourceVersion": "12",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-5d8f"), "uid": format!("rs-{w}"), "controller": true}]});
        pod["status"] = json!({"phase": "Running", "podIP": "10.244.1.1"});
        out.push(pod);
    }
    for r in 0..rbac / 4 {
        let ns = format!("team-{}", r % namespaces);
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": format!("role-{r}"), "namespace": ns, "uid": format!("r-{r}")},
            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
                      {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]}));
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": format!("rb-{r}"), "namespace": ns, "uid": format!("rb-{r}")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("role-{r}")},
            "subjects": [{"kind": "User", "name": format!("user-{r}@example.com"), "apiGroup": "rbac.authorization.k8s.io"}]}));
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("cr-{r}"), "uid": format!("cr-{r}")},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}]}));
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("crb-{r}"), "uid": format!("crb-{r}")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cr-{r}")},
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": ns}]}));
    }
    out
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(kc) = args.get(1) else {
        eprintln!("usage: fake_cluster KUBECONFIG_OUT [pods] [workloads] [rbac]");
        std::process::exit(2);
    };
    let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let objects = generate(n(2, 5000), n(3, 1500), n(4, 2000));
    let count = objects.len();
    let api = fake::FakeApi::start(objects).await;
    std::fs::write(kc, fake::kubeconfig(&[("bench", &api.url())], "bench"))
        .expect("write kubeconfig");
    eprintln!("fake_cluster: {count} objects at {}", api.url());
    std::future::pending::<()>().await;
}
