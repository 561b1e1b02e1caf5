//! What a container may do as a process: user, privilege, capabilities, root filesystem.

use super::{cis, nsa, pss, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Eval, Violation};
use crate::settings::normalize_capability;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Container, Node};

/// Added capabilities with their nodes, names normalised (`cap_sys_admin` → `SYS_ADMIN`).
pub(crate) fn added_capabilities<'a>(c: &Container<'a>) -> Vec<(String, &'a Node)> {
    c.sc("capabilities")
        .and_then(|caps| caps.get("add"))
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(|n| n.as_str().map(|s| (normalize_capability(s), n)))
        .collect()
}

/// The line to blame for a missing securityContext field: the container's securityContext
/// when it has one, else the container itself.
pub(crate) fn missing_line(c: &Container<'_>) -> u32 {
    c.get("securityContext").map_or(c.node.line, |n| n.line)
}

pub static RUN_AS_ROOT_ALLOWED: Check = Check {
    meta: CheckMeta {
        id: "runAsRootAllowed",
        title: "Container may run as root",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "Unless the pod or container sets `runAsNonRoot: true` or a non-zero \
            `runAsUser`, the container runs as whatever user the image chose, usually root. \
            Root in a container is root on the node's kernel: one kernel or runtime bug away \
            from owning the node, and root inside can write every file of the image.",
        remediation: "Set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero \
            `runAsUser`, and build the image with a non-root `USER`.",
        example: "spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.7"), pss("restricted"), nsa("non-root-containers")],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |pod, c| {
            let user = pod.effective(c, "runAsUser");
            if let Some(u) = user.filter(|u| u.as_i64() == Some(0)) {
                return vec![Violation::in_container(
                    c,
                    u.line,
                    format!("container '{}' runs as UID 0 (runAsUser: 0)", c.name),
                )];
            }
            let non_root = pod.effective(c, "runAsNonRoot");
            if non_root.is_some_and(Node::is_true) || user.and_then(Node::as_i64).is_some() {
                return vec![];
            }
            let line = non_root.map_or_else(|| missing_line(c), |n| n.line);
            vec![Violation::in_container(
                c,
                line,
                format!(
                    "container '{}' may run as root: neither runAsNonRoot: true nor a non-zero \
                     runAsUser is set on the pod or the container",
                    c.name
                ),
            )]
        })
    }),
};

pub static RUN_AS_PRIVILEGED: Check = Check {
    meta: CheckMeta {
        id: "runAsPrivileged",
        title: "Container runs privileged",
        category: Category::Security,
        severity: Severity::Critical,
        enabled: true,
        description: "A privileged container has every capability, all host devices and no \
            seccomp or AppArmor confinement: it is root on the node (mount the host disk, load \
            kernel modules).",
        remediation: "Remove `securityContext.privileged` (or set it to false); grant only the \
            specific capabilities the process needs under `capabilities.add`.",
        example: "containers:\n- name: app\n  securityContext:\n    privileged: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.2"), pss("baseline"), nsa("privileged-containers")],
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| match c.sc("privileged") {
            Some(p) if p.is_true() => vec![Violation::in_container(
                c,
                p.line,
                format!("container '{}' is privileged", c.name),
            )],
            _ => vec![],
        })
    }),
};

pub static PRIVILEGE_ESCALATION_ALLOWED: Check = Check {
    meta: CheckMeta {
        id: "privilegeEscalationAllowed",
        title: "Container allows privilege escalation",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "`allowPrivilegeEscalation` defaults to true: setuid binaries and file \
            capabilities inside the container can gain privileges its process did not start \
            with. Privileged containers and CAP_SYS_ADMIN always allow escalation, whatever \
            the field says.",
        remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container, \
            and do not run it privileged or with CAP_SYS_ADMIN.",
        example:
            "containers:\n- name: app\n  securityContext:\n    allowPrivilegeEscalation: false\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.6"), pss("restricted"), nsa("privilege-escalation")],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            if let Some(p) = c.sc("privileged").filter(|p| p.is_true()) {
                return vec![Violation::in_container(
                    c,
                    p.line,
                    format!(
                        "container '{}' is privileged, which always allows escalation",
                        c.name
                    ),
                )];
            }
            if let Some((_, n)) = added_capabilities(c)
                .into_iter()
                .find(|(n, _)| n == "SYS_ADMIN")
            {
                return vec![Violation::in_container(
                    c,
                    n.line,
                    format!(
                        "container '{}' adds CAP_SYS_ADMIN, which always allows escalation",
                        c.name
                    ),
                )];
            }
            match c.sc("allowPrivilegeEscalation") {
                Some(n) if n.as_bool() == Some(false) => vec![],
                Some(n) => vec![Violation::in_container(
                    c,
                    n.line,
                    format!("container '{}' sets allowPrivilegeEscalation to true", c.name),
                )],
                None => vec![Violation::in_container(
                    c,
                    missing_line(c),
                    format!(
                        "container '{}' does not set allowPrivilegeEscalation: false (it defaults to true)",
                        c.name
                    ),
                )],
            }
        })
    }),
};

pub static CAPABILITIES_ADDED: Check = Check {
    meta: CheckMeta {
        id: "capabilitiesAdded",
        title: "Container adds dangerous capabilities",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or \
            DAC_READ_SEARCH hand a container powers over the node's kernel that are the usual \
            first step of a container escape (mounting filesystems, loading modules, tracing \
            host processes, reading any file). The list is configurable \
            (`dangerousCapabilities` in kvet.yaml); names match with or without `CAP_`, in any case.",
        remediation: "Remove the capability from `securityContext.capabilities.add`; drop ALL and \
            add back only harmless ones the process needs (for example NET_BIND_SERVICE).",
        example: "containers:\n- name: app\n  securityContext:\n    capabilities:\n      drop: [\"ALL\"]\n      add: [\"NET_BIND_SERVICE\"]\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.9"), pss("baseline"), nsa("capabilities")],
        references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    },
    eval: Eval::Object(|ctx| {
        let dangerous = &ctx.settings.dangerous_capabilities;
        per_container(ctx, all_containers, |_, c| {
            added_capabilities(c)
                .into_iter()
                .filter(|(name, _)| dangerous.contains(name))
                .map(|(name, n)| {
                    Violation::in_container(
                        c,
                        n.line,
                        format!("container '{}' adds capability {name}", c.name),
                    )
                    .keyed(name)
                })
                .collect()
        })
    }),
};

pub static NOT_READ_ONLY_ROOT_FILE_SYSTEM: Check = Check {
    meta: CheckMeta {
        id: "notReadOnlyRootFileSystem",
        title: "Container root filesystem is writable",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "A writable root filesystem lets an attacker who gains code execution drop \
            tools, modify binaries and persist. Immutable containers write only to declared \
            volumes.",
        remediation: "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` \
            at the paths the process must write (for example /tmp).",
        example: "containers:\n- name: app\n  securityContext:\n    readOnlyRootFilesystem: true\n  volumeMounts:\n  - {name: tmp, mountPath: /tmp}\nvolumes:\n- {name: tmp, emptyDir: {}}\n",
        kinds: WORKLOADS,
        controls: &[nsa("immutable-filesystem")],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| match c.sc("readOnlyRootFilesystem") {
            Some(n) if n.is_true() => vec![],
            Some(n) => vec![Violation::in_container(
                c,
                n.line,
                format!("container '{}' sets readOnlyRootFilesystem to false", c.name),
            )],
            None => vec![Violation::in_container(
                c,
                missing_line(c),
                format!("container '{}' does not set readOnlyRootFilesystem: true", c.name),
            )],
        })
    }),
};
