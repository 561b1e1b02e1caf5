//! Health probes of long-running containers.

use super::WORKLOADS;
use crate::check::{long_running_containers, per_container, Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

/// Fails long-running containers (regular ones and restartable init "sidecars") without the
/// probe. Pods that run to completion (Jobs, CronJobs, restartPolicy Never/OnFailure) are not
/// expected to have probes.
fn probe_missing(ctx: &Ctx<'_>, probe: &str) -> Outcome {
    if ctx.pod.is_some_and(|p| p.run_to_completion) {
        return Outcome::NotApplicable;
    }
    per_container(ctx, long_running_containers, |_, c| match c.get(probe) {
        Some(p) if p.is_map() => vec![],
        _ => vec![Violation::in_container(c, c.node.line, format!("container '{}' has no {probe}", c.name))],
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
