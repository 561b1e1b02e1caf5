//! Who can talk to whom: NetworkPolicy coverage of namespaces and workloads, and services and
//! ingresses that reach outside the cluster.

use super::{cis, nsa, WORKLOADS};
use crate::check::{Check, Ctx, Eval, Outcome, Pending, Violation};
use crate::index::{PolicyFacts, SetIndex};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

const POLICIES_DOC: &str =
    "https://kubernetes.io/docs/concepts/services-networking/network-policies/";

fn ns_text(ns: &Option<String>) -> String {
    ns.as_deref().map_or_else(
        || "its namespace".to_string(),
        |n| format!("namespace '{n}'"),
    )
}

pub static MISSING_NETWORK_POLICY: Check = Check {
    meta: CheckMeta {
        id: "missingNetworkPolicy",
        title: "No NetworkPolicy selects the workload",
        category: Category::Network,
        severity: Severity::Medium,
        enabled: true,
        description: "Pods whose ingress and egress are not both restricted by NetworkPolicies \
            accept traffic from, or send it to, anything in the cluster (and beyond): one \
            compromised pod reaches them all. A policy selects the workload when it is in the \
            same namespace and its podSelector matches the pod template's labels; it restricts \
            ingress (egress) when its policyTypes say so (without policyTypes: ingress always, \
            egress when it has egress rules). A direction with no rules denies everything, \
            which passes.",
        remediation: "Add a NetworkPolicy that selects the workload's pods and allows only the \
            traffic it needs, ideally on top of a namespace-wide default-deny policy.",
        example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api\nspec:\n  podSelector:\n    matchLabels: {app: api}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {app: web}\n",
        kinds: WORKLOADS,
        controls: &[cis("5.3.2"), nsa("network-separation")],
        references: &[POLICIES_DOC],
    },
    eval: Eval::Set {
        extract: |ctx| {
            let pod = ctx.pod?;
            let line = pod
                .metadata
                .and_then(|m| m.get("labels").or(Some(m)))
                .map_or(ctx.obj.line, |n| n.line);
            Some(Pending {
                namespace: ctx.obj.namespace.clone(),
                labels: ctx.pod_labels(),
                line,
                ..Default::default()
            })
        },
        judge: |p, index| {
            let (mut ingress, mut egress) = (false, false);
            for pol in index.policies_selecting(&p.namespace, &p.labels) {
                ingress |= pol.ingress;
                egress |= pol.egress;
            }
            let open = match (ingress, egress) {
                (true, true) => return Outcome::Pass,
                (false, false) => "all traffic to and from them is allowed".to_string(),
                (true, false) => "their egress is unrestricted (no policy has policyTypes Egress)".to_string(),
                (false, true) => "their ingress is unrestricted (no policy has policyTypes Ingress)".to_string(),
            };
            let what = if ingress || egress {
                "the NetworkPolicies"
            } else {
                "no NetworkPolicy"
            };
            Outcome::Fail(vec![Violation::at(
                p.line,
                format!(
                    "{what} in {} selecting these pods: {open}",
                    ns_text(&p.namespace)
                ),
            )])
        },
    },
};

/// A Namespace object of the scan, to be judged on the policies of that namespace; not
/// applicable to namespaces without workloads.
fn namespace_extract(ctx: &Ctx<'_>) -> Option<Pending> {
    (ctx.obj.kind == "Namespace").then(|| Pending {
        namespace: Some(ctx.obj.name.clone()),
        line: ctx.obj.line,
        ..Default::default()
    })
}

fn namespace_judge(
    p: &Pending,
    index: &SetIndex,
    ok: fn(&PolicyFacts) -> bool,
    missing: &str,
) -> Outcome {
    if !index.workload_namespaces.contains(&p.namespace) {
        return Outcome::NotApplicable;
    }
    if index
        .policies
        .iter()
        .any(|pol| pol.namespace == p.namespace && ok(pol))
    {
        return Outcome::Pass;
    }
    Outcome::Fail(vec![Violation::at(
        p.line,
        format!("{} runs workloads but has {missing}", ns_text(&p.namespace)),
    )])
}

pub static NAMESPACE_WITHOUT_NETWORK_POLICY: Check = Check {
    meta: CheckMeta {
        id: "namespaceWithoutNetworkPolicy",
        title: "Namespace with workloads has no NetworkPolicy",
        category: Category::Network,
        severity: Severity::High,
        enabled: true,
        description: "A namespace without any NetworkPolicy is a flat network: every pod in it \
            accepts connections from every pod of the cluster. Judged on Namespace objects \
            that hold at least one scanned workload (on a live cluster, every namespace).",
        remediation: "Start with a default-deny policy for the namespace and add policies that \
            allow the traffic each workload needs.",
        example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        kinds: &["Namespace"],
        controls: &[cis("5.3.2"), nsa("network-separation")],
        references: &[POLICIES_DOC],
    },
    eval: Eval::Set {
        extract: namespace_extract,
        judge: |p, index| namespace_judge(p, index, |_| true, "no NetworkPolicy at all"),
    },
};

pub static NAMESPACE_DEFAULT_DENY_INGRESS_MISSING: Check = Check {
    meta: CheckMeta {
        id: "namespaceDefaultDenyIngressMissing",
        title: "Namespace has no default-deny ingress policy",
        category: Category::Network,
        severity: Severity::Medium,
        enabled: true,
        description: "Without a policy that selects every pod (`podSelector: {}`) and allows no \
            ingress, a pod that no other policy selects — a new workload, a debugging pod — \
            accepts connections from anywhere. Judged on Namespace objects holding workloads.",
        remediation: "Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress]` and \
            no ingress rules; allow traffic with narrower policies on top.",
        example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
        kinds: &["Namespace"],
        controls: &[cis("5.3.2"), nsa("network-separation")],
        references: &[POLICIES_DOC],
    },
    eval: Eval::Set {
        extract: namespace_extract,
        judge: |p, index| {
            namespace_judge(
                p,
                index,
                |pol| pol.selects_all && pol.denies_ingress,
                "no default-deny ingress NetworkPolicy",
            )
        },
    },
};

pub static NAMESPACE_DEFAULT_DENY_EGRESS_MISSING: Check = Check {
    meta: CheckMeta {
        id: "namespaceDefaultDenyEgressMissing",
        title: "Namespace has no default-deny egress policy",
        category: Category::Network,
        severity: Severity::Low,
        enabled: true,
        description: "Without a policy that selects every pod and allows no egress, any pod \
            of the namespace can open connections anywhere: to the cloud metadata endpoint, \
            to other namespaces, to the internet (data exfiltration, command and control). \
            Judged on Namespace objects holding workloads.",
        remediation: "Add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Egress]` and \
            no egress rules, then allow DNS and the destinations each workload needs.",
        example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
        kinds: &["Namespace"],
        controls: &[nsa("network-separation")],
        references: &[POLICIES_DOC],
    },
    eval: Eval::Set {
        extract: namespace_extract,
        judge: |p, index| {
            namespace_judge(
                p,
                index,
                |pol| pol.selects_all && pol.denies_egress,
                "no default-deny egress NetworkPolicy",
            )
        },
    },
};

fn service_type<'a>(ctx: &Ctx<'a>) -> Option<&'a Node> {
    (ctx.obj.kind == "Service")
        .then(|| ctx.obj.root.path(&["spec", "type"]))
        .flatten()
}

pub static SERVICE_NODE_PORT: Check = Check {
    meta: CheckMeta {
        id: "serviceNodePort",
        title: "Service is exposed on every node's address (NodePort)",
        category: Category::Network,
        severity: Severity::Low,
        enabled: true,
        description: "A NodePort Service opens its port on every node of the cluster, on every \
            node address, outside of any Ingress or load balancer policy; node firewalls are \
            then the only control. LoadBalancer Services (which allocate node ports too) are \
            judged by serviceLoadBalancerOpen.",
        remediation: "Use a ClusterIP Service behind an Ingress or a LoadBalancer with source \
            ranges; keep NodePort for clusters whose nodes are not reachable from outside.",
        example: "spec:\n  type: ClusterIP\n  ports:\n  - port: 80\n    targetPort: 8080\n",
        kinds: &["Service"],
        controls: &[nsa("network-separation")],
        references: &[
            "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
        ],
    },
    eval: Eval::Object(|ctx| {
        if ctx.obj.kind != "Service" {
            return Outcome::NotApplicable;
        }
        match service_type(ctx) {
            Some(t) if t.as_str() == Some("NodePort") => Outcome::Fail(vec![Violation::at(
                t.line,
                "type NodePort opens the service on every node's addresses",
            )]),
            _ => Outcome::Pass,
        }
    }),
};

/// Annotations cloud providers read to make a load balancer internal (private addresses).
const INTERNAL_LB: &[(&str, &str)] = &[
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        "intranet",
    ),
    (
        "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid",
        "",
    ),
    ("kubernetes.io/elb.class", "union"),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
];

fn open_range(r: &str) -> bool {
    matches!(r.trim(), "0.0.0.0/0" | "::/0")
}

pub static SERVICE_LOAD_BALANCER_OPEN: Check = Check {
    meta: CheckMeta {
        id: "serviceLoadBalancerOpen",
        title: "LoadBalancer Service accepts traffic from anywhere",
        category: Category::Network,
        severity: Severity::Medium,
        enabled: true,
        description: "A LoadBalancer Service without `loadBalancerSourceRanges` (or the \
            `service.beta.kubernetes.io/load-balancer-source-ranges` annotation), or with \
            0.0.0.0/0, is reachable from the whole internet when the provider gives it a \
            public address. Internal load balancers (the providers' internal annotations for \
            GKE, EKS, AKS, Alibaba Cloud, Tencent Cloud, Huawei Cloud, OpenStack) pass.",
        remediation: "Set `spec.loadBalancerSourceRanges` to the client networks, or make the \
            load balancer internal, or publish the service through an Ingress with \
            authentication.",
        example: "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 203.0.113.0/24\n",
        kinds: &["Service"],
        controls: &[nsa("network-separation")],
        references: &[
            "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#restricting-access-for-loadbalancer-service",
        ],
    },
    eval: Eval::Object(|ctx| {
        let Some(t) = service_type(ctx).filter(|t| t.as_str() == Some("LoadBalancer")) else {
            return Outcome::NotApplicable;
        };
        let obj = ctx.obj;
        let internal = INTERNAL_LB.iter().any(|(k, v)| {
            obj.annotation(k)
                .is_some_and(|a| v.is_empty() || a.eq_ignore_ascii_case(v))
        });
        if internal {
            return Outcome::Pass;
        }
        let ranges_node = obj.root.path(&["spec", "loadBalancerSourceRanges"]);
        let mut ranges: Vec<String> = ranges_node
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect();
        if ranges.is_empty() {
            if let Some(a) = obj.annotation("service.beta.kubernetes.io/load-balancer-source-ranges") {
                ranges = a.split(',').map(|s| s.trim().to_string()).collect();
            }
        }
        if ranges.is_empty() {
            return Outcome::Fail(vec![Violation::at(
                t.line,
                "type LoadBalancer without loadBalancerSourceRanges accepts traffic from any address",
            )]);
        }
        match ranges.iter().find(|r| open_range(r)) {
            Some(r) => Outcome::Fail(vec![Violation::at(
                ranges_node.map_or(t.line, |n| n.line),
                format!("loadBalancerSourceRanges includes {r}: any address"),
            )]),
            None => Outcome::Pass,
        }
    }),
};

pub static TLS_SETTINGS_MISSING: Check = Check {
    meta: CheckMeta {
        id: "tlsSettingsMissing",
        title: "Ingress does not configure TLS",
        category: Category::Network,
        severity: Severity::Medium,
        enabled: true,
        description: "An Ingress without `spec.tls` serves its hosts over plain HTTP: \
            credentials, cookies and data cross the network in clear text and can be altered \
            on the way.",
        remediation: "Add `spec.tls` with the hosts and a Secret holding their certificate \
            (cert-manager can issue and renew it), and redirect HTTP to HTTPS.",
        example: "spec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n",
        kinds: &["Ingress"],
        controls: &[nsa("encryption")],
        references: &["https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if obj.kind != "Ingress" {
            return Outcome::NotApplicable;
        }
        match obj.root.path(&["spec", "tls"]) {
            Some(t) if !t.as_seq().is_empty() => Outcome::Pass,
            Some(t) => Outcome::Fail(vec![Violation::at(t.line, "spec.tls is empty")]),
            None => Outcome::Fail(vec![Violation::at(
                obj.root.get("spec").map_or(obj.line, |s| s.line),
                "the Ingress has no spec.tls: its hosts are served over plain HTTP",
            )]),
        }
    }),
};
