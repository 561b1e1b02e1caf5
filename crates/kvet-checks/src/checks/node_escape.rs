//! Ways out of a container onto its node: runtime sockets, the kubelet's files, writable
//! sensitive host paths, and privilege combinations that amount to root on the host.

use super::host_paths::{host_path_volumes, sensitive_exposure, HostPathVolume};
use super::security_context::added_capabilities;
use super::{cis, nsa, pss, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

/// Container runtime sockets of the common runtimes and distributions.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/podman/podman.sock",
    "/run/podman/podman.sock",
    "/var/snap/microk8s/common/run/containerd.sock",
];

/// The kubelet's state and the node's Kubernetes credentials.
const KUBELET_PATHS: &[&str] = &[
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/rancher/rke2/agent",
    "/var/lib/rancher/k3s/agent",
];

/// Fails for each hostPath volume exposing one of `paths` (being, inside or containing it).
fn judge_paths(ctx: &Ctx<'_>, paths: &[&str], what: &str) -> Outcome {
    let Some(pod) = ctx.pod else {
        return Outcome::NotApplicable;
    };
    let list: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    let violations = host_path_volumes(&pod)
        .into_iter()
        .filter_map(|v: HostPathVolume<'_>| {
            let path = v.path?;
            sensitive_exposure(path, &list)?;
            Some(
                Violation::at(
                    v.line(),
                    format!("volume '{}' mounts host path '{path}': {what}", v.name),
                )
                .keyed(v.name),
            )
        })
        .collect();
    Outcome::from_violations(violations)
}

pub static CONTAINER_RUNTIME_SOCKET_MOUNTED: Check = Check {
    meta: CheckMeta {
        id: "containerRuntimeSocketMounted",
        title: "Pod mounts the container runtime socket",
        category: Category::NodeEscape,
        severity: Severity::Critical,
        enabled: true,
        description: "The runtime socket (Docker, containerd, CRI-O, cri-dockerd, k3s, podman) \
            starts and enters any container on the node, privileged ones included: whoever \
            reaches it from the pod is root on the node and sees every pod's secrets. A mount \
            of a folder that contains a socket (/var/run, /run/containerd) counts.",
        remediation: "Remove the hostPath volume. Build images with rootless builders \
            (BuildKit rootless, kaniko) and read container metadata through the API instead \
            of the socket.",
        example: "volumes:\n- name: docker-sock          # remove\n  hostPath:\n    path: /var/run/docker.sock\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.12"), pss("baseline"), nsa("privileged-containers")],
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    eval: Eval::Object(|ctx| {
        judge_paths(ctx, RUNTIME_SOCKETS, "the container runtime socket: root on the node")
    }),
};

pub static KUBELET_DIRECTORY_MOUNTED: Check = Check {
    meta: CheckMeta {
        id: "kubeletDirectoryMounted",
        title: "Pod mounts the kubelet's directories",
        category: Category::NodeEscape,
        severity: Severity::High,
        enabled: true,
        description: "/var/lib/kubelet holds the volumes, Secrets and service account tokens of \
            every pod on the node; /etc/kubernetes holds the kubelet's kubeconfig and, on \
            control-plane nodes, the cluster's PKI and admin credentials (likewise rke2's and \
            k3s's agent folders). A pod mounting them acts as the node or as any pod on it.",
        remediation: "Remove the hostPath volume; agents that need pod volumes (CSI node \
            plugins) should mount only `/var/lib/kubelet/plugins` or `/var/lib/kubelet/pods` \
            with the narrowest propagation, and be exempted explicitly.",
        example:
            "volumes:\n- name: kubelet       # remove\n  hostPath:\n    path: /var/lib/kubelet\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.12"), pss("baseline")],
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    eval: Eval::Object(|ctx| {
        judge_paths(
            ctx,
            KUBELET_PATHS,
            "the kubelet's credentials and every pod's secrets on the node",
        )
    }),
};

pub static SENSITIVE_HOST_PATH_WRITABLE: Check = Check {
    meta: CheckMeta {
        id: "sensitiveHostPathWritable",
        title: "Container mounts a sensitive host path writable",
        category: Category::NodeEscape,
        severity: Severity::Critical,
        enabled: true,
        description: "Writing to the node's sensitive paths (the `sensitiveHostPaths` list: /, \
            /etc, /root, /var/lib/kubelet, runtime sockets …) is a direct escape: add a cron \
            job or SSH key, replace a binary, plant a static pod. A mount is writable unless \
            the container's volumeMount sets `readOnly: true`.",
        remediation: "Mount the volume with `readOnly: true` in every container (and prefer to \
            remove the hostPath altogether).",
        example: "volumeMounts:\n- name: host-etc\n  mountPath: /host/etc\n  readOnly: true\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.12"), pss("baseline")],
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let sensitive = &ctx.settings.sensitive_host_paths;
        let exposed: Vec<(&str, &str)> = host_path_volumes(&pod)
            .into_iter()
            .filter_map(|v| {
                let path = v.path?;
                sensitive_exposure(path, sensitive).map(|_| (v.name, path))
            })
            .collect();
        if exposed.is_empty() {
            return Outcome::Pass;
        }
        per_container(ctx, all_containers, |_, c| {
            c.get("volumeMounts")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|m| {
                    let name = m.get("name").and_then(Node::as_str)?;
                    let (_, path) = exposed.iter().find(|(v, _)| *v == name)?;
                    if m.get("readOnly").is_some_and(Node::is_true) {
                        return None;
                    }
                    Some(
                        Violation::in_container(
                            c,
                            m.line,
                            format!("container '{}' mounts host path '{path}' (volume '{name}') writable", c.name),
                        )
                        .keyed(name),
                    )
                })
                .collect()
        })
    }),
};

pub static PRIVILEGED_HOST_PID: Check = Check {
    meta: CheckMeta {
        id: "privilegedHostPID",
        title: "Privileged container shares the host's process namespace",
        category: Category::NodeEscape,
        severity: Severity::Critical,
        enabled: true,
        description: "A privileged container in a pod with `hostPID: true` sees the node's PID 1 \
            and may enter its namespaces: `nsenter -t 1 -m -u -i -n sh` is a root shell on the \
            node, one command away.",
        remediation: "Drop `hostPID: true` or `privileged: true` (node agents rarely need \
            both; grant specific capabilities instead).",
        example: "spec:\n  hostPID: false\n  containers:\n  - name: agent\n    securityContext:\n      privileged: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.2"), cis("5.2.3"), pss("baseline")],
        references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let Some(host_pid) = pod.get("hostPID").filter(|n| n.is_true()) else {
            return Outcome::Pass;
        };
        per_container(ctx, all_containers, |_, c| match c.sc("privileged") {
            Some(p) if p.is_true() => vec![Violation::in_container(
                c,
                p.line,
                format!(
                    "container '{}' is privileged in a pod with hostPID (line {}): nsenter into PID 1 gives a root shell on the node",
                    c.name, host_pid.line
                ),
            )],
            _ => vec![],
        })
    }),
};

pub static SYS_ADMIN_CAPABILITY_ADDED: Check = Check {
    meta: CheckMeta {
        id: "sysAdminCapabilityAdded",
        title: "Container adds CAP_SYS_ADMIN",
        category: Category::NodeEscape,
        severity: Severity::Critical,
        enabled: true,
        description: "CAP_SYS_ADMIN is \"the new root\": mount filesystems, use cgroup release \
            agents, load eBPF (older kernels) — the building blocks of the known container \
            escapes. `ALL` includes it. capabilitiesAdded reports it among other dangerous \
            capabilities; this check singles out the one that escapes.",
        remediation: "Remove SYS_ADMIN (and ALL) from `securityContext.capabilities.add`; \
            grant the specific capability the process needs, if any.",
        example:
            "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.9"), pss("baseline")],
        references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            added_capabilities(c)
                .into_iter()
                .filter(|(cap, _)| cap == "SYS_ADMIN" || cap == "ALL")
                .map(|(cap, n)| {
                    Violation::in_container(c, n.line, format!("container '{}' adds {cap}", c.name))
                        .keyed(cap)
                })
                .collect()
        })
    }),
};
