//! Privileges a container keeps: root group, capabilities it does not drop, privileged ports.

use super::confinement::{drops_all, is_windows};
use super::security_context::missing_line;
use super::{cis, nsa, pss, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Eval, Outcome, Violation};
use crate::settings::normalize_capability;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Container, ContainerKind, Node, PodSpec};

pub static RUN_AS_GROUP_ROOT: Check = Check {
    meta: CheckMeta {
        id: "runAsGroupRoot",
        title: "Container runs with the root group",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "A process whose group is GID 0 can read and write every file the image \
            (or a mounted volume) leaves group-root-accessible, which is most of them, and \
            keeps root's group on files it creates. Reported: an effective `runAsGroup: 0` \
            (container, else pod) per container, and on the pod `fsGroup: 0` (volumes are \
            chowned to root's group and every container gets it) or 0 in \
            `supplementalGroups`. An unset runAsGroup (the image's group) is not reported.",
        remediation: "Set `securityContext.runAsGroup` (pod or container) and \
            `spec.securityContext.fsGroup` to a non-zero GID, and remove 0 from \
            `spec.securityContext.supplementalGroups`.",
        example: "spec:\n  securityContext:\n    runAsUser: 10001\n    runAsGroup: 10001\n    fsGroup: 10001\n",
        kinds: WORKLOADS,
        controls: &[nsa("non-root-containers")],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let is_zero = |n: &Node| n.as_i64() == Some(0);
        let sc = pod.security_context();
        let mut out = Vec::new();
        if let Some(n) = sc.and_then(|s| s.get("fsGroup")).filter(|n| is_zero(n)) {
            out.push(
                Violation::at(n.line, "the pod sets fsGroup: 0: its volumes belong to the root group")
                    .keyed("fsGroup"),
            );
        }
        let supplemental = sc.and_then(|s| s.get("supplementalGroups"));
        if let Some(n) = supplemental.map_or(&[][..], Node::as_seq).iter().find(|n| is_zero(n)) {
            out.push(
                Violation::at(n.line, "the pod adds GID 0 to supplementalGroups")
                    .keyed("supplementalGroups"),
            );
        }
        for c in pod.containers() {
            if let Some(n) = pod.effective(&c, "runAsGroup").filter(|n| is_zero(n)) {
                out.push(Violation::in_container(
                    &c,
                    n.line,
                    format!("container '{}' runs with group 0 (runAsGroup: 0)", c.name),
                ));
            }
        }
        Outcome::from_violations(out)
    }),
};

pub static INSECURE_CAPABILITIES: Check = Check {
    meta: CheckMeta {
        id: "insecureCapabilities",
        title: "Container keeps insecure capabilities",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "Container runtimes grant a default set of capabilities that most processes \
            never use: NET_RAW (craft packets, spoof and sniff on the pod network), CHOWN, \
            DAC_OVERRIDE, SETUID/SETGID, MKNOD… Each one is attack surface for a compromised \
            process. The container must drop ALL or drop every capability of the list \
            (`insecureCapabilities` in kvet.yaml, Polaris' list by default); names match with \
            or without `CAP_`, in any case. Windows pods are not judged.",
        remediation: "Set `securityContext.capabilities.drop: [\"ALL\"]` on the container and \
            add back under `capabilities.add` only what the process needs.",
        example: "containers:\n- name: app\n  securityContext:\n    capabilities:\n      drop: [\"ALL\"]\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.8"), cis("5.2.10"), pss("restricted"), nsa("capabilities")],
        references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    },
    eval: Eval::Object(|ctx| {
        if ctx.pod.is_some_and(|p| is_windows(&p)) {
            return Outcome::NotApplicable;
        }
        let insecure = &ctx.settings.insecure_capabilities;
        per_container(ctx, all_containers, |_, c| {
            if drops_all(c) {
                return vec![];
            }
            let caps = c.sc("capabilities");
            let drop = caps.and_then(|x| x.get("drop"));
            let dropped: Vec<String> = drop
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(Node::as_str)
                .map(normalize_capability)
                .collect();
            let mut kept: Vec<String> = Vec::new();
            for cap in insecure.iter().map(|i| normalize_capability(i)) {
                if !dropped.contains(&cap) && !kept.contains(&cap) {
                    kept.push(cap);
                }
            }
            if kept.is_empty() {
                return vec![];
            }
            let line = drop.or(caps).map_or_else(|| missing_line(c), |n| n.line);
            vec![Violation::in_container(
                c,
                line,
                format!(
                    "container '{}' does not drop ALL capabilities and keeps {}",
                    c.name,
                    kept.join(", ")
                ),
            )]
        })
    }),
};

/// The first port a pod may bind without privileges: 1024, unless the pod lowers
/// `net.ipv4.ip_unprivileged_port_start`.
fn unprivileged_port_start(pod: &PodSpec<'_>) -> i64 {
    pod.security_context()
        .and_then(|s| s.get("sysctls"))
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter(|s| {
            s.get("name").and_then(Node::as_str).is_some_and(|n| {
                n.trim().replace('/', ".") == "net.ipv4.ip_unprivileged_port_start"
            })
        })
        .find_map(|s| s.get("value").and_then(Node::scalar_text))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1024)
}

fn not_ephemeral(c: &Container<'_>) -> bool {
    c.kind != ContainerKind::Ephemeral
}

pub static PRIVILEGED_PORTS_USED: Check = Check {
    meta: CheckMeta {
        id: "privilegedPortsUsed",
        title: "Container listens on a privileged port",
        category: Category::Security,
        severity: Severity::Low,
        enabled: true,
        description: "Binding a port below 1024 needs root or CAP_NET_BIND_SERVICE (unless the \
            runtime lowered net.ipv4.ip_unprivileged_port_start), so a container declaring one \
            usually runs with more privilege than serving traffic requires. A pod that sets \
            the sysctl `net.ipv4.ip_unprivileged_port_start` is judged against its value.",
        remediation: "Make the process listen on a port of 1024 or above and change \
            `ports[].containerPort` accordingly; the Service can still expose port 80/443 \
            through `targetPort`.",
        example: "containers:\n- name: web\n  ports:\n  - containerPort: 8080   # Service: port 80, targetPort 8080\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service"],
    },
    eval: Eval::Object(|ctx| {
        let start = ctx.pod.map_or(1024, |p| unprivileged_port_start(&p));
        per_container(ctx, not_ephemeral, |_, c| {
            c.get("ports")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|p| p.get("containerPort"))
                .filter_map(|n| n.as_i64().map(|port| (port, n)))
                .filter(|(port, _)| *port > 0 && *port < 1024 && *port < start)
                .map(|(port, n)| {
                    Violation::in_container(
                        c,
                        n.line,
                        format!("container '{}' listens on privileged port {port}", c.name),
                    )
                    .keyed(port.to_string())
                })
                .collect()
        })
    }),
};
