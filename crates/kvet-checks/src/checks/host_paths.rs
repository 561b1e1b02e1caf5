//! Volumes that reach into the node's filesystem.

use super::{cis, pss, WORKLOADS};
use crate::check::{Check, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Node, PodSpec};

/// A `hostPath` volume of a pod: its name, its `hostPath` node and the path it mounts.
pub(crate) struct HostPathVolume<'a> {
    pub name: &'a str,
    pub host_path: &'a Node,
    pub path: Option<&'a str>,
}

impl HostPathVolume<'_> {
    /// The `hostPath.path` line, or the `hostPath` line when the path is missing.
    pub fn line(&self) -> u32 {
        self.host_path
            .get("path")
            .map_or(self.host_path.line, |n| n.line)
    }
}

pub(crate) fn host_path_volumes<'a>(pod: &PodSpec<'a>) -> Vec<HostPathVolume<'a>> {
    pod.get("volumes")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter_map(|v| {
            let host_path = v.get("hostPath").filter(|h| !h.is_null())?;
            Some(HostPathVolume {
                name: v.get("name").and_then(Node::as_str).unwrap_or("<unnamed>"),
                host_path,
                path: host_path.get("path").and_then(Node::as_str),
            })
        })
        .collect()
}

/// Lexical normalisation of an absolute path: no empty or `.` segments, `..` resolved, no
/// trailing slash (`/var/run//docker.sock/` → `/var/run/docker.sock`, `/etc/../` → `/`).
pub(crate) fn normalize_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.trim().split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// How a mounted host path relates to a sensitive one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exposure {
    /// The path is the sensitive path.
    Is(String),
    /// The path lies below the sensitive path (`/etc/kubernetes/pki` below `/etc`).
    Inside(String),
    /// The path contains the sensitive path (`/var` contains `/var/lib/kubelet`).
    Contains(String),
}

impl Exposure {
    fn entry(&self) -> &str {
        match self {
            Exposure::Is(e) | Exposure::Inside(e) | Exposure::Contains(e) => e,
        }
    }
}

/// Matches `path` against the sensitive list. `/` in the list matches only `/` itself (every
/// path is below it); other entries match themselves and everything below them. A path that
/// contains a sensitive one (an ancestor such as `/var` or `/`) exposes it too. An exact match
/// wins over the deepest enclosing entry, which wins over a contained one.
pub(crate) fn sensitive_exposure(path: &str, sensitive: &[String]) -> Option<Exposure> {
    let p = normalize_path(path);
    let entries: Vec<String> = sensitive.iter().map(|e| normalize_path(e)).collect();
    if let Some(e) = entries.iter().find(|e| **e == p) {
        return Some(Exposure::Is(e.clone()));
    }
    let below = |parent: &str, child: &str| {
        parent == "/"
            || child
                .strip_prefix(parent)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if let Some(e) = entries
        .iter()
        .filter(|e| e.as_str() != "/" && below(e, &p))
        .max_by_key(|e| e.len())
    {
        return Some(Exposure::Inside(e.clone()));
    }
    entries
        .iter()
        .find(|e| below(&p, e))
        .map(|e| Exposure::Contains(e.clone()))
}

/// What mounting a sensitive path hands the pod.
fn what_it_exposes(entry: &str) -> &'static str {
    if entry.ends_with(".sock") {
        return if ["docker", "containerd", "crio", "cri-dockerd"]
            .iter()
            .any(|r| entry.contains(r))
        {
            "the container runtime socket: control of every container on the node, hence root \
             on the node"
        } else {
            "a node daemon's control socket"
        };
    }
    match entry {
        "/" => "the node's entire filesystem",
        "/etc" => {
            "the node's configuration and credentials (/etc/shadow, kubelet and SSH configuration)"
        }
        "/etc/kubernetes" => {
            "the node's Kubernetes configuration and PKI (cluster-admin credentials on \
             control-plane nodes)"
        }
        "/root" | "/home" => "users' home directories (SSH keys, cloud and kubectl credentials)",
        "/proc" => "every host process (memory, environment, namespaces) and the kernel's tunables",
        "/sys" => "the kernel's and devices' settings, cgroups included",
        "/dev" => "the node's devices, raw disks included",
        "/boot" => "the node's kernel and boot loader",
        "/var/lib/kubelet" => {
            "the kubelet's data: the secrets and service account tokens of every pod on the node"
        }
        "/var/lib/docker" | "/var/lib/containerd" => {
            "the filesystems of every container on the node"
        }
        "/var/lib/etcd" => "etcd's data: every Secret of the cluster",
        "/var/run" | "/run" => "the node's runtime state, container runtime sockets included",
        _ => "a path configured as sensitive (sensitiveHostPaths)",
    }
}

pub static HOST_PATH_SET: Check = Check {
    meta: CheckMeta {
        id: "hostPathSet",
        title: "Pod mounts a host path",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "A hostPath volume mounts a file or directory of the node into the pod: the \
            pod reads (and, unless the mount is read-only, writes) the node's filesystem, \
            escapes the pod's storage isolation and depends on what happens to be on the node \
            it lands on. Mounts of paths that hand over the node are reported, as CRITICAL, by \
            sensitiveHostPathMounted as well.",
        remediation: "Replace the `hostPath` volume under `spec.volumes[]` with an `emptyDir`, a \
            `configMap`/`secret`, a PersistentVolumeClaim or a CSI volume; if a node agent \
            really needs it, mount it with `readOnly: true` and exempt the workload.",
        example: "volumes:\n- name: cache\n  emptyDir: {}      # instead of hostPath: {path: /var/cache/app}\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.12"), pss("baseline")],
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let violations = host_path_volumes(&pod)
            .into_iter()
            .map(|v| {
                let what = v
                    .path
                    .map_or_else(|| "a host path".to_string(), |p| format!("host path '{p}'"));
                Violation::at(v.line(), format!("volume '{}' mounts {what} from the node", v.name))
                    .keyed(v.name)
            })
            .collect();
        Outcome::from_violations(violations)
    }),
};

pub static SENSITIVE_HOST_PATH_MOUNTED: Check = Check {
    meta: CheckMeta {
        id: "sensitiveHostPathMounted",
        title: "Pod mounts a sensitive host path",
        category: Category::NodeEscape,
        severity: Severity::Critical,
        enabled: true,
        description: "Some host paths hand the node over to whoever runs in the pod: the \
            container runtime socket (/var/run/docker.sock, /run/containerd/containerd.sock) \
            controls every container on the node, / and /etc expose its files and credentials, \
            /proc its processes, /var/lib/kubelet the tokens of every pod on it. A path matches \
            when it is a listed path, lies below one (/etc/kubernetes/pki), or contains one \
            (/var contains /var/lib/kubelet); `/` in the list matches only `/` itself. Paths are \
            compared after normalising slashes, `.` and `..`. The list is configurable \
            (`sensitiveHostPaths` in kvet.yaml).",
        remediation: "Remove the `hostPath` volume from `spec.volumes[]`. Talk to the runtime or \
            the API through a narrowly scoped API instead of its socket; if a node agent truly \
            needs the path, mount the narrowest sub-path with `readOnly: true`, isolate the \
            agent in its own namespace and exempt it explicitly.",
        example: "volumes:\n- name: containerd-sock   # remove: root on the node\n  hostPath:\n    path: /run/containerd/containerd.sock\n",
        kinds: WORKLOADS,
        controls: &[cis("5.2.12"), pss("baseline")],
        references: &[
            "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let sensitive = &ctx.settings.sensitive_host_paths;
        let violations = host_path_volumes(&pod)
            .into_iter()
            .filter_map(|v| {
                let path = v.path?;
                let exposure = sensitive_exposure(path, sensitive)?;
                let gives = what_it_exposes(exposure.entry());
                let message = match &exposure {
                    Exposure::Is(_) => {
                        format!("volume '{}' mounts host path '{path}': {gives}", v.name)
                    }
                    Exposure::Inside(e) => format!(
                        "volume '{}' mounts host path '{path}', inside '{e}': {gives}",
                        v.name
                    ),
                    Exposure::Contains(e) => format!(
                        "volume '{}' mounts host path '{path}', which contains '{e}': {gives}",
                        v.name
                    ),
                };
                Some(Violation::at(v.line(), message).keyed(v.name))
            })
            .collect();
        Outcome::from_violations(violations)
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(
            normalize_path("/var/run//docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize_path("/etc/./kubernetes/../"), "/etc");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("//"), "/");
        assert_eq!(normalize_path("/.."), "/");
    }

    #[test]
    fn sensitive_paths_match_themselves_below_and_above() {
        let s = list(&[
            "/",
            "/etc/",
            "/var/lib/kubelet",
            "/run/containerd/containerd.sock",
        ]);
        let m = |p| sensitive_exposure(p, &s);
        // "/" only matches itself...
        assert_eq!(m("/"), Some(Exposure::Is("/".into())));
        assert_eq!(m("/opt/cni/bin"), None);
        assert_eq!(m("/var/log"), None);
        // ...other entries match themselves and what is below them, trailing slashes aside.
        assert_eq!(m("/etc"), Some(Exposure::Is("/etc".into())));
        assert_eq!(m("/etc/"), Some(Exposure::Is("/etc".into())));
        assert_eq!(
            m("/etc/kubernetes/pki"),
            Some(Exposure::Inside("/etc".into()))
        );
        assert_eq!(
            m("/run/containerd/containerd.sock/"),
            Some(Exposure::Is("/run/containerd/containerd.sock".into()))
        );
        // A sibling sharing a prefix is not below.
        assert_eq!(m("/etcd-data"), None);
        assert_eq!(m("/var/lib/kubelet-plugins"), None);
        // An ancestor exposes what it contains.
        assert_eq!(
            m("/var/lib"),
            Some(Exposure::Contains("/var/lib/kubelet".into()))
        );
        assert_eq!(
            m("/run/containerd"),
            Some(Exposure::Contains("/run/containerd/containerd.sock".into()))
        );
        // Tricks with `..` do not hide a path.
        assert_eq!(
            m("/tmp/../etc/shadow"),
            Some(Exposure::Inside("/etc".into()))
        );
        // The deepest enclosing entry is named.
        let s = list(&["/etc", "/etc/kubernetes"]);
        assert_eq!(
            sensitive_exposure("/etc/kubernetes/admin.conf", &s),
            Some(Exposure::Inside("/etc/kubernetes".into()))
        );
    }
}
