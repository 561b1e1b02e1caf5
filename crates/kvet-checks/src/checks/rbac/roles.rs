//! Roles and ClusterRoles that grant powerful permissions, whoever they are bound to.
//! Kubernetes' own defaults (`system:` roles, cluster-admin, admin, edit, view) are left alone:
//! they are powerful by design and reported when bound (see `bindings`).

use super::grants::{is_default_role, rules_of, Rule};
use crate::check::{Check, Ctx, Eval, Outcome, Violation};
use crate::checks::{cis, nsa};
use kvet_core::{Category, CheckMeta, Severity};

const ROLES: &[&str] = &["Role", "ClusterRole"];

/// Judges every rule of a role of the given kinds with `grants`, which describes what a
/// rule hands out (or `None`).
fn judge_rules(ctx: &Ctx<'_>, kinds: &[&str], grants: fn(&Rule) -> Option<String>) -> Outcome {
    let obj = ctx.obj;
    if !kinds.contains(&obj.kind.as_str()) || is_default_role(&obj.name) {
        return Outcome::NotApplicable;
    }
    let violations = rules_of(&obj.root)
        .iter()
        .filter_map(|r| {
            grants(r).map(|what| {
                Violation::at(
                    r.line,
                    format!("{} '{}' {what} ({})", obj.kind, obj.name, r.describe()),
                )
                .keyed(r.index.to_string())
            })
        })
        .collect();
    Outcome::from_violations(violations)
}

fn exec_attach(r: &Rule) -> Option<String> {
    r.exec_attach()
        .then(|| "allows running commands in pods (pods/exec, pods/attach)".to_string())
}

const EXEC_DESCRIPTION: &str = "pods/exec and pods/attach open a shell in running \
    containers: whoever holds them reads the containers' secrets and tokens and acts as the \
    workload. `create` and `get` both open the stream (get over a WebSocket), and `*` in \
    resources or verbs includes them. Kubernetes' default roles (admin, edit, cluster-admin, \
    system:*) are not reported here.";
const EXEC_REMEDIATION: &str = "Remove pods/exec and pods/attach from the rule (and avoid `*` \
    in resources and verbs); give interactive access through a separate break-glass role \
    bound only while it is needed.";
const EXEC_EXAMPLE: &str = "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\"]   # no pods/exec, pods/attach\n  verbs: [\"get\", \"list\", \"watch\"]\n";
const RBAC_GOOD_PRACTICES: &str =
    "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";

pub static CLUSTERROLE_POD_EXEC_ATTACH: Check = Check {
    meta: CheckMeta {
        id: "clusterrolePodExecAttach",
        title: "ClusterRole allows exec or attach into pods",
        category: Category::AccessControl,
        severity: Severity::Medium,
        enabled: true,
        description: EXEC_DESCRIPTION,
        remediation: EXEC_REMEDIATION,
        example: EXEC_EXAMPLE,
        kinds: &["ClusterRole"],
        controls: &[cis("5.1.3"), nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Object(|ctx| judge_rules(ctx, &["ClusterRole"], exec_attach)),
};

pub static ROLE_POD_EXEC_ATTACH: Check = Check {
    meta: CheckMeta {
        id: "rolePodExecAttach",
        title: "Role allows exec or attach into pods",
        category: Category::AccessControl,
        severity: Severity::Medium,
        enabled: true,
        description: EXEC_DESCRIPTION,
        remediation: EXEC_REMEDIATION,
        example: EXEC_EXAMPLE,
        kinds: &["Role"],
        controls: &[cis("5.1.3"), nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Object(|ctx| judge_rules(ctx, &["Role"], exec_attach)),
};

pub static RBAC_WILDCARD_PERMISSIONS: Check = Check {
    meta: CheckMeta {
        id: "rbacWildcardPermissions",
        title: "Role uses wildcards in verbs or resources",
        category: Category::AccessControl,
        severity: Severity::Medium,
        enabled: true,
        description: "`*` in a rule's verbs or resources grants everything that exists today \
            and everything added later (new resources, CRDs, subresources such as pods/exec): \
            least privilege cannot be reviewed. Kubernetes' default roles are not reported.",
        remediation: "List the verbs and resources the subject needs explicitly.",
        example: "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]       # not \"*\"\n  verbs: [\"get\", \"list\", \"patch\"]  # not \"*\"\n",
        kinds: ROLES,
        controls: &[cis("5.1.3"), nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Object(|ctx| {
        judge_rules(ctx, ROLES, |r| r.wildcard().map(|w| format!("grants '*' {w}")))
    }),
};

pub static RBAC_ESCALATION_VERBS: Check = Check {
    meta: CheckMeta {
        id: "rbacEscalationVerbs",
        title: "Role grants escalate, bind or impersonate",
        category: Category::AccessControl,
        severity: Severity::High,
        enabled: true,
        description: "RBAC stops users from granting permissions they do not hold, except for \
            those with `escalate` (edit roles beyond their own rights) or `bind` (bind any \
            role) on roles and clusterroles, or `impersonate` on users, groups or service \
            accounts (act as anyone, cluster-admin included). Each is a path to full control.",
        remediation: "Remove escalate, bind and impersonate (and `*` verbs on RBAC and identity \
            resources); if a controller needs bind, limit it with `resourceNames` to the roles \
            it hands out.",
        example: "rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"rolebindings\"]\n  verbs: [\"create\", \"delete\"]     # no bind/escalate\n",
        kinds: ROLES,
        controls: &[cis("5.1.8"), nsa("rbac")],
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping",
        ],
    },
    eval: Eval::Object(|ctx| {
        judge_rules(ctx, ROLES, |r| r.escalation().map(|v| format!("grants '{v}'")))
    }),
};

pub static RBAC_NODES_PROXY: Check = Check {
    meta: CheckMeta {
        id: "rbacNodesProxy",
        title: "Role grants access to nodes/proxy",
        category: Category::AccessControl,
        severity: Severity::High,
        enabled: true,
        description: "nodes/proxy reaches the kubelet API of every node through the API server: \
            exec into any pod, read logs and environment, with requests that audit logs record \
            as a proxy call rather than an exec. Kubernetes' default roles are not reported.",
        remediation: "Remove nodes/proxy; monitoring agents need only `nodes/metrics` and \
            `nodes/stats` (get).",
        example: "rules:\n- apiGroups: [\"\"]\n  resources: [\"nodes/metrics\", \"nodes/stats\"]   # not nodes/proxy\n  verbs: [\"get\"]\n",
        kinds: ROLES,
        controls: &[nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Object(|ctx| {
        judge_rules(ctx, ROLES, |r| {
            r.nodes_proxy().then(|| "grants the kubelet API (nodes/proxy)".to_string())
        })
    }),
};

pub static RBAC_SERVICE_ACCOUNT_TOKEN_CREATE: Check = Check {
    meta: CheckMeta {
        id: "rbacServiceAccountTokenCreate",
        title: "Role can mint service account tokens",
        category: Category::AccessControl,
        severity: Severity::Medium,
        enabled: true,
        description: "`create` on serviceaccounts/token issues tokens for any service account \
            in scope (cluster-wide for a ClusterRole bound by a ClusterRoleBinding): the holder \
            acts with the permissions of the most powerful of them. Kubernetes' default roles \
            are not reported.",
        remediation: "Remove serviceaccounts/token; if a component must request tokens, \
            restrict the rule with `resourceNames` to the accounts it serves.",
        example: "rules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts/token\"]\n  resourceNames: [\"deployer\"]\n  verbs: [\"create\"]\n",
        kinds: ROLES,
        controls: &[nsa("rbac")],
        references: &[RBAC_GOOD_PRACTICES],
    },
    eval: Eval::Object(|ctx| {
        judge_rules(ctx, ROLES, |r| {
            (r.token_create() && r.resource_names.is_empty())
                .then(|| "creates tokens for service accounts (serviceaccounts/token)".to_string())
        })
    }),
};
