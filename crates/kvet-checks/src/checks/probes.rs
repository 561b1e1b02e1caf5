//! Health probes of long-running containers.

use super::WORKLOADS;
use crate::check::{long_running_containers, per_container, Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::{Container, ContainerKind, Node, Value};

/// Fails long-running containers (regular ones and restartable init "sidecars") without the
/// probe. Pods that run to completion (Jobs, CronJobs, restartPolicy Never/OnFailure) are not
/// expected to have probes.
fn probe_missing(ctx: &Ctx<'_>, probe: &str) -> Outcome {
    if ctx.pod.is_some_and(|p| p.run_to_completion) {
        return Outcome::NotApplicable;
    }
    per_container(ctx, long_running_containers, |_, c| match c.get(probe) {
        Some(p) if p.is_map() => vec![],
        _ => vec![Violation::in_container(
            c,
            c.node.line,
            format!("container '{}' has no {probe}", c.name),
        )],
    })
}

pub static READINESS_PROBE_MISSING: Check = Check {
    meta: CheckMeta {
        id: "readinessProbeMissing",
        title: "Readiness probe is not configured",
        category: Category::Reliability,
        severity: Severity::Medium,
        enabled: true,
        description: "Without a readiness probe a pod receives Service traffic as soon as its \
            process starts, before it can serve, and keeps receiving it when it cannot; rolling \
            updates then drop requests.",
        remediation: "Add `readinessProbe` to each long-running container, checking that it can \
            serve (an HTTP endpoint, a TCP port or a gRPC health check).",
        example: "containers:\n- name: web\n  readinessProbe:\n    httpGet: {path: /ready, port: 8080}\n    periodSeconds: 5\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"],
    },
    eval: Eval::Object(|ctx| probe_missing(ctx, "readinessProbe")),
};

pub static LIVENESS_PROBE_MISSING: Check = Check {
    meta: CheckMeta {
        id: "livenessProbeMissing",
        title: "Liveness probe is not configured",
        category: Category::Reliability,
        severity: Severity::Medium,
        enabled: true,
        description: "Without a liveness probe a deadlocked or wedged process keeps its pod \
            Running forever; the kubelet only restarts containers whose process exits.",
        remediation: "Add `livenessProbe` to each long-running container, checking something \
            cheaper and more tolerant than the readiness probe.",
        example: "containers:\n- name: web\n  livenessProbe:\n    httpGet: {path: /healthz, port: 8080}\n    periodSeconds: 10\n    failureThreshold: 3\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"],
    },
    eval: Eval::Object(|ctx| probe_missing(ctx, "livenessProbe")),
};

/// Structural equality of two values, ignoring lines and the order of mapping keys; integers
/// equal the same whole float (`1` and `1.0`).
pub(crate) fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_value(v, w)))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w))
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            match (a.as_i64(), b.as_i64()) {
                (Some(i), Some(j)) => i == j,
                _ => a.value == b.value,
            }
        }
        (x, y) => x == y,
    }
}

/// Probe timing fields with the value Kubernetes uses when they are omitted.
const PROBE_DEFAULTS: &[(&str, i64)] = &[
    ("initialDelaySeconds", 0),
    ("periodSeconds", 10),
    ("timeoutSeconds", 1),
    ("successThreshold", 1),
    ("failureThreshold", 3),
];

/// Whether two probes behave the same: same handler and other fields, and the same timing
/// once omitted fields take their defaults.
fn probes_equivalent(a: &Node, b: &Node) -> bool {
    let timing = |n: &Node, field: &str, default: i64| match n.get(field) {
        None => Some(default),
        Some(v) => v.as_i64(),
    };
    let timing_equal =
        PROBE_DEFAULTS
            .iter()
            .all(|(f, d)| match (timing(a, f, *d), timing(b, f, *d)) {
                (Some(x), Some(y)) => x == y,
                _ => match (a.get(f), b.get(f)) {
                    (Some(x), Some(y)) => same_value(x, y),
                    _ => false,
                },
            });
    let is_timing = |k: &str| PROBE_DEFAULTS.iter().any(|(f, _)| *f == k);
    let rest_equal = |x: &Node, y: &Node| {
        x.as_map()
            .iter()
            .filter(|(k, _)| !is_timing(k))
            .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
    };
    timing_equal && rest_equal(a, b) && rest_equal(b, a)
}

fn not_ephemeral(c: &Container<'_>) -> bool {
    c.kind != ContainerKind::Ephemeral
}

pub static PROBES_IDENTICAL: Check = Check {
    meta: CheckMeta {
        id: "probesIdentical",
        title: "Liveness and readiness probes are identical",
        category: Category::Reliability,
        severity: Severity::Medium,
        enabled: true,
        description: "Readiness and liveness answer different questions: a failing readiness \
            probe takes the pod out of Service endpoints until it recovers, a failing liveness \
            probe restarts the container. When both are the same check, a pod that is only \
            overloaded or waiting on a dependency gets restarted, which turns a slowdown into a \
            cascade of restarts. Probes are compared structurally (key order and formatting \
            aside), omitted timing fields taking their defaults.",
        remediation: "Make `livenessProbe` check only that the process is alive (a cheap \
            endpoint, no dependencies) with a higher `failureThreshold` than `readinessProbe`, \
            which checks that the container can serve.",
        example: "readinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5\nlivenessProbe:\n  httpGet: {path: /healthz, port: http}\n  periodSeconds: 10\n  failureThreshold: 6\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, not_ephemeral, |_, c| {
            let (Some(live), Some(ready)) = (c.get("livenessProbe"), c.get("readinessProbe")) else {
                return vec![];
            };
            if !live.is_map() || !ready.is_map() || !probes_equivalent(live, ready) {
                return vec![];
            }
            vec![Violation::in_container(
                c,
                live.line,
                format!(
                    "container '{}' uses the same check for livenessProbe and readinessProbe",
                    c.name
                ),
            )]
        })
    }),
};

/// A probe's port: a number, or the name of one of the container's ports.
enum ProbePort<'a> {
    Number(i64),
    Name(&'a str),
}

fn probe_port(n: &Node) -> Option<ProbePort<'_>> {
    if let Some(i) = n.as_i64() {
        return Some(ProbePort::Number(i));
    }
    let s = n.as_str()?.trim();
    Some(match s.parse() {
        Ok(i) => ProbePort::Number(i),
        Err(_) => ProbePort::Name(s),
    })
}

pub static PROBE_PORT_NOT_EXPOSED: Check = Check {
    meta: CheckMeta {
        id: "probePortNotExposed",
        title: "Probe targets a port the container does not declare",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "A probe whose `httpGet`, `tcpSocket` or `grpc` port does not match what the \
            container listens on never succeeds: the pod never becomes ready, or is restarted \
            in a loop. A named port must be defined in the container's `ports[].name`, or the \
            probe cannot even resolve it. A numeric port is judged only when the container \
            declares `ports` (containerPort is informational, so an undeclared port may still \
            be served); it passes when any container of the pod declares it.",
        remediation: "Point the probe's `port` at a port the container serves and declare it in \
            `ports[]` (preferably by name, `port: http`), or fix the name to one defined in \
            `ports[].name`.",
        example: "ports:\n- name: http\n  containerPort: 8080\nreadinessProbe:\n  httpGet: {path: /ready, port: http}\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"],
    },
    eval: Eval::Object(|ctx| {
        let pod_ports: Vec<i64> = ctx.pod.map_or_else(Vec::new, |p| {
            p.containers()
                .filter(not_ephemeral)
                .flat_map(|c| c.get("ports").map_or(&[][..], Node::as_seq).iter())
                .filter_map(|p| p.get("containerPort").and_then(Node::as_i64))
                .collect()
        });
        per_container(ctx, not_ephemeral, |_, c| {
            let ports = c.get("ports").map_or(&[][..], Node::as_seq);
            let names: Vec<&str> = ports
                .iter()
                .filter_map(|p| p.get("name").and_then(Node::as_str))
                .collect();
            let mut out = Vec::new();
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let Some(p) = c.get(probe) else {
                    continue;
                };
                for handler in ["httpGet", "tcpSocket", "grpc"] {
                    let Some(port_node) = p.path(&[handler, "port"]) else {
                        continue;
                    };
                    let message = match probe_port(port_node) {
                        Some(ProbePort::Number(n)) if !ports.is_empty() && !pod_ports.contains(&n) => {
                            format!(
                                "{probe} of container '{}' targets port {n}, which no container \
                                 of the pod declares in ports[].containerPort",
                                c.name
                            )
                        }
                        Some(ProbePort::Name(name)) if !names.contains(&name) => format!(
                            "{probe} of container '{}' targets the port named '{name}', which \
                             the container does not define in ports[].name",
                            c.name
                        ),
                        _ => continue,
                    };
                    out.push(Violation::in_container(c, port_node.line, message).keyed(probe));
                }
            }
            out
        })
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    fn node(line: u32, value: Value) -> Node {
        Node::new(line, value)
    }

    fn map(line: u32, entries: Vec<(&str, Node)>) -> Node {
        node(
            line,
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            ),
        )
    }

    #[test]
    fn structural_equality_ignores_lines_and_key_order() {
        let a = map(
            10,
            vec![
                (
                    "httpGet",
                    map(
                        11,
                        vec![
                            ("path", node(12, Value::Str("/ready".into()))),
                            ("port", node(13, Value::Int(8080))),
                        ],
                    ),
                ),
                ("periodSeconds", node(14, Value::Int(5))),
            ],
        );
        let b = map(
            40,
            vec![
                ("periodSeconds", node(41, Value::Float(5.0))),
                (
                    "httpGet",
                    map(
                        42,
                        vec![
                            ("port", node(43, Value::Int(8080))),
                            ("path", node(44, Value::Str("/ready".into()))),
                        ],
                    ),
                ),
            ],
        );
        assert!(same_value(&a, &b));
        let c = map(
            50,
            vec![(
                "httpGet",
                map(51, vec![("path", node(52, Value::Str("/ready".into())))]),
            )],
        );
        assert!(!same_value(&a, &c), "a missing key differs");
        let s1 = node(
            1,
            Value::Seq(vec![
                node(1, Value::Str("a".into())),
                node(2, Value::Str("b".into())),
            ]),
        );
        let s2 = node(
            9,
            Value::Seq(vec![
                node(9, Value::Str("b".into())),
                node(9, Value::Str("a".into())),
            ]),
        );
        assert!(!same_value(&s1, &s2), "sequence order matters");
        assert!(!same_value(
            &node(1, Value::Int(8080)),
            &node(1, Value::Str("8080".into()))
        ));
    }

    #[test]
    fn probes_compare_with_timing_defaults() {
        let grpc = || map(3, vec![("port", node(4, Value::Int(7070)))]);
        let ready = map(
            1,
            vec![
                ("initialDelaySeconds", node(2, Value::Int(15))),
                ("grpc", grpc()),
            ],
        );
        let live = map(
            5,
            vec![
                ("initialDelaySeconds", node(6, Value::Int(15))),
                ("periodSeconds", node(7, Value::Int(10))),
                ("grpc", grpc()),
            ],
        );
        assert!(
            probes_equivalent(&ready, &live),
            "periodSeconds 10 is the default"
        );
        let tolerant = map(
            5,
            vec![
                ("initialDelaySeconds", node(6, Value::Int(15))),
                ("failureThreshold", node(7, Value::Int(6))),
                ("grpc", grpc()),
            ],
        );
        assert!(!probes_equivalent(&ready, &tolerant));
    }
}
