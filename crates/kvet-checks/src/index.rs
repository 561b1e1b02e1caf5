//! Facts gathered from every object of a scan, for the checks that can only be judged once the
//! whole set is known: is there a PodDisruptionBudget for this Deployment, what does the role a
//! binding points at grant, does any NetworkPolicy select this pod.
//!
//! Objects without a namespace (manifests meant for `kubectl apply -n …`) are grouped under
//! `None`, as if applied to the same namespace.

use crate::checks::rbac::grants::{rules_of, Grants};
use kvet_k8s::{LabelSelector, Node, Object, PodSpec};
use std::collections::{HashMap, HashSet};

/// Which kind of role a key names; ClusterRoles have no namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleKey {
    pub cluster: bool,
    pub namespace: Option<String>,
    pub name: String,
}

impl RoleKey {
    /// ClusterRoles have no namespace, whatever the referring object's is.
    pub fn new(cluster: bool, namespace: Option<&str>, name: &str) -> RoleKey {
        RoleKey {
            cluster,
            namespace: if cluster {
                None
            } else {
                namespace.map(str::to_string)
            },
            name: name.to_string(),
        }
    }
}

/// A NetworkPolicy, reduced to what the network checks ask.
#[derive(Debug, Clone)]
pub struct PolicyFacts {
    pub namespace: Option<String>,
    pub selector: LabelSelector,
    /// `podSelector: {}`: the policy applies to every pod of its namespace.
    pub selects_all: bool,
    pub ingress: bool,
    pub egress: bool,
    /// Applies to ingress (egress) and allows nothing: a default-deny when it selects all.
    pub denies_ingress: bool,
    pub denies_egress: bool,
}

#[derive(Debug, Default, Clone)]
pub struct SetIndex {
    /// PodDisruptionBudget selectors with their namespace.
    pub pdbs: Vec<(Option<String>, LabelSelector)>,
    /// Whether the scanned set contains any PodDisruptionBudget at all.
    pub pdbs_seen: bool,
    /// What each Role and ClusterRole of the scan grants.
    pub roles: HashMap<RoleKey, Grants>,
    pub policies: Vec<PolicyFacts>,
    /// Namespaces holding at least one workload.
    pub workload_namespaces: HashSet<Option<String>>,
    /// Service accounts named as a subject by some binding, with the binding and its role.
    pub bound_service_accounts: HashMap<(Option<String>, String), String>,
    /// Service accounts that set `automountServiceAccountToken: false`.
    pub no_automount_accounts: HashSet<(Option<String>, String)>,
}

impl SetIndex {
    pub(crate) fn observe(&mut self, obj: &Object, pod: Option<&PodSpec<'_>>) {
        if pod.is_some() {
            self.workload_namespaces.insert(obj.namespace.clone());
        }
        match obj.kind.as_str() {
            "PodDisruptionBudget" => {
                self.pdbs_seen = true;
                if let Some(sel) = obj
                    .root
                    .path(&["spec", "selector"])
                    .and_then(LabelSelector::from_node)
                {
                    self.pdbs.push((obj.namespace.clone(), sel));
                }
            }
            "Role" | "ClusterRole" => {
                let cluster = obj.kind == "ClusterRole";
                self.roles.insert(
                    RoleKey::new(cluster, obj.namespace.as_deref(), &obj.name),
                    Grants::of(&rules_of(&obj.root)),
                );
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role = obj
                    .root
                    .path(&["roleRef", "name"])
                    .and_then(Node::as_str)
                    .unwrap_or("?");
                for s in obj.root.get("subjects").map_or(&[][..], Node::as_seq) {
                    if s.get("kind").and_then(Node::as_str) != Some("ServiceAccount") {
                        continue;
                    }
                    let Some(name) = s.get("name").and_then(Node::as_str) else {
                        continue;
                    };
                    let ns = s
                        .get("namespace")
                        .and_then(Node::as_str)
                        .map(str::to_string)
                        .or_else(|| obj.namespace.clone());
                    self.bound_service_accounts
                        .entry((ns, name.to_string()))
                        .or_insert_with(|| format!("{} '{}' (role '{role}')", obj.kind, obj.name));
                }
            }
            "ServiceAccount"
                if obj
                    .root
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool)
                    == Some(false) =>
            {
                self.no_automount_accounts
                    .insert((obj.namespace.clone(), obj.name.clone()));
            }
            "NetworkPolicy" => {
                if let Some(p) = policy_facts(obj) {
                    self.policies.push(p);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: SetIndex) {
        self.pdbs.extend(other.pdbs);
        self.pdbs_seen |= other.pdbs_seen;
        self.roles.extend(other.roles);
        self.policies.extend(other.policies);
        self.workload_namespaces.extend(other.workload_namespaces);
        for (k, v) in other.bound_service_accounts {
            self.bound_service_accounts.entry(k).or_insert(v);
        }
        self.no_automount_accounts
            .extend(other.no_automount_accounts);
    }

    /// What the role a binding refers to grants: the role from the scan, else a built-in
    /// ClusterRole, else `None` (not in the scan: not judged).
    pub fn grants(&self, cluster: bool, namespace: Option<&str>, name: &str) -> Option<Grants> {
        let key = RoleKey::new(cluster, namespace, name);
        // The cluster-admin ClusterRole is Kubernetes' own whatever a scanned copy says (as
        // Polaris judges it); other built-ins are used when the scan lacks them.
        if cluster && name == "cluster-admin" {
            return Grants::builtin(name);
        }
        self.roles
            .get(&key)
            .cloned()
            .or_else(|| cluster.then(|| Grants::builtin(name)).flatten())
    }

    /// The policies of a namespace that select pods with these labels.
    pub fn policies_selecting<'a>(
        &'a self,
        namespace: &'a Option<String>,
        labels: &'a [(String, Node)],
    ) -> impl Iterator<Item = &'a PolicyFacts> + 'a {
        self.policies
            .iter()
            .filter(move |p| &p.namespace == namespace && p.selector.matches(labels))
    }
}

fn policy_facts(obj: &Object) -> Option<PolicyFacts> {
    let spec = obj.root.get("spec")?;
    let selector_node = spec.get("podSelector");
    // A missing podSelector is rejected by the API server; `{}` or null selects everything.
    let selector = match selector_node {
        Some(n) if n.is_null() => LabelSelector::default(),
        Some(n) => LabelSelector::from_node(n)?,
        None => LabelSelector::default(),
    };
    let selects_all = selector == LabelSelector::default();
    let types: Vec<&str> = spec
        .get("policyTypes")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let has_rules = |k: &str| spec.get(k).is_some_and(|r| !r.as_seq().is_empty());
    // Without policyTypes a policy always restricts ingress, and egress when it has egress rules.
    let (ingress, egress) = if types.is_empty() {
        (true, spec.get("egress").is_some())
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    };
    Some(PolicyFacts {
        namespace: obj.namespace.clone(),
        selector,
        selects_all,
        ingress,
        egress,
        denies_ingress: ingress && !has_rules("ingress"),
        denies_egress: egress && !has_rules("egress"),
    })
}
