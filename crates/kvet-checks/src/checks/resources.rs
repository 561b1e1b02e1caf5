//! CPU and memory requests and limits.

use super::{nsa, WORKLOADS};
use crate::check::{per_container, resourced_containers, Check, Ctx, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

/// Fails each container (regular and init) lacking `resources.<section>.<resource>`. A
/// pod-level `spec.resources.<section>.<resource>` (Kubernetes 1.32+) covers every container.
fn resource_missing(ctx: &Ctx<'_>, section: &str, resource: &str) -> Outcome {
    if ctx
        .pod
        .and_then(|p| p.spec.path(&["resources", section, resource]))
        .is_some_and(|n| !n.is_null())
    {
        return Outcome::Pass;
    }
    per_container(ctx, resourced_containers, |_, c| {
        let res = c.get("resources");
        let sec = res.and_then(|r| r.get(section));
        if sec
            .and_then(|s| s.get(resource))
            .is_some_and(|n| !n.is_null())
        {
            return vec![];
        }
        let line = sec.or(res).map_or(c.node.line, |n| n.line);
        vec![Violation::in_container(
            c,
            line,
            format!(
                "container '{}' has no {resource} {section} (resources.{section}.{resource})",
                c.name
            ),
        )]
    })
}

macro_rules! resource_check {
    ($name:ident, $id:literal, $title:literal, $sev:expr, $section:literal, $resource:literal, $desc:literal, $example:literal) => {
        pub static $name: Check = Check {
            meta: CheckMeta {
                id: $id,
                title: $title,
                category: Category::Efficiency,
                severity: $sev,
                enabled: true,
                description: $desc,
                remediation: concat!(
                    "Set `resources.", $section, ".", $resource,
                    "` on every container (and init container), sized from observed usage."
                ),
                example: $example,
                kinds: WORKLOADS,
                controls: &[nsa("resource-policies")],
                references: &["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
            },
            eval: Eval::Object(|ctx| resource_missing(ctx, $section, $resource)),
        };
    };
}

resource_check!(
    CPU_REQUESTS_MISSING,
    "cpuRequestsMissing",
    "CPU requests are not set",
    Severity::Low,
    "requests",
    "cpu",
    "Without a CPU request the scheduler places the pod as if it needed no CPU: nodes get \
     overcommitted and the container is the first to be starved under contention.",
    "containers:\n- name: app\n  resources:\n    requests:\n      cpu: 250m\n"
);
resource_check!(
    CPU_LIMITS_MISSING,
    "cpuLimitsMissing",
    "CPU limits are not set",
    Severity::Low,
    "limits",
    "cpu",
    "Without a CPU limit a busy or compromised container (a crypto miner) can take every CPU \
     cycle of its node from its neighbours.",
    "containers:\n- name: app\n  resources:\n    limits:\n      cpu: \"1\"\n"
);
resource_check!(
    MEMORY_REQUESTS_MISSING,
    "memoryRequestsMissing",
    "Memory requests are not set",
    Severity::Low,
    "requests",
    "memory",
    "Without a memory request the scheduler cannot reserve memory for the pod; under memory \
     pressure it is among the first evicted (BestEffort QoS).",
    "containers:\n- name: app\n  resources:\n    requests:\n      memory: 256Mi\n"
);
resource_check!(
    MEMORY_LIMITS_MISSING,
    "memoryLimitsMissing",
    "Memory limits are not set",
    Severity::Medium,
    "limits",
    "memory",
    "Without a memory limit one leaking or attacked container can exhaust its node's memory \
     and get other pods, or node daemons, killed by the OOM killer.",
    "containers:\n- name: app\n  resources:\n    limits:\n      memory: 512Mi\n"
);
