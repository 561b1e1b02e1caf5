//! How a workload sits in the cluster: the API credentials it carries and the namespace it
//! lands in.

use super::{cis, nsa, WORKLOADS};
use crate::check::{Check, Eval, Outcome, Pending, Violation};
use kvet_core::{Category, CheckMeta, Severity};

pub static AUTOMOUNT_SERVICE_ACCOUNT_TOKEN: Check = Check {
    meta: CheckMeta {
        id: "automountServiceAccountToken",
        title: "Service account token is mounted automatically",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "Unless the pod sets `automountServiceAccountToken: false`, Kubernetes \
            mounts a token of its service account into every container: whoever compromises \
            the process can call the API server with the account's permissions. Most \
            applications never talk to the API. Only the pod spec is judged: a ServiceAccount \
            with `automountServiceAccountToken: false` is not taken into account.",
        remediation: "Set `automountServiceAccountToken: false` in the pod spec; pods that do \
            call the API can mount a short-lived, audience-bound token through a `projected` \
            `serviceAccountToken` volume instead.",
        example: "spec:\n  automountServiceAccountToken: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.1.6"), nsa("service-account-tokens")],
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        ],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        match pod.get("automountServiceAccountToken") {
            Some(n) if n.as_bool() == Some(false) => Outcome::Pass,
            Some(n) if n.is_true() => Outcome::Fail(vec![Violation::at(
                n.line,
                "the pod sets automountServiceAccountToken: true: every container gets an API token",
            )]),
            _ => Outcome::Fail(vec![Violation::at(
                pod.spec.line,
                "the pod does not set automountServiceAccountToken: false: every container gets \
                 an API token",
            )]),
        }
    }),
};

pub static DEFAULT_NAMESPACE_USED: Check = Check {
    meta: CheckMeta {
        id: "defaultNamespaceUsed",
        title: "Object is placed in the default namespace",
        category: Category::Security,
        severity: Severity::Low,
        enabled: true,
        description: "The default namespace is where everything without a home ends up: \
            RBAC grants, NetworkPolicies, quotas and Pod Security admission levels meant for \
            one application apply to all of them, and it cannot be deleted to clean up. Only \
            an explicit `metadata.namespace: default` is reported: objects without a namespace \
            land wherever they are applied.",
        remediation: "Create a namespace per application or team and set `metadata.namespace` \
            to it (or remove it and apply with `kubectl -n <namespace>`/kustomize \
            `namespace:`).",
        example: "metadata:\n  name: web\n  namespace: shop\n",
        kinds: &["any namespaced kind"],
        controls: &[cis("5.7.4")],
        references: &[
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
        ],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if obj.is_cluster_scoped() {
            return Outcome::NotApplicable;
        }
        match obj.namespace.as_deref() {
            Some("default") => {
                let line = obj
                    .root
                    .path(&["metadata", "namespace"])
                    .map_or(obj.line, |n| n.line);
                Outcome::Fail(vec![Violation::at(
                    line,
                    format!(
                        "{} '{}' is placed in the default namespace",
                        obj.kind, obj.name
                    ),
                )])
            }
            Some(_) => Outcome::Pass,
            None => Outcome::NotApplicable,
        }
    }),
};

pub static SERVICE_ACCOUNT_TOKEN_WITH_PERMISSIONS: Check = Check {
    meta: CheckMeta {
        id: "serviceAccountTokenWithPermissions",
        title: "Pod carries a token of a service account that holds permissions",
        category: Category::Secrets,
        severity: Severity::Medium,
        enabled: true,
        description: "The pod's service account is bound to a role in the scanned set, and its \
            token is mounted automatically (neither the pod nor the ServiceAccount sets \
            `automountServiceAccountToken: false`): whoever takes over any container of the pod \
            inherits those permissions. Pods whose account has no binding in the scan are \
            reported by automountServiceAccountToken only.",
        remediation: "If the application calls the API, keep the token but trim the role to what \
            it calls; otherwise set `automountServiceAccountToken: false` on the pod (or the \
            ServiceAccount).",
        example: "spec:\n  serviceAccountName: report-generator\n  automountServiceAccountToken: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.1.6"), nsa("service-account-tokens")],
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        ],
    },
    eval: Eval::Set {
        extract: |ctx| {
            let pod = ctx.pod?;
            let account = pod
                .get("serviceAccountName")
                .or_else(|| pod.get("serviceAccount"))
                .and_then(kvet_k8s::Node::as_str)
                .unwrap_or("default");
            Some(Pending {
                namespace: ctx.obj.namespace.clone(),
                line: pod.spec.line,
                reference: account.to_string(),
                setting: pod
                    .get("automountServiceAccountToken")
                    .and_then(kvet_k8s::Node::as_bool),
                ..Default::default()
            })
        },
        judge: |p, index| {
            let key = (p.namespace.clone(), p.reference.clone());
            let Some(binding) = index.bound_service_accounts.get(&key) else {
                return Outcome::NotApplicable;
            };
            let mounted = match p.setting {
                Some(explicit) => explicit,
                None => !index.no_automount_accounts.contains(&key),
            };
            if !mounted {
                return Outcome::Pass;
            }
            Outcome::Fail(vec![Violation::at(
                p.line,
                format!(
                    "the pod mounts the token of service account '{}', bound by {binding}",
                    p.reference
                ),
            )])
        },
    },
};
