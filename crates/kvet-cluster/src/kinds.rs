/// One kind the checks need, with where the API serves it.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// Collect metadata only (Secrets: their values are never fetched).
    pub metadata_only: bool,
}

const fn k(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> KindSpec {
    KindSpec {
        group,
        version,
        kind,
        plural,
        namespaced,
        metadata_only: false,
    }
}

impl KindSpec {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Every kind a scan lists. Pods include the control plane's static (mirror) pods in
/// kube-system, which the control-plane checks read.
pub static KINDS: &[KindSpec] = &[
    k("", "v1", "Namespace", "namespaces", false),
    k("", "v1", "Node", "nodes", false),
    k("", "v1", "Pod", "pods", true),
    k("apps", "v1", "Deployment", "deployments", true),
    k("apps", "v1", "StatefulSet", "statefulsets", true),
    k("apps", "v1", "DaemonSet", "daemonsets", true),
    k("apps", "v1", "ReplicaSet", "replicasets", true),
    k("batch", "v1", "Job", "jobs", true),
    k("batch", "v1", "CronJob", "cronjobs", true),
    k(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    ),
    k("", "v1", "Service", "services", true),
    k("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    k(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    k(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    k("", "v1", "ServiceAccount", "serviceaccounts", true),
    k("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    k("", "v1", "ConfigMap", "configmaps", true),
    KindSpec {
        metadata_only: true,
        ..k("", "v1", "Secret", "secrets", true)
    },
    k(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    k(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
];
