//! The control plane's own settings, read from the command lines of its static pods
//! (kube-apiserver, etcd, kube-controller-manager, kube-scheduler) — on a live cluster the
//! mirror pods in kube-system, on disk `/etc/kubernetes/manifests`. A check applies only to a
//! pod running its component; defaults are the components' own (a flag left out means what
//! the binary does without it).

use super::cis;
use crate::check::{Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Container, Node};

/// A component's command-line flags, with the line of each.
pub(crate) struct Flags {
    flags: Vec<(String, String, u32)>,
    /// The line of the container's command, for flags that are missing.
    pub line: u32,
}

impl Flags {
    /// Parses `command[1..]` and `args`: `--name=value`, `--name value` and bare `--name`
    /// (true). The last occurrence of a flag wins, as with the components' flag parser.
    fn parse(c: &Container<'_>, binary: &str) -> Option<Flags> {
        let command = c.get("command").map_or(&[][..], Node::as_seq);
        let args = c.get("args").map_or(&[][..], Node::as_seq);
        let first = command.first().or(args.first())?;
        // The binary is the first word of command (or of args for images whose entrypoint is
        // a wrapper), possibly with a folder, or inside a `sh -c` line.
        let runs = |n: &Node| {
            n.as_str().is_some_and(|s| {
                s.split_whitespace()
                    .next()
                    .is_some_and(|w| w.rsplit('/').next() == Some(binary))
            })
        };
        if !runs(first) {
            return None;
        }
        let tokens: Vec<(&str, u32)> = command
            .iter()
            .skip(1)
            .chain(args.iter().skip(usize::from(command.is_empty())))
            .filter_map(|n| n.as_str().map(|s| (s, n.line)))
            .collect();
        let mut flags = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let (t, line) = tokens[i];
            i += 1;
            let Some(body) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, v.to_string()),
                None => match tokens.get(i) {
                    Some((next, _)) if !next.starts_with('-') => {
                        i += 1;
                        (body, next.to_string())
                    }
                    _ => (body, "true".to_string()),
                },
            };
            flags.push((name.to_string(), value, line));
        }
        Some(Flags {
            flags,
            line: first.line,
        })
    }

    pub fn get(&self, name: &str) -> Option<(&str, u32)> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, l)| (v.as_str(), *l))
    }

    fn is_true(&self, name: &str) -> Option<bool> {
        self.get(name)
            .map(|(v, _)| v.trim().eq_ignore_ascii_case("true"))
    }
}

/// Runs `judge` on the flags of every container of the pod that runs `binary`; the judge
/// returns the line and message of a failure.
fn judge_component(
    ctx: &Ctx<'_>,
    binaries: &[&str],
    judge: fn(&Flags) -> Option<(u32, String)>,
) -> Outcome {
    let Some(pod) = ctx.pod else {
        return Outcome::NotApplicable;
    };
    let mut applies = false;
    let mut violations = Vec::new();
    for c in pod.containers() {
        for b in binaries {
            if let Some(flags) = Flags::parse(&c, b) {
                applies = true;
                if let Some((line, msg)) = judge(&flags) {
                    violations.push(Violation::in_container(&c, line, format!("{b}: {msg}")));
                }
            }
        }
    }
    if !applies {
        return Outcome::NotApplicable;
    }
    Outcome::from_violations(violations)
}

/// Fails unless `flag` is explicitly `want` ("true"/"false").
fn require_bool(f: &Flags, flag: &str, want: bool, risk: &str) -> Option<(u32, String)> {
    match f.get(flag) {
        Some((v, line)) if !v.trim().eq_ignore_ascii_case(&want.to_string()) => {
            Some((line, format!("--{flag}={v}: {risk}")))
        }
        Some(_) => None,
        None => Some((f.line, format!("--{flag} is not set to {want}: {risk}"))),
    }
}

/// Fails when `flag` is missing or empty.
fn require_set(f: &Flags, flag: &str, risk: &str) -> Option<(u32, String)> {
    match f.get(flag) {
        Some((v, _)) if !v.trim().is_empty() => None,
        _ => Some((f.line, format!("--{flag} is not set: {risk}"))),
    }
}

const APISERVER: &[&str] = &["kube-apiserver"];
const ETCD: &[&str] = &["etcd"];
const CONTROLLER_MANAGER: &[&str] = &["kube-controller-manager"];
const APISERVER_DOC: &str =
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/";
const ETCD_DOC: &str = "https://etcd.io/docs/latest/op-guide/security/";
const STATIC_PODS: &[&str] = &["Pod (control-plane static pods)"];

macro_rules! flag_check {
    ($name:ident, $id:literal, $title:literal, $sev:ident, $components:expr, $judge:expr,
     $desc:expr, $rem:expr, $example:expr, $controls:expr, $doc:expr) => {
        pub static $name: Check = Check {
            meta: CheckMeta {
                id: $id,
                title: $title,
                category: Category::ControlPlane,
                severity: Severity::$sev,
                enabled: true,
                description: $desc,
                remediation: $rem,
                example: $example,
                kinds: STATIC_PODS,
                controls: $controls,
                references: &[$doc],
            },
            eval: Eval::Object(|ctx| judge_component(ctx, $components, $judge)),
        };
    };
}

flag_check!(
    APISERVER_ANONYMOUS_AUTH,
    "apiserverAnonymousAuth",
    "API server accepts anonymous requests",
    High,
    APISERVER,
    |f| require_bool(
        f,
        "anonymous-auth",
        false,
        "requests without credentials are served as system:anonymous"
    ),
    "With `--anonymous-auth` left at its default (true), every request without credentials \
     is served as system:anonymous / system:unauthenticated: one careless binding (or a \
     discovery or health endpoint) is then open to anyone who reaches the API server.",
    "Start kube-apiserver with `--anonymous-auth=false` (load balancers can probe /livez with \
     credentials or through the AuthenticationConfiguration's anonymous endpoint list).",
    "- --anonymous-auth=false\n",
    &[cis("1.2.1")],
    APISERVER_DOC
);
flag_check!(
    APISERVER_ALWAYS_ALLOW_AUTHORIZATION,
    "apiserverAlwaysAllowAuthorization",
    "API server authorizes every request (AlwaysAllow)",
    Critical,
    APISERVER,
    |f| match f.get("authorization-mode") {
        Some((v, line)) if v.split(',').any(|m| m.trim() == "AlwaysAllow") => {
            Some((
                line,
                format!("--authorization-mode={v}: every authenticated request is allowed"),
            ))
        }
        Some(_) => None,
        None => Some((
            f.line,
            "--authorization-mode is not set: it defaults to AlwaysAllow".into()
        )),
    },
    "`--authorization-mode=AlwaysAllow` (the default when the flag is absent) lets every \
     authenticated request do anything: RBAC is not consulted at all.",
    "Start kube-apiserver with `--authorization-mode=Node,RBAC`.",
    "- --authorization-mode=Node,RBAC\n",
    &[cis("1.2.5"), cis("1.2.6"), cis("1.2.7")],
    APISERVER_DOC
);
flag_check!(
    APISERVER_INSECURE_PORT,
    "apiserverInsecurePort",
    "API server serves an insecure (plain HTTP) port",
    Critical,
    APISERVER,
    |f| match f.get("insecure-port") {
        Some((v, line)) if v.trim() != "0" => {
            Some((
                line,
                format!(
                    "--insecure-port={v}: an unauthenticated, unencrypted port with full access"
                ),
            ))
        }
        _ => f.get("insecure-bind-address").map(|(v, line)| {
            (
                line,
                format!("--insecure-bind-address={v}: the insecure port is exposed"),
            )
        }),
    },
    "The insecure port (Kubernetes before 1.20, removed in 1.24) bypasses authentication and \
     authorization entirely: whoever reaches it is cluster-admin, over plain HTTP.",
    "Set `--insecure-port=0` and remove `--insecure-bind-address`, or upgrade.",
    "- --insecure-port=0\n",
    &[cis("1.2.19")],
    APISERVER_DOC
);
flag_check!(
    APISERVER_NODE_RESTRICTION_MISSING,
    "apiserverNodeRestrictionMissing",
    "API server does not enable the NodeRestriction admission plugin",
    Medium,
    APISERVER,
    |f| match f.get("enable-admission-plugins") {
        Some((v, _)) if v.split(',').any(|p| p.trim() == "NodeRestriction") => None,
        Some((v, line)) => Some((
            line,
            format!("--enable-admission-plugins={v} lacks NodeRestriction")
        )),
        None => Some((
            f.line,
            "--enable-admission-plugins does not include NodeRestriction".into()
        )),
    },
    "Without NodeRestriction a kubelet's credentials can modify every Node and Pod object of \
     the cluster (labels that steer workloads to it, other nodes' status): one compromised \
     node becomes the whole cluster.",
    "Add NodeRestriction to `--enable-admission-plugins` (with `--authorization-mode` \
     including Node).",
    "- --enable-admission-plugins=NodeRestriction\n",
    &[cis("1.2.14")],
    APISERVER_DOC
);
flag_check!(
    APISERVER_ENCRYPTION_AT_REST_MISSING,
    "apiserverEncryptionAtRestMissing",
    "Secrets are not encrypted at rest in etcd",
    High,
    APISERVER,
    |f| require_set(
        f,
        "encryption-provider-config",
        "Secrets are stored in etcd in plain text"
    ),
    "Without `--encryption-provider-config` the API server writes Secrets to etcd unencrypted: \
     an etcd backup, a copy of its data directory or access to its disk reads every \
     credential of the cluster.",
    "Write an EncryptionConfiguration (aescbc, secretbox or a KMS v2 provider) for secrets and \
     pass it with `--encryption-provider-config`; then rewrite existing Secrets.",
    "- --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml\n",
    &[cis("1.2.27"), cis("1.2.28")],
    "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/"
);
flag_check!(
    APISERVER_AUDIT_LOG_MISSING,
    "apiserverAuditLogMissing",
    "API server does not write an audit log",
    Medium,
    APISERVER,
    |f| {
        let sink = f.get("audit-log-path").or(f.get("audit-webhook-config-file"));
        match (sink, f.get("audit-policy-file")) {
            (None, _) => Some((f.line, "neither --audit-log-path nor --audit-webhook-config-file is set: no audit trail".into())),
            (Some(_), None) => Some((f.line, "--audit-policy-file is not set: without a policy nothing is logged".into())),
            _ => None,
        }
    },
    "Without an audit log (a path or webhook, and a policy — without a policy nothing is \
     recorded) there is no record of who read Secrets, exec'd into pods or changed RBAC: \
     incidents cannot be investigated and `kvet audit` has nothing to read.",
    "Pass `--audit-policy-file` and `--audit-log-path` (with rotation flags) or \
     `--audit-webhook-config-file`.",
    "- --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n- --audit-log-path=/var/log/kubernetes/audit/audit.log\n- --audit-log-maxage=30\n",
    &[cis("1.2.16"), cis("3.2.1")],
    "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/"
);
flag_check!(
    APISERVER_KUBELET_CERTIFICATE_AUTHORITY_MISSING,
    "apiserverKubeletCertificateAuthorityMissing",
    "API server does not verify kubelets' certificates",
    Medium,
    APISERVER,
    |f| require_set(
        f,
        "kubelet-certificate-authority",
        "connections to kubelets (exec, logs) can be intercepted"
    ),
    "Without `--kubelet-certificate-authority` the API server does not verify the serving \
     certificate of the kubelets it connects to for exec, attach, logs and port-forward: a \
     man in the middle sees and alters those sessions.",
    "Pass the CA that signs kubelet serving certificates with `--kubelet-certificate-authority` \
     (and enable kubelet serving-certificate rotation).",
    "- --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n",
    &[cis("1.2.4")],
    APISERVER_DOC
);
flag_check!(
    APISERVER_TLS_MISSING,
    "apiserverTlsMissing",
    "API server has no TLS certificate and key configured",
    Medium,
    APISERVER,
    |f| require_set(f, "tls-cert-file", "the API server falls back to a self-signed certificate")
        .or_else(|| require_set(f, "tls-private-key-file", "the API server falls back to a self-signed certificate")),
    "Without `--tls-cert-file` and `--tls-private-key-file` the API server generates a \
     self-signed certificate that clients cannot verify, inviting them to skip verification.",
    "Pass a certificate signed by the cluster CA with `--tls-cert-file` and \
     `--tls-private-key-file`.",
    "- --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n- --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n",
    &[cis("1.2.25")],
    APISERVER_DOC
);
flag_check!(
    CONTROL_PLANE_PROFILING_ENABLED,
    "controlPlaneProfilingEnabled",
    "Control-plane component exposes profiling",
    Low,
    &[
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler"
    ],
    |f| require_bool(
        f,
        "profiling",
        false,
        "pprof endpoints reveal internals and can be used to slow the component down"
    ),
    "`--profiling` defaults to true in kube-apiserver, kube-controller-manager and \
     kube-scheduler: the /debug/pprof endpoints expose program internals and are an easy way \
     to degrade the component.",
    "Start the component with `--profiling=false`.",
    "- --profiling=false\n",
    &[cis("1.2.15"), cis("1.3.2"), cis("1.4.1")],
    APISERVER_DOC
);
flag_check!(
    CONTROLLER_MANAGER_SERVICE_ACCOUNT_CREDENTIALS,
    "controllerManagerServiceAccountCredentials",
    "Controllers share the controller manager's own credentials",
    Medium,
    CONTROLLER_MANAGER,
    |f| require_bool(
        f,
        "use-service-account-credentials",
        true,
        "every controller runs with the controller manager's full permissions"
    ),
    "Without `--use-service-account-credentials=true` every controller acts with the \
     controller manager's own, very broad identity instead of its own narrowly scoped \
     service account: a flaw in one controller has the power of all of them.",
    "Start kube-controller-manager with `--use-service-account-credentials=true`.",
    "- --use-service-account-credentials=true\n",
    &[cis("1.3.3")],
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/"
);
flag_check!(
    CONTROL_PLANE_BIND_ADDRESS,
    "controlPlaneBindAddress",
    "Controller manager or scheduler listens on all addresses",
    Medium,
    &["kube-controller-manager", "kube-scheduler"],
    |f| match f.get("bind-address") {
        Some((v, _)) if matches!(v.trim(), "127.0.0.1" | "::1" | "localhost") => None,
        Some((v, line)) => Some((
            line,
            format!(
                "--bind-address={v}: metrics and health endpoints are reachable from the network"
            )
        )),
        None => Some((
            f.line,
            "--bind-address is not set: it defaults to 0.0.0.0".into()
        )),
    },
    "kube-controller-manager and kube-scheduler serve health, metrics (and profiling) \
     endpoints; bound to every address (the default 0.0.0.0) they are reachable from the \
     node's networks instead of the node alone.",
    "Start the component with `--bind-address=127.0.0.1`.",
    "- --bind-address=127.0.0.1\n",
    &[cis("1.3.7"), cis("1.4.2")],
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/"
);
flag_check!(
    ETCD_CLIENT_CERT_AUTH_DISABLED,
    "etcdClientCertAuthDisabled",
    "etcd does not require client certificates",
    High,
    ETCD,
    |f| require_bool(
        f,
        "client-cert-auth",
        true,
        "any client that reaches etcd reads and writes the whole cluster state"
    ),
    "etcd holds every object of the cluster, Secrets included. Without \
     `--client-cert-auth=true` it serves any client that reaches its port, with no identity.",
    "Start etcd with `--client-cert-auth=true` and `--trusted-ca-file`, and give the API \
     server a client certificate (`--etcd-certfile`, `--etcd-keyfile`).",
    "- --client-cert-auth=true\n- --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n",
    &[cis("2.2")],
    ETCD_DOC
);
flag_check!(
    ETCD_PEER_CLIENT_CERT_AUTH_DISABLED,
    "etcdPeerClientCertAuthDisabled",
    "etcd does not require peer certificates",
    Medium,
    ETCD,
    |f| require_bool(
        f,
        "peer-client-cert-auth",
        true,
        "any host can join the etcd cluster as a member"
    ),
    "Without `--peer-client-cert-auth=true` etcd accepts peer (member) connections without a \
     certificate: a host that reaches the peer port can join the cluster and receive all data.",
    "Start etcd with `--peer-client-cert-auth=true` and `--peer-trusted-ca-file`.",
    "- --peer-client-cert-auth=true\n- --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n",
    &[cis("2.5")],
    ETCD_DOC
);
flag_check!(
    ETCD_AUTO_TLS,
    "etcdAutoTls",
    "etcd uses self-signed certificates for clients (--auto-tls)",
    Medium,
    ETCD,
    |f| (f.is_true("auto-tls") == Some(true)).then(|| {
        let line = f.get("auto-tls").map_or(f.line, |(_, l)| l);
        (line, "--auto-tls=true: clients cannot verify etcd's identity".to_string())
    }),
    "`--auto-tls` makes etcd generate a self-signed certificate for client connections: \
     traffic is encrypted but clients cannot tell etcd from an impostor.",
    "Remove `--auto-tls` and pass `--cert-file` and `--key-file` signed by the etcd CA.",
    "- --cert-file=/etc/kubernetes/pki/etcd/server.crt\n- --key-file=/etc/kubernetes/pki/etcd/server.key\n",
    &[cis("2.3")],
    ETCD_DOC
);
flag_check!(
    ETCD_PEER_AUTO_TLS,
    "etcdPeerAutoTls",
    "etcd uses self-signed certificates for peers (--peer-auto-tls)",
    Medium,
    ETCD,
    |f| (f.is_true("peer-auto-tls") == Some(true)).then(|| {
        let line = f.get("peer-auto-tls").map_or(f.line, |(_, l)| l);
        (line, "--peer-auto-tls=true: members cannot verify each other".to_string())
    }),
    "`--peer-auto-tls` makes etcd generate self-signed certificates for member traffic: \
     members cannot verify each other, so an impostor can join.",
    "Remove `--peer-auto-tls` and pass `--peer-cert-file` and `--peer-key-file` signed by the \
     etcd CA.",
    "- --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n- --peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n",
    &[cis("2.6")],
    ETCD_DOC
);
flag_check!(
    ETCD_PLAIN_HTTP_CLIENT_URLS,
    "etcdPlainHttpClientUrls",
    "etcd listens for clients over plain HTTP on a network address",
    Critical,
    ETCD,
    |f| {
        let (urls, line) = f.get("listen-client-urls")?;
        let open = urls.split(',').map(str::trim).find(|u| {
            u.strip_prefix("http://").is_some_and(|rest| {
                let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
                !matches!(host, "127.0.0.1" | "localhost" | "[::1]")
            })
        })?;
        Some((
            line,
            format!(
                "--listen-client-urls includes {open}: unencrypted and without client certificates"
            ),
        ))
    },
    "An `http://` client URL on a non-loopback address serves etcd's whole keyspace, \
     Secrets included, unencrypted and without client authentication to the network.",
    "Listen with `https://` on network addresses (keep `http://127.0.0.1` only for local \
     tooling, if at all) and require client certificates.",
    "- --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.10:2379\n",
    &[cis("2.1")],
    ETCD_DOC
);

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(yaml: &str) -> Flags {
        let mut out = None;
        kvet_k8s::load_source(
            "t.yaml",
            yaml.as_bytes(),
            kvet_k8s::Limits::default(),
            &mut |o| {
                let pod = kvet_k8s::pod_spec(&o).unwrap();
                let c = pod.containers().next().unwrap();
                out = Flags::parse(&c, "kube-apiserver").map(|f| f.flags);
            },
        );
        Flags {
            flags: out.unwrap(),
            line: 0,
        }
    }

    #[test]
    fn flag_forms() {
        let f = flags(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    command: [/usr/local/bin/kube-apiserver, --a=1, --b, '2', --c, --d=x=y]\n    args: ['--a=3']\n",
        );
        assert_eq!(f.get("a").map(|x| x.0), Some("3"));
        assert_eq!(f.get("b").map(|x| x.0), Some("2"));
        assert_eq!(f.get("c").map(|x| x.0), Some("true"));
        assert_eq!(f.get("d").map(|x| x.0), Some("x=y"));
    }
}
