//! What an RBAC rule grants, in the terms the checks ask about. Kept apart from the checks
//! because role-level checks judge rules directly while binding-level checks judge the rules
//! of the role a binding points at, found through the [`SetIndex`](crate::SetIndex).

use kvet_k8s::Node;

/// One entry of a Role's or ClusterRole's `rules[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub line: u32,
    /// 1-based position in `rules[]`, for messages.
    pub index: usize,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(Node::scalar_text)
        .collect()
}

/// The rules of a Role or ClusterRole object (`rules` at the root).
pub fn rules_of(root: &Node) -> Vec<Rule> {
    root.get("rules")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            line: r.line,
            index: i + 1,
            api_groups: strings(r.get("apiGroups")),
            resources: strings(r.get("resources")),
            verbs: strings(r.get("verbs")),
            resource_names: strings(r.get("resourceNames")),
            non_resource_urls: strings(r.get("nonResourceURLs")),
        })
        .collect()
}

impl Rule {
    fn has_verb(&self, verbs: &[&str]) -> bool {
        self.verbs
            .iter()
            .any(|v| v == "*" || verbs.contains(&v.as_str()))
    }

    fn has_group(&self, groups: &[&str]) -> bool {
        self.api_groups
            .iter()
            .any(|g| g == "*" || groups.contains(&g.as_str()))
    }

    /// Whether the rule covers `resource` (`pods`, `pods/exec`) the way the RBAC authorizer
    /// matches: `*` covers everything, `*/exec` a subresource of any resource.
    fn has_resource(&self, resource: &str) -> bool {
        let sub = resource.split_once('/').map(|(_, s)| s);
        self.resources.iter().any(|r| {
            r == "*" || r == resource || sub.is_some_and(|s| r.strip_prefix("*/") == Some(s))
        })
    }

    /// A short description of the rule for messages: `rule 2: create pods/exec`.
    pub fn describe(&self) -> String {
        let what = if self.resources.is_empty() {
            self.non_resource_urls.join(",")
        } else {
            self.resources.join(",")
        };
        format!("rule {}: {} {what}", self.index, self.verbs.join(","))
    }

    /// Running commands in containers: `create` (or `get`, which opens the same stream over a
    /// WebSocket) on pods/exec or pods/attach. The same test as Polaris's PodExecAttach checks.
    pub fn exec_attach(&self) -> bool {
        self.has_group(&[""])
            && (self.has_resource("pods/exec") || self.has_resource("pods/attach"))
            && self.has_verb(&["get", "create"])
    }

    /// Everything on everything: `*` groups and resources with `*` verbs or all seven
    /// read/write verbs — what Polaris calls a role "with wildcard permissions".
    pub fn cluster_admin_like(&self) -> bool {
        const ALL: [&str; 7] = [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ];
        self.api_groups.iter().any(|g| g == "*")
            && self.resources.iter().any(|r| r == "*")
            && (self.verbs.iter().any(|v| v == "*")
                || ALL.iter().all(|a| self.verbs.iter().any(|v| v == a)))
    }

    /// `*` in verbs or resources (or API groups, with resources).
    pub fn wildcard(&self) -> Option<&'static str> {
        if self.verbs.iter().any(|v| v == "*") {
            Some("verbs")
        } else if self.resources.iter().any(|r| r == "*") {
            Some("resources")
        } else {
            None
        }
    }

    /// Reading Secret values: get, list or watch on secrets (list and watch return values too).
    pub fn secrets_read(&self) -> bool {
        self.has_group(&[""])
            && self.has_resource("secrets")
            && self.has_verb(&["get", "list", "watch"])
    }

    /// Creating pods, directly or through a controller: whoever can, can run any image with
    /// any service account of the namespace.
    pub fn creates_workloads(&self) -> bool {
        const KINDS: [(&str, &str); 8] = [
            ("", "pods"),
            ("", "replicationcontrollers"),
            ("apps", "deployments"),
            ("apps", "daemonsets"),
            ("apps", "statefulsets"),
            ("apps", "replicasets"),
            ("batch", "jobs"),
            ("batch", "cronjobs"),
        ];
        self.has_verb(&["create"])
            && KINDS
                .iter()
                .any(|(g, r)| self.has_group(&[g]) && self.has_resource(r))
    }

    /// The verbs that bypass RBAC's own escalation guard: `escalate` and `bind` on roles,
    /// `impersonate` on users, groups or service accounts. `*` verbs count.
    pub fn escalation(&self) -> Option<&'static str> {
        let on = |res: &[&str]| res.iter().any(|r| self.has_resource(r));
        let groups_rbac = self.has_group(&["rbac.authorization.k8s.io"]);
        if groups_rbac && self.has_verb(&["escalate"]) && on(&["roles", "clusterroles"]) {
            return Some("escalate");
        }
        if groups_rbac && self.has_verb(&["bind"]) && on(&["roles", "clusterroles"]) {
            return Some("bind");
        }
        if (self.has_group(&[""]) || self.has_group(&["authentication.k8s.io"]))
            && self.has_verb(&["impersonate"])
            && on(&["users", "groups", "serviceaccounts", "userextras/*", "uids"])
        {
            return Some("impersonate");
        }
        None
    }

    /// The kubelet API behind the API server: nodes/proxy reaches every pod's exec and logs on
    /// the node, and its requests are not audited as exec.
    pub fn nodes_proxy(&self) -> bool {
        self.has_group(&[""])
            && self.has_resource("nodes/proxy")
            && self.has_verb(&["get", "create"])
    }

    /// Minting tokens for any service account of the namespace (TokenRequest).
    pub fn token_create(&self) -> bool {
        self.has_group(&[""])
            && self.has_resource("serviceaccounts/token")
            && self.has_verb(&["create"])
    }
}

/// What a role grants, summarised for binding checks: for each power, the first rule that
/// grants it (described), or `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grants {
    pub exec_attach: Option<String>,
    pub cluster_admin: Option<String>,
    pub secrets_read: Option<String>,
    pub creates_workloads: Option<String>,
}

impl Grants {
    pub fn of(rules: &[Rule]) -> Grants {
        let first = |f: fn(&Rule) -> bool| rules.iter().find(|r| f(r)).map(Rule::describe);
        Grants {
            exec_attach: first(Rule::exec_attach),
            cluster_admin: first(Rule::cluster_admin_like),
            secrets_read: first(Rule::secrets_read),
            creates_workloads: first(Rule::creates_workloads),
        }
    }

    /// The default ClusterRoles every cluster has (and manifests rarely contain), so that a
    /// binding to them is judged without their objects in the scan.
    pub fn builtin(cluster_role: &str) -> Option<Grants> {
        let all = "built-in role: * on *".to_string();
        match cluster_role {
            "cluster-admin" => Some(Grants {
                exec_attach: Some(all.clone()),
                cluster_admin: Some(all.clone()),
                secrets_read: Some(all.clone()),
                creates_workloads: Some(all),
            }),
            "admin" | "edit" => {
                let r = format!("built-in role '{cluster_role}'");
                Some(Grants {
                    exec_attach: Some(format!("{r}: create pods/exec, pods/attach")),
                    cluster_admin: None,
                    secrets_read: Some(format!("{r}: get,list,watch secrets")),
                    creates_workloads: Some(format!("{r}: create pods, deployments, …")),
                })
            }
            "view" => Some(Grants::default()),
            _ => None,
        }
    }
}

/// Whether an RBAC subject is part of Kubernetes itself: the `system:masters` group and
/// `system:` users and groups (except the anonymous and all-authenticated ones, which are
/// everybody), and service accounts of kube-system.
pub fn is_system_subject(kind: &str, name: &str, namespace: Option<&str>) -> bool {
    match kind {
        "ServiceAccount" => namespace == Some("kube-system"),
        _ => {
            name.starts_with("system:")
                && !matches!(
                    name,
                    "system:anonymous" | "system:unauthenticated" | "system:authenticated"
                )
        }
    }
}

/// Objects GKE installs in every cluster, exempt like Kubernetes' own (as in Polaris).
const PLATFORM_DEFAULTS: &[&str] = &["gce:podsecuritypolicy:calico-sa"];

/// Whether a role is one of Kubernetes' own defaults, which role-level checks leave alone:
/// `system:` roles, the user-facing cluster-admin, admin, edit and view, and GKE's defaults.
pub fn is_default_role(name: &str) -> bool {
    name.starts_with("system:")
        || matches!(name, "cluster-admin" | "admin" | "edit" | "view")
        || PLATFORM_DEFAULTS.contains(&name)
}

/// Whether a binding is one of Kubernetes' (or GKE's) own: named `system:…` or
/// `cluster-admin` (the binding of system:masters). Binding checks leave them alone.
pub fn is_default_binding(name: &str) -> bool {
    name.starts_with("system:") || name == "cluster-admin" || PLATFORM_DEFAULTS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Rule {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        Rule {
            line: 1,
            index: 1,
            api_groups: v(groups),
            resources: v(resources),
            verbs: v(verbs),
            resource_names: vec![],
            non_resource_urls: vec![],
        }
    }

    #[test]
    fn exec_attach_follows_the_authorizer() {
        assert!(rule(&[""], &["pods/exec"], &["create"]).exec_attach());
        assert!(rule(&["*"], &["*"], &["get"]).exec_attach());
        assert!(rule(&[""], &["*/attach"], &["*"]).exec_attach());
        assert!(!rule(&[""], &["pods"], &["create"]).exec_attach());
        assert!(!rule(&["apps"], &["pods/exec"], &["create"]).exec_attach());
        assert!(!rule(&[""], &["pods/exec"], &["list"]).exec_attach());
    }

    #[test]
    fn cluster_admin_needs_everything() {
        assert!(rule(&["*"], &["*"], &["*"]).cluster_admin_like());
        let seven = [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ];
        assert!(rule(&["*"], &["*"], &seven).cluster_admin_like());
        assert!(!rule(&["*"], &["*"], &seven[..6]).cluster_admin_like());
        assert!(!rule(&[""], &["*"], &["*"]).cluster_admin_like());
    }

    #[test]
    fn escalation_verbs() {
        let rbac = "rbac.authorization.k8s.io";
        assert_eq!(
            rule(&[rbac], &["clusterroles"], &["bind"]).escalation(),
            Some("bind")
        );
        assert_eq!(
            rule(&[rbac], &["roles"], &["escalate"]).escalation(),
            Some("escalate")
        );
        assert_eq!(
            rule(&[""], &["users"], &["impersonate"]).escalation(),
            Some("impersonate")
        );
        assert_eq!(
            rule(&[rbac], &["roles"], &["get", "list"]).escalation(),
            None
        );
    }

    #[test]
    fn system_subjects() {
        assert!(is_system_subject("Group", "system:masters", None));
        assert!(!is_system_subject("Group", "system:authenticated", None));
        assert!(is_system_subject(
            "ServiceAccount",
            "coredns",
            Some("kube-system")
        ));
        assert!(!is_system_subject(
            "ServiceAccount",
            "app",
            Some("payments")
        ));
        assert!(!is_system_subject("User", "alice", None));
    }
}
