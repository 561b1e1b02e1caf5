//! Who is granted what.

use crate::check::{Check, Eval, Outcome, Violation};
use crate::checks::cis;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

const ANONYMOUS: [&str; 2] = ["system:anonymous", "system:unauthenticated"];

pub static ANONYMOUS_USER_RBAC_BINDING: Check = Check {
    meta: CheckMeta {
        id: "anonymousUserRBACBinding",
        title: "Role bound to anonymous or unauthenticated users",
        category: Category::AccessControl,
        severity: Severity::Critical,
        enabled: true,
        description: "A RoleBinding or ClusterRoleBinding whose subject is the user \
            system:anonymous or the group system:unauthenticated grants its role to anyone who \
            can reach the API server, without credentials. The default binding of \
            system:public-info-viewer (health and version endpoints) is not reported.",
        remediation: "Remove the system:anonymous / system:unauthenticated subject from \
            `subjects[]`, bind the role to authenticated identities, and run the API server \
            with `--anonymous-auth=false` where possible.",
        example: "subjects:\n- kind: Group\n  name: payments-operators      # not system:unauthenticated\n  apiGroup: rbac.authorization.k8s.io\n",
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        controls: &[cis("5.1.1")],
        references: &["https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if !matches!(obj.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            return Outcome::NotApplicable;
        }
        let role = obj.root.path(&["roleRef", "name"]).and_then(Node::as_str).unwrap_or("?");
        let role_kind = obj.root.path(&["roleRef", "kind"]).and_then(Node::as_str).unwrap_or("Role");
        if role == "system:public-info-viewer" && obj.name == "system:public-info-viewer" {
            return Outcome::Pass;
        }
        let violations = obj
            .root
            .get("subjects")
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(|s| {
                let name = s.get("name")?;
                let n = name.as_str()?;
                ANONYMOUS.contains(&n).then(|| {
                    Violation::at(name.line, format!("{role_kind} '{role}' is bound to {n}")).keyed(n)
                })
            })
            .collect();
        Outcome::from_violations(violations)
    }),
};
