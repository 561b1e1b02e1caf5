//! Sharing the node's namespaces and ports.

use super::{cis, nsa, pss, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

fn pod_flag(ctx: &Ctx<'_>, field: &str, what: &str) -> Outcome {
    let Some(pod) = ctx.pod else {
        return Outcome::NotApplicable;
    };
    match pod.get(field) {
        Some(n) if n.is_true() => Outcome::Fail(vec![Violation::at(
            n.line,
            format!("{field} is true: {what}"),
        )]),
        _ => Outcome::Pass,
    }
}

pub static HOST_NETWORK_SET: Check = Check {
    meta: CheckMeta {
        id: "hostNetworkSet",
        title: "Pod uses the host network",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "With hostNetwork the pod shares the node's network namespace: it can bind \
            any node port, reach services listening on localhost of the node (kubelet, etcd on \
            control-plane nodes), sniff traffic and bypass NetworkPolicies.",
        remediation: "Remove `spec.hostNetwork` (or set it to false) and expose the pod through a \
            Service instead.",
        example: "spec:\n  hostNetwork: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.5"), pss("baseline"), nsa("host-namespaces")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| {
        pod_flag(
            ctx,
            "hostNetwork",
            "the pod shares the node's network namespace",
        )
    }),
};

pub static HOST_IPC_SET: Check = Check {
    meta: CheckMeta {
        id: "hostIPCSet",
        title: "Pod shares the host IPC namespace",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description:
            "With hostIPC the pod shares the node's System V IPC and POSIX shared memory: \
            it can read and write the shared memory of every process on the node.",
        remediation: "Remove `spec.hostIPC` (or set it to false).",
        example: "spec:\n  hostIPC: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.4"), pss("baseline"), nsa("host-namespaces")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| pod_flag(ctx, "hostIPC", "the pod shares the node's IPC namespace")),
};

pub static HOST_PID_SET: Check = Check {
    meta: CheckMeta {
        id: "hostPIDSet",
        title: "Pod shares the host PID namespace",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "With hostPID the pod sees every process on the node, can read their \
            environment (often holding secrets) and, with enough privilege, ptrace or kill them \
            and enter their namespaces (`nsenter -t 1`), a classic node escape.",
        remediation: "Remove `spec.hostPID` (or set it to false).",
        example: "spec:\n  hostPID: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.3"), pss("baseline"), nsa("host-namespaces")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| pod_flag(ctx, "hostPID", "the pod shares the node's PID namespace")),
};

pub static HOST_PORT_SET: Check = Check {
    meta: CheckMeta {
        id: "hostPortSet",
        title: "Container binds a host port",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "A hostPort opens a port on the node's own address, bypassing Services and \
            NetworkPolicies, and limits scheduling to one such pod per node.",
        remediation: "Remove `hostPort` from `containers[].ports[]` and expose the port through a \
            Service (NodePort or LoadBalancer if it must be reachable from outside).",
        example: "containers:\n- name: web\n  ports:\n  - containerPort: 8080   # no hostPort\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.13"), pss("baseline")],
        references: &["https://kubernetes.io/docs/concepts/configuration/overview/#services"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            c.get("ports")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|p| p.get("hostPort"))
                .filter(|hp| hp.as_i64().is_some_and(|v| v > 0))
                .map(|hp| {
                    let port = hp.as_i64().unwrap_or_default();
                    Violation::in_container(
                        c,
                        hp.line,
                        format!("container '{}' binds host port {port}", c.name),
                    )
                    .keyed(port.to_string())
                })
                .collect()
        })
    }),
};
