//! Kernel-level confinement of containers: seccomp, AppArmor, SELinux, /proc masking, sysctls
//! and Windows HostProcess containers.

use super::security_context::missing_line;
use super::{cis, nsa, pss, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Ctx, Eval, Outcome, Violation};
use crate::settings::normalize_capability;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Container, Node, PodSpec};

/// A securityContext field below `path` as the kubelet resolves it: the container's value when
/// set, else the pod's. Returns the node that decided.
pub(crate) fn effective_sc<'a>(
    pod: &PodSpec<'a>,
    c: &Container<'a>,
    path: &[&str],
) -> Option<&'a Node> {
    let set = |sc: Option<&'a Node>| sc.and_then(|s| s.path(path)).filter(|n| !n.is_null());
    set(c.security_context()).or_else(|| set(pod.security_context()))
}

/// An annotation of the pod (the template's, for controllers) as a node, for its line.
fn pod_annotation<'a>(pod: &PodSpec<'a>, key: &str) -> Option<&'a Node> {
    pod.metadata
        .and_then(|m| m.path(&["annotations", key]))
        .filter(|n| n.as_str().is_some())
}

/// Windows pods have no seccomp, AppArmor or Linux capabilities.
pub(crate) fn is_windows(pod: &PodSpec<'_>) -> bool {
    pod.spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// RuntimeDefault or Localhost (`runtime/default`, `docker/default`, `localhost/…`).
    Confined,
    /// Explicitly Unconfined.
    Unconfined,
    /// A value that is neither (the API server would reject it).
    Other,
}

/// The profile that applies to a container, the node that set it and how to name it.
pub(crate) struct Resolved<'a> {
    pub profile: Profile,
    pub node: &'a Node,
    pub source: String,
}

fn field_profile(n: &Node) -> Profile {
    match n.as_str() {
        Some("RuntimeDefault" | "Localhost") => Profile::Confined,
        Some("Unconfined") => Profile::Unconfined,
        _ => Profile::Other,
    }
}

fn annotation_profile(n: &Node) -> Profile {
    match n.as_str().map(str::trim) {
        Some("runtime/default" | "docker/default") => Profile::Confined,
        Some(v) if v.starts_with("localhost/") => Profile::Confined,
        Some("unconfined") => Profile::Unconfined,
        _ => Profile::Other,
    }
}

fn from_field<'a>(sc: Option<&'a Node>, field: &str, level: &str) -> Option<Resolved<'a>> {
    let profile = sc?.get(field).filter(|n| !n.is_null())?;
    // `type` is required; a profile without one is judged at the profile's line.
    let node = profile.get("type").unwrap_or(profile);
    let source = match node.scalar_text() {
        Some(t) => format!("{level} securityContext.{field}.type: {t}"),
        None => format!("{level} securityContext.{field} without a type"),
    };
    Some(Resolved {
        profile: field_profile(node),
        node,
        source,
    })
}

fn from_annotation<'a>(pod: &PodSpec<'a>, key: &str) -> Option<Resolved<'a>> {
    let node = pod_annotation(pod, key)?;
    Some(Resolved {
        profile: annotation_profile(node),
        node,
        source: format!("annotation {key}: {}", node.as_str().unwrap_or_default()),
    })
}

/// The seccomp profile of a container: its own `seccompProfile`, else the legacy container
/// annotation, else the pod's `seccompProfile`, else the legacy pod annotation.
pub(crate) fn effective_seccomp<'a>(pod: &PodSpec<'a>, c: &Container<'a>) -> Option<Resolved<'a>> {
    from_field(c.security_context(), "seccompProfile", "container")
        .or_else(|| {
            from_annotation(
                pod,
                &format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name),
            )
        })
        .or_else(|| from_field(pod.security_context(), "seccompProfile", "pod"))
        .or_else(|| from_annotation(pod, "seccomp.security.alpha.kubernetes.io/pod"))
}

/// The AppArmor profile of a container: its own `appArmorProfile`, else the (beta) container
/// annotation, else the pod's `appArmorProfile`.
pub(crate) fn effective_apparmor<'a>(pod: &PodSpec<'a>, c: &Container<'a>) -> Option<Resolved<'a>> {
    from_field(c.security_context(), "appArmorProfile", "container")
        .or_else(|| {
            from_annotation(
                pod,
                &format!("container.apparmor.security.beta.kubernetes.io/{}", c.name),
            )
        })
        .or_else(|| from_field(pod.security_context(), "appArmorProfile", "pod"))
}

pub static PROC_MOUNT: Check = Check {
    meta: CheckMeta {
        id: "procMount",
        title: "Container unmasks /proc",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "By default the runtime masks and makes read-only the parts of /proc that \
            leak host information or reach the host kernel (/proc/kcore, /proc/sysrq-trigger, \
            /proc/sys…). `procMount: Unmasked` removes those masks, which only makes sense for \
            nested containers in user namespaces.",
        remediation: "Remove `securityContext.procMount` from the container, or set it to \
            `Default`.",
        example: "containers:\n- name: app\n  securityContext:\n    procMount: Default\n",
        kinds: WORKLOADS,
        controls: &[pss("baseline")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| match c.sc("procMount") {
            Some(n) if n.as_str().is_some_and(|v| v != "Default") => {
                vec![Violation::in_container(
                    c,
                    n.line,
                    format!(
                        "container '{}' sets procMount: {}: /proc is not masked",
                        c.name,
                        n.as_str().unwrap_or_default()
                    ),
                )]
            }
            _ => vec![],
        })
    }),
};

/// Sysctls the Pod Security Standards (baseline) allow: namespaced and isolated per pod.
/// tcp_rmem and tcp_wmem joined the list with policy version 1.32.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

pub static UNSAFE_SYSCTLS: Check = Check {
    meta: CheckMeta {
        id: "unsafeSysctls",
        title: "Pod sets unsafe sysctls",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "Sysctls outside the safe set are either not namespaced (they change the \
            kernel of the whole node, under every other pod) or not isolated between pods \
            (kernel.msgmax, net.core.somaxconn…): they can disable security mechanisms or \
            starve neighbours. The safe set is the Pod Security Standards' baseline list; names \
            written with `/` separators are compared as with `.`.",
        remediation: "Remove the sysctl from `spec.securityContext.sysctls[]`; if the workload \
            needs a node-level setting, tune the node (its machine configuration or a \
            dedicated, privileged node-tuning agent) instead.",
        example: "spec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.ip_local_port_range   # safe\n      value: \"1024 65535\"\n",
        kinds: WORKLOADS,
        controls: &[pss("baseline")],
        references: &["https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let violations = pod
            .security_context()
            .and_then(|s| s.get("sysctls"))
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(|s| {
                let name_node = s.get("name")?;
                let name = name_node.as_str()?;
                let normalised = name.trim().replace('/', ".");
                if SAFE_SYSCTLS.contains(&normalised.as_str()) {
                    return None;
                }
                Some(
                    Violation::at(
                        name_node.line,
                        format!("pod sets sysctl '{name}', which is not in the safe set"),
                    )
                    .keyed(name),
                )
            })
            .collect();
        Outcome::from_violations(violations)
    }),
};

pub static SECCOMP_PROFILE_MISSING: Check = Check {
    meta: CheckMeta {
        id: "seccompProfileMissing",
        title: "Container has no seccomp profile",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "Without a seccomp profile a container runs Unconfined (unless every kubelet \
            runs with --seccomp-default): all ~400 system calls reach the node's kernel, \
            including the rarely used ones most kernel exploits go through. The profile in \
            effect is the container's `seccompProfile`, else the pod's, with the legacy \
            annotations (seccomp.security.alpha.kubernetes.io/pod, \
            container.seccomp.security.alpha.kubernetes.io/<name>) honoured. A profile \
            explicitly set to Unconfined is reported by seccompUnconfined, not here, so it is \
            reported once. Windows pods (spec.os.name: windows) are not judged.",
        remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (it \
            covers every container) or on each container; use `Localhost` with \
            `localhostProfile` for a custom profile.",
        example: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n",
        kinds: WORKLOADS,
        controls: &[
            cis("5.7.2"),
            pss("restricted"),
            nsa("linux-security-features"),
        ],
        references: &["https://kubernetes.io/docs/tutorials/security/seccomp/"],
    },
    eval: Eval::Object(|ctx| {
        if ctx.pod.is_some_and(|p| is_windows(&p)) {
            return Outcome::NotApplicable;
        }
        per_container(ctx, all_containers, |pod, c| {
            match effective_seccomp(pod, c) {
                Some(r) if r.profile == Profile::Other => vec![Violation::in_container(
                    c,
                    r.node.line,
                    format!(
                    "container '{}' uses an unknown seccomp profile ({}); use RuntimeDefault or \
                     Localhost",
                    c.name, r.source
                ),
                )],
                Some(_) => vec![],
                None => vec![Violation::in_container(
                    c,
                    missing_line(c),
                    format!(
                        "container '{}' has no seccomp profile: neither it nor the pod sets \
                     securityContext.seccompProfile.type",
                        c.name
                    ),
                )],
            }
        })
    }),
};

pub static SECCOMP_UNCONFINED: Check = Check {
    meta: CheckMeta {
        id: "seccompUnconfined",
        title: "Container runs with seccomp disabled",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "A seccomp profile explicitly set to Unconfined (field or legacy \
            annotation) turns off system call filtering for the container even where the \
            cluster would apply the runtime's default: every system call, including those \
            behind known container escapes (unshare, keyctl, bpf…), reaches the node's kernel.",
        remediation: "Set `securityContext.seccompProfile.type` to `RuntimeDefault` (or \
            `Localhost` with a profile allowing what the process needs) where it says \
            `Unconfined`, and remove `unconfined` seccomp annotations.",
        example:
            "securityContext:\n  seccompProfile:\n    type: RuntimeDefault   # not Unconfined\n",
        kinds: WORKLOADS,
        controls: &[
            cis("5.7.2"),
            pss("baseline"),
            nsa("linux-security-features"),
        ],
        references: &["https://kubernetes.io/docs/tutorials/security/seccomp/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |pod, c| {
            match effective_seccomp(pod, c) {
                Some(r) if r.profile == Profile::Unconfined => vec![Violation::in_container(
                    c,
                    r.node.line,
                    format!("container '{}' runs without seccomp ({})", c.name, r.source),
                )],
                _ => vec![],
            }
        })
    }),
};

pub static APP_ARMOR_UNCONFINED: Check = Check {
    meta: CheckMeta {
        id: "appArmorUnconfined",
        title: "Container runs with AppArmor disabled",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "On nodes with AppArmor the runtime confines containers with its default \
            profile, which blocks writes to /proc and /sys, mounts and other escape paths. An \
            `Unconfined` profile, set by `appArmorProfile.type` (container, else pod) or the \
            annotation container.apparmor.security.beta.kubernetes.io/<container>: unconfined, \
            removes that layer.",
        remediation: "Set `securityContext.appArmorProfile.type` to `RuntimeDefault` (or \
            `Localhost` with `localhostProfile`), and remove \
            `container.apparmor.security.beta.kubernetes.io/<container>: unconfined` \
            annotations from the pod template.",
        example: "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n",
        kinds: WORKLOADS,
        controls: &[pss("baseline"), nsa("linux-security-features")],
        references: &["https://kubernetes.io/docs/tutorials/security/apparmor/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |pod, c| {
            match effective_apparmor(pod, c) {
                Some(r) if r.profile == Profile::Unconfined => vec![Violation::in_container(
                    c,
                    r.node.line,
                    format!(
                        "container '{}' runs without AppArmor ({})",
                        c.name, r.source
                    ),
                )],
                _ => vec![],
            }
        })
    }),
};

/// SELinux types a baseline pod may use.
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Violations of one `seLinuxOptions` node: a custom type, or any user or role.
fn selinux_violations(opts: &Node) -> Vec<(&'static str, &Node, String)> {
    let mut out = Vec::new();
    let text = |n: &Node| n.scalar_text().unwrap_or_default();
    if let Some(t) = opts.get("type").filter(|t| !text(t).is_empty()) {
        if !SELINUX_TYPES.contains(&text(t).as_str()) {
            out.push(("type", t, format!("the SELinux type '{}'", text(t))));
        }
    }
    for field in ["user", "role"] {
        if let Some(n) = opts.get(field).filter(|n| !text(n).is_empty()) {
            out.push((field, n, format!("the SELinux {field} '{}'", text(n))));
        }
    }
    out
}

pub static SE_LINUX_CUSTOM_OPTIONS: Check = Check {
    meta: CheckMeta {
        id: "seLinuxCustomOptions",
        title: "Pod or container sets custom SELinux options",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "SELinux labels decide what a container may touch on an SELinux node. A type \
            other than container_t, container_init_t, container_kvm_t or container_engine_t \
            (spc_t, unconfined_t…), or any custom user or role, can lift the container out of \
            the confinement every other container shares. Pod and container \
            `seLinuxOptions` are both judged.",
        remediation: "Remove `seLinuxOptions.type`, `.user` and `.role` from the pod's and the \
            containers' securityContext (setting only `level` is fine), or use one of the \
            allowed container types.",
        example: "securityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"   # no type, user or role\n",
        kinds: WORKLOADS,
        controls: &[pss("baseline"), nsa("linux-security-features")],
        references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let mut out: Vec<Violation> = pod
            .security_context()
            .and_then(|s| s.get("seLinuxOptions"))
            .map(selinux_violations)
            .unwrap_or_default()
            .into_iter()
            .map(|(field, n, what)| {
                Violation::at(n.line, format!("the pod sets {what}")).keyed(format!("pod.{field}"))
            })
            .collect();
        for c in pod.containers() {
            let Some(opts) = c.sc("seLinuxOptions") else {
                continue;
            };
            out.extend(selinux_violations(opts).into_iter().map(|(field, n, what)| {
                Violation::in_container(&c, n.line, format!("container '{}' sets {what}", c.name))
                    .keyed(field)
            }));
        }
        Outcome::from_violations(out)
    }),
};

pub static HOST_PROCESS: Check = Check {
    meta: CheckMeta {
        id: "hostProcess",
        title: "Windows HostProcess container",
        category: Category::Security,
        severity: Severity::Critical,
        enabled: true,
        description: "A Windows HostProcess container runs directly on the node as a host \
            process, with the node's network and filesystem and, usually, as SYSTEM: it is the \
            Windows equivalent of a privileged container with host namespaces. \
            `windowsOptions.hostProcess` set on the pod applies to every container.",
        remediation: "Remove `securityContext.windowsOptions.hostProcess` (or set it to false) \
            on the pod and its containers; run node management through dedicated, exempted \
            node agents.",
        example: "spec:\n  securityContext:\n    windowsOptions:\n      hostProcess: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.11"), pss("baseline")],
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
        ],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |pod, c| {
            match effective_sc(pod, c, &["windowsOptions", "hostProcess"]) {
                Some(n) if n.is_true() => vec![Violation::in_container(
                    c,
                    n.line,
                    format!(
                        "container '{}' is a HostProcess container: it runs on the node itself",
                        c.name
                    ),
                )],
                _ => vec![],
            }
        })
    }),
};

/// Whether a container drops ALL capabilities.
pub(crate) fn drops_all(c: &Container<'_>) -> bool {
    c.sc("capabilities")
        .and_then(|caps| caps.get("drop"))
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(Node::as_str)
        .any(|s| normalize_capability(s) == "ALL")
}

fn hardened(pod: &PodSpec<'_>, c: &Container<'_>) -> bool {
    let confined = |r: Option<Resolved<'_>>| r.is_some_and(|r| r.profile == Profile::Confined);
    confined(effective_seccomp(pod, c))
        || confined(effective_apparmor(pod, c))
        || [c.security_context(), pod.security_context()]
            .into_iter()
            .flatten()
            .any(|sc| {
                sc.get("seLinuxOptions")
                    .is_some_and(|o| !o.as_map().is_empty())
            })
        || drops_all(c)
}

pub static LINUX_HARDENING: Check = Check {
    meta: CheckMeta {
        id: "linuxHardening",
        title: "Container uses no Linux hardening",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "A container that uses none of the kernel's confinement mechanisms — a \
            seccomp profile (RuntimeDefault or Localhost), an AppArmor profile (RuntimeDefault \
            or Localhost, field or annotation), SELinux options, or dropping ALL capabilities — \
            relies on namespaces alone to contain a compromised process. Any one of them \
            passes (unlike Polaris, dropping only some capabilities does not). Windows pods are \
            not judged.",
        remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod and \
            `securityContext.capabilities.drop: [\"ALL\"]` on every container (adding back only \
            what the process needs).",
        example: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    securityContext:\n      capabilities:\n        drop: [\"ALL\"]\n",
        kinds: WORKLOADS,
        controls: &[cis("5.7.3"), nsa("linux-security-features")],
        references: &["https://kubernetes.io/docs/concepts/security/linux-kernel-security-constraints/"],
    },
    eval: Eval::Object(linux_hardening),
};

fn linux_hardening(ctx: &Ctx<'_>) -> Outcome {
    if ctx.pod.is_some_and(|p| is_windows(&p)) {
        return Outcome::NotApplicable;
    }
    per_container(ctx, all_containers, |pod, c| {
        if hardened(pod, c) {
            return vec![];
        }
        vec![Violation::in_container(
            c,
            missing_line(c),
            format!(
                "container '{}' has no seccomp or AppArmor profile, no SELinux options and does \
                 not drop ALL capabilities",
                c.name
            ),
        )]
    })
}
