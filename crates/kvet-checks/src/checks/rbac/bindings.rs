//! Bindings that hand powerful roles to people and workloads. A binding is judged by what its
//! role grants, looked up among the scanned roles (and Kubernetes' default ClusterRoles); a
//! binding to a role kvet has not seen is not judged. Subjects that are part of Kubernetes
//! itself (system:masters, `system:` users and groups, kube-system service accounts) are
//! expected to hold such roles and are not reported, nor are Kubernetes' own bindings (named
//! `system:…` or `cluster-admin`).

use super::grants::{is_default_binding, is_system_subject, Grants};
use crate::check::{Check, Ctx, Eval, Outcome, Pending, Violation};
use crate::checks::{cis, nsa};
use crate::index::SetIndex;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

/// The subjects of a binding that are not Kubernetes components, as `Kind name` text.
fn outside_subjects(ctx: &Ctx<'_>) -> Vec<String> {
    let obj = ctx.obj;
    obj.root
        .get("subjects")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(|s| {
            let kind = s.get("kind").and_then(Node::as_str).unwrap_or("?");
            let name = s.get("name").and_then(Node::as_str)?;
            let ns = s
                .get("namespace")
                .and_then(Node::as_str)
                .or(obj.namespace.as_deref());
            if is_system_subject(kind, name, ns) {
                return None;
            }
            Some(match (kind, ns) {
                ("ServiceAccount", Some(ns)) => format!("ServiceAccount {ns}/{name}"),
                _ => format!("{kind} {name}"),
            })
        })
        .collect()
}

/// A binding of `kind` whose roleRef is of `role_kind`, as a pending judgement: `reference`
/// is the role, `detail` the outside subjects (empty: nobody to report).
fn extract(ctx: &Ctx<'_>, kind: &str, role_kind: &str) -> Option<Pending> {
    let obj = ctx.obj;
    if obj.kind != kind {
        return None;
    }
    let role_ref = obj.root.get("roleRef")?;
    if role_ref.get("kind").and_then(Node::as_str) != Some(role_kind) {
        return None;
    }
    let name = role_ref.get("name").and_then(Node::as_str)?;
    Some(Pending {
        namespace: obj.namespace.clone(),
        line: role_ref.line,
        reference: name.to_string(),
        // Kubernetes' own bindings: nobody to report.
        detail: if is_default_binding(&obj.name) {
            String::new()
        } else {
            outside_subjects(ctx).join(", ")
        },
        setting: Some(role_kind == "ClusterRole"),
        ..Default::default()
    })
}

/// Fails when the referenced role grants what `power` picks; `what` completes "grants …".
fn judge(
    p: &Pending,
    index: &SetIndex,
    power: fn(&Grants) -> Option<&String>,
    skip_admin: bool,
    what: &str,
) -> Outcome {
    let cluster = p.setting == Some(true);
    let Some(grants) = index.grants(cluster, p.namespace.as_deref(), &p.reference) else {
        return Outcome::NotApplicable;
    };
    if p.detail.is_empty() || (skip_admin && grants.cluster_admin.is_some()) {
        return Outcome::Pass;
    }
    match power(&grants) {
        None => Outcome::Pass,
        Some(rule) => {
            let kind = if cluster { "ClusterRole" } else { "Role" };
            Outcome::Fail(vec![Violation::at(
                p.line,
                format!(
                    "binds {kind} '{}' to {}: it {what} ({rule})",
                    p.reference, p.detail
                ),
            )])
        }
    }
}

const EXEC: &str = "allows exec/attach into pods";
const ADMIN: &str = "grants every verb on every resource";
const EXEC_REMEDIATION: &str = "Bind a role without pods/exec and pods/attach, or bind the \
    exec-capable role only for the time it is needed (break-glass).";
const ADMIN_REMEDIATION: &str = "Bind a role with the permissions the subject needs; keep \
    cluster-admin for system:masters and emergency accounts.";
const BINDING_EXAMPLE: &str = "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view            # not cluster-admin / edit\nsubjects:\n- kind: Group\n  name: payments-devs\n  apiGroup: rbac.authorization.k8s.io\n";
const RBAC_GOOD_PRACTICES: &str =
    "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";

macro_rules! binding_check {
    ($name:ident, $id:literal, $title:literal, $sev:ident, $kind:literal, $role_kind:literal,
     $power:ident, $skip_admin:literal, $what:expr, $desc:expr, $rem:expr, $controls:expr) => {
        pub static $name: Check = Check {
            meta: CheckMeta {
                id: $id,
                title: $title,
                category: Category::AccessControl,
                severity: Severity::$sev,
                enabled: true,
                description: $desc,
                remediation: $rem,
                example: BINDING_EXAMPLE,
                kinds: &[$kind],
                controls: $controls,
                references: &[RBAC_GOOD_PRACTICES],
            },
            eval: Eval::Set {
                extract: |ctx| extract(ctx, $kind, $role_kind),
                judge: |p, index| judge(p, index, |g| g.$power.as_ref(), $skip_admin, $what),
            },
        };
    };
}

binding_check!(
    CLUSTERROLEBINDING_POD_EXEC_ATTACH,
    "clusterrolebindingPodExecAttach",
    "ClusterRoleBinding grants exec or attach into pods",
    High,
    "ClusterRoleBinding",
    "ClusterRole",
    exec_attach,
    false,
    EXEC,
    "The binding gives its subjects a ClusterRole that allows pods/exec or pods/attach in \
     every namespace: a shell in any container, with its secrets and service account. \
     Bindings whose subjects are all Kubernetes components are not reported.",
    EXEC_REMEDIATION,
    &[cis("5.1.3"), nsa("rbac")]
);
binding_check!(
    ROLEBINDING_CLUSTER_ROLE_POD_EXEC_ATTACH,
    "rolebindingClusterRolePodExecAttach",
    "RoleBinding grants a ClusterRole allowing exec or attach",
    High,
    "RoleBinding",
    "ClusterRole",
    exec_attach,
    false,
    EXEC,
    "The binding gives its subjects, in its namespace, a ClusterRole (such as edit or admin) \
     that allows pods/exec or pods/attach: a shell in any container of the namespace.",
    EXEC_REMEDIATION,
    &[cis("5.1.3"), nsa("rbac")]
);
binding_check!(
    ROLEBINDING_ROLE_POD_EXEC_ATTACH,
    "rolebindingRolePodExecAttach",
    "RoleBinding grants a Role allowing exec or attach",
    High,
    "RoleBinding",
    "Role",
    exec_attach,
    false,
    EXEC,
    "The binding gives its subjects a Role that allows pods/exec or pods/attach: a shell in \
     any container of the namespace.",
    EXEC_REMEDIATION,
    &[cis("5.1.3"), nsa("rbac")]
);
binding_check!(
    CLUSTERROLEBINDING_CLUSTER_ADMIN,
    "clusterrolebindingClusterAdmin",
    "ClusterRoleBinding grants cluster-admin",
    Critical,
    "ClusterRoleBinding",
    "ClusterRole",
    cluster_admin,
    false,
    ADMIN,
    "The binding gives cluster-admin (or a ClusterRole with `*` on `*`) to a subject other \
     than system:masters and Kubernetes' own components: full control of the cluster, every \
     Secret included, for whoever holds that identity.",
    ADMIN_REMEDIATION,
    &[cis("5.1.1"), nsa("rbac")]
);
binding_check!(
    ROLEBINDING_CLUSTER_ADMIN_CLUSTER_ROLE,
    "rolebindingClusterAdminClusterRole",
    "RoleBinding grants cluster-admin in a namespace",
    High,
    "RoleBinding",
    "ClusterRole",
    cluster_admin,
    false,
    ADMIN,
    "The binding gives cluster-admin (or a ClusterRole with `*` on `*`) within its namespace: \
     every Secret, every workload and the namespace's RBAC itself.",
    ADMIN_REMEDIATION,
    &[cis("5.1.1"), nsa("rbac")]
);
binding_check!(
    ROLEBINDING_CLUSTER_ADMIN_ROLE,
    "rolebindingClusterAdminRole",
    "RoleBinding grants a Role with wildcard permissions",
    High,
    "RoleBinding",
    "Role",
    cluster_admin,
    false,
    ADMIN,
    "The binding gives a Role with `*` on `*` within its namespace: every Secret, every \
     workload and the namespace's RBAC itself.",
    ADMIN_REMEDIATION,
    &[cis("5.1.1"), nsa("rbac")]
);
binding_check!(
    CLUSTERROLEBINDING_SECRETS_READ,
    "clusterrolebindingSecretsRead",
    "ClusterRoleBinding grants reading Secrets cluster-wide",
    High,
    "ClusterRoleBinding",
    "ClusterRole",
    secrets_read,
    true,
    "reads every Secret of the cluster",
    "get, list or watch on secrets through a ClusterRoleBinding reads every Secret of every \
     namespace — service account tokens of kube-system included (list and watch return the \
     values too). Roles with `*` on `*` are reported by clusterrolebindingClusterAdmin instead.",
    "Grant Secret access per namespace with a RoleBinding, restricted by `resourceNames` to \
     the Secrets the subject needs.",
    &[cis("5.1.2"), nsa("rbac")]
);

/// Creating workloads in kube-system: through a ClusterRoleBinding (every namespace) or a
/// RoleBinding in kube-system. Not a macro instance: two binding kinds feed one check.
pub static WORKLOAD_CREATE_IN_KUBE_SYSTEM: Check = Check {
    meta: CheckMeta {
        id: "workloadCreateInKubeSystem",
        title: "Subject can create workloads in kube-system",
        category: Category::AccessControl,
        severity: Severity::High,
        enabled: true,
        description: "Whoever can create pods (or Deployments, DaemonSets, Jobs …) in \
            kube-system can run them with kube-system's service accounts, which hold \
            controller-level permissions, and schedule them on control-plane nodes. \
            ClusterRoleBindings count (they cover kube-system), and RoleBindings in \
            kube-system. Roles with `*` on `*` are reported by the cluster-admin checks instead.",
        remediation: "Remove create on pods and workload controllers from the role, or bind it \
            with RoleBindings in the application namespaces only.",
        example: BINDING_EXAMPLE,
        kinds: &["ClusterRoleBinding", "RoleBinding"],
        controls: &[cis("5.1.4"), nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Set {
        extract: |ctx| {
            let obj = ctx.obj;
            match obj.kind.as_str() {
                "ClusterRoleBinding" => extract(ctx, "ClusterRoleBinding", "ClusterRole"),
                "RoleBinding" if obj.namespace.as_deref() == Some("kube-system") => {
                    extract(ctx, "RoleBinding", "ClusterRole")
                        .or_else(|| extract(ctx, "RoleBinding", "Role"))
                }
                _ => None,
            }
        },
        judge: |p, index| {
            judge(
                p,
                index,
                |g| g.creates_workloads.as_ref(),
                true,
                "creates pods or workloads in kube-system",
            )
        },
    },
};

pub static DEFAULT_SERVICE_ACCOUNT_BOUND: Check = Check {
    meta: CheckMeta {
        id: "defaultServiceAccountBound",
        title: "A namespace's default service account is bound to a role",
        category: Category::AccessControl,
        severity: Severity::Medium,
        enabled: true,
        description: "Every pod that names no service account runs as its namespace's \
            `default` account. A role bound to it is handed to all of them, including pods \
            added later by anyone who can create pods there.",
        remediation: "Create a dedicated ServiceAccount for the workload that needs the role, \
            bind the role to it and set `serviceAccountName` in that workload only.",
        example: "subjects:\n- kind: ServiceAccount\n  name: report-generator     # not default\n  namespace: payments\n",
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        controls: &[cis("5.1.5")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts",
        ],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if !matches!(obj.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            return Outcome::NotApplicable;
        }
        let role = obj
            .root
            .path(&["roleRef", "name"])
            .and_then(Node::as_str)
            .unwrap_or("?");
        let violations = obj
            .root
            .get("subjects")
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter(|s| {
                s.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Node::as_str) == Some("default")
            })
            .map(|s| {
                let ns = s
                    .get("namespace")
                    .and_then(Node::as_str)
                    .or(obj.namespace.as_deref())
                    .unwrap_or("its namespace");
                Violation::at(
                    s.line,
                    format!("binds '{role}' to the default service account of {ns}"),
                )
                .keyed(ns)
            })
            .collect();
        Outcome::from_violations(violations)
    }),
};
