//! The catalogue. Each module holds the checks of one topic; each check is a `static`
//! [`Check`]: its metadata and a pure function, readable on one screen.

use crate::check::Check;
use kvet_core::Control;

mod availability;
mod confinement;
mod control_plane;
mod host;
mod host_paths;
mod images;
mod network;
mod node_escape;
mod privileges;
mod probes;
pub(crate) mod rbac;
mod resources;
mod secrets;
mod security_context;
mod tenancy;

pub use secrets::credential_name;

/// Every check kvet knows, in catalogue order.
static ALL: &[&Check] = &[
    &host::HOST_NETWORK_SET,
    &host::HOST_IPC_SET,
    &host::HOST_PID_SET,
    &host::HOST_PORT_SET,
    &security_context::RUN_AS_ROOT_ALLOWED,
    &security_context::RUN_AS_PRIVILEGED,
    &security_context::PRIVILEGE_ESCALATION_ALLOWED,
    &security_context::CAPABILITIES_ADDED,
    &security_context::NOT_READ_ONLY_ROOT_FILE_SYSTEM,
    &resources::CPU_REQUESTS_MISSING,
    &resources::CPU_LIMITS_MISSING,
    &resources::MEMORY_REQUESTS_MISSING,
    &resources::MEMORY_LIMITS_MISSING,
    &probes::READINESS_PROBE_MISSING,
    &probes::LIVENESS_PROBE_MISSING,
    &images::TAG_NOT_SPECIFIED,
    &rbac::ANONYMOUS_USER_RBAC_BINDING,
    // Host access.
    &host_paths::HOST_PATH_SET,
    &host_paths::SENSITIVE_HOST_PATH_MOUNTED,
    &confinement::HOST_PROCESS,
    // Process privileges and kernel confinement.
    &privileges::RUN_AS_GROUP_ROOT,
    &privileges::INSECURE_CAPABILITIES,
    &privileges::PRIVILEGED_PORTS_USED,
    &confinement::PROC_MOUNT,
    &confinement::UNSAFE_SYSCTLS,
    &confinement::SECCOMP_PROFILE_MISSING,
    &confinement::SECCOMP_UNCONFINED,
    &confinement::APP_ARMOR_UNCONFINED,
    &confinement::SE_LINUX_CUSTOM_OPTIONS,
    &confinement::LINUX_HARDENING,
    // Probes.
    &probes::PROBES_IDENTICAL,
    &probes::PROBE_PORT_NOT_EXPOSED,
    // Images.
    &images::LATEST_TAG_USED,
    &images::PULL_POLICY_NOT_ALWAYS,
    // API credentials and namespaces.
    &tenancy::AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
    &tenancy::DEFAULT_NAMESPACE_USED,
    // Credentials in manifests.
    &secrets::SENSITIVE_CONTAINER_ENV_VAR,
    &secrets::SENSITIVE_CONFIGMAP_CONTENT,
    // Availability.
    &availability::DEPLOYMENT_MISSING_REPLICAS,
    &availability::MISSING_POD_DISRUPTION_BUDGET,
    &availability::TOPOLOGY_SPREAD_CONSTRAINT,
    &availability::PRIORITY_CLASS_NOT_SET,
    &availability::NAKED_POD,
    // Access control: roles.
    &rbac::CLUSTERROLE_POD_EXEC_ATTACH,
    &rbac::ROLE_POD_EXEC_ATTACH,
    &rbac::RBAC_WILDCARD_PERMISSIONS,
    &rbac::RBAC_ESCALATION_VERBS,
    &rbac::RBAC_NODES_PROXY,
    &rbac::RBAC_SERVICE_ACCOUNT_TOKEN_CREATE,
    // Access control: bindings.
    &rbac::CLUSTERROLEBINDING_CLUSTER_ADMIN,
    &rbac::ROLEBINDING_CLUSTER_ADMIN_CLUSTER_ROLE,
    &rbac::ROLEBINDING_CLUSTER_ADMIN_ROLE,
    &rbac::CLUSTERROLEBINDING_POD_EXEC_ATTACH,
    &rbac::ROLEBINDING_CLUSTER_ROLE_POD_EXEC_ATTACH,
    &rbac::ROLEBINDING_ROLE_POD_EXEC_ATTACH,
    &rbac::CLUSTERROLEBINDING_SECRETS_READ,
    &rbac::WORKLOAD_CREATE_IN_KUBE_SYSTEM,
    &rbac::DEFAULT_SERVICE_ACCOUNT_BOUND,
    // Network.
    &network::MISSING_NETWORK_POLICY,
    &network::NAMESPACE_WITHOUT_NETWORK_POLICY,
    &network::NAMESPACE_DEFAULT_DENY_INGRESS_MISSING,
    &network::NAMESPACE_DEFAULT_DENY_EGRESS_MISSING,
    &network::SERVICE_NODE_PORT,
    &network::SERVICE_LOAD_BALANCER_OPEN,
    &network::TLS_SETTINGS_MISSING,
    // Control plane and etcd.
    &control_plane::APISERVER_ANONYMOUS_AUTH,
    &control_plane::APISERVER_ALWAYS_ALLOW_AUTHORIZATION,
    &control_plane::APISERVER_INSECURE_PORT,
    &control_plane::APISERVER_NODE_RESTRICTION_MISSING,
    &control_plane::APISERVER_ENCRYPTION_AT_REST_MISSING,
    &control_plane::APISERVER_AUDIT_LOG_MISSING,
    &control_plane::APISERVER_KUBELET_CERTIFICATE_AUTHORITY_MISSING,
    &control_plane::APISERVER_TLS_MISSING,
    &control_plane::CONTROL_PLANE_PROFILING_ENABLED,
    &control_plane::CONTROLLER_MANAGER_SERVICE_ACCOUNT_CREDENTIALS,
    &control_plane::CONTROL_PLANE_BIND_ADDRESS,
    &control_plane::ETCD_CLIENT_CERT_AUTH_DISABLED,
    &control_plane::ETCD_PEER_CLIENT_CERT_AUTH_DISABLED,
    &control_plane::ETCD_AUTO_TLS,
    &control_plane::ETCD_PEER_AUTO_TLS,
    &control_plane::ETCD_PLAIN_HTTP_CLIENT_URLS,
    // Node escape.
    &node_escape::CONTAINER_RUNTIME_SOCKET_MOUNTED,
    &node_escape::KUBELET_DIRECTORY_MOUNTED,
    &node_escape::SENSITIVE_HOST_PATH_WRITABLE,
    &node_escape::PRIVILEGED_HOST_PID,
    &node_escape::SYS_ADMIN_CAPABILITY_ADDED,
    // Secrets and tokens.
    &secrets::SECRET_EXPOSED_AS_ENV,
    &tenancy::SERVICE_ACCOUNT_TOKEN_WITH_PERMISSIONS,
];

pub fn all() -> &'static [&'static Check] {
    ALL
}

pub fn find(id: &str) -> Option<&'static Check> {
    ALL.iter().copied().find(|c| c.meta.id == id)
}

/// Shorthands for framework mappings.
pub(crate) const fn cis(id: &'static str) -> Control {
    Control {
        framework: "CIS Kubernetes 1.10",
        id,
    }
}
pub(crate) const fn pss(level: &'static str) -> Control {
    Control {
        framework: "Pod Security Standards",
        id: level,
    }
}
pub(crate) const fn nsa(id: &'static str) -> Control {
    Control {
        framework: "NSA/CISA Kubernetes Hardening",
        id,
    }
}

pub(crate) const WORKLOADS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "any object with spec.template.spec",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_well_formed() {
        let mut ids = HashSet::new();
        for c in all() {
            let m = &c.meta;
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.chars().next().unwrap().is_ascii_lowercase(),
                "{} is not lowerCamel",
                m.id
            );
            assert!(!m.title.is_empty() && !m.description.is_empty(), "{}", m.id);
            assert!(m.remediation.len() > 20, "{} remediation too short", m.id);
            assert!(!m.example.trim().is_empty(), "{} lacks an example", m.id);
            assert!(!m.kinds.is_empty(), "{}", m.id);
        }
    }
}
