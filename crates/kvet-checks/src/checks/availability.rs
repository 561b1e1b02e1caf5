//! Whether a workload survives node failures, drains and resource pressure.

use super::WORKLOADS;
use crate::check::{Check, Ctx, Eval, Outcome, Pending, Violation};
use crate::index::SetIndex;
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

const REPLICATED: &[&str] = &["Deployment", "StatefulSet"];

fn replicated(ctx: &Ctx<'_>) -> bool {
    REPLICATED.contains(&ctx.obj.kind.as_str())
}

/// `spec.replicas` when it is set to a number.
fn replicas(ctx: &Ctx<'_>) -> Option<i64> {
    ctx.obj
        .root
        .path(&["spec", "replicas"])
        .and_then(Node::as_i64)
}

pub static DEPLOYMENT_MISSING_REPLICAS: Check = Check {
    meta: CheckMeta {
        id: "deploymentMissingReplicas",
        title: "Workload runs a single replica",
        category: Category::Reliability,
        severity: Severity::Medium,
        enabled: true,
        description: "With one replica (which is what a missing `spec.replicas` means) every \
            node drain, eviction, rollout or crash is an outage. Deployments and StatefulSets \
            with `replicas` missing or below 2 are reported; `replicas: 0` (deliberately scaled \
            down) and non-numeric values (templates) are not judged. A HorizontalPodAutoscaler \
            managing the workload is not taken into account.",
        remediation: "Set `spec.replicas` to 2 or more (and spread the replicas across nodes), \
            or let a HorizontalPodAutoscaler with `minReplicas: 2` manage it.",
        example: "spec:\n  replicas: 3\n",
        kinds: REPLICATED,
        controls: &[],
        references: &[
            "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#replicas",
        ],
    },
    eval: Eval::Object(|ctx| {
        if !replicated(ctx) {
            return Outcome::NotApplicable;
        }
        let Some(spec) = ctx.obj.root.get("spec").filter(|s| s.is_map()) else {
            return Outcome::NotApplicable;
        };
        let kind = &ctx.obj.kind;
        match spec.get("replicas").filter(|n| !n.is_null()) {
            None => Outcome::Fail(vec![Violation::at(
                spec.line,
                format!("{kind} does not set spec.replicas: it runs a single replica"),
            )]),
            Some(n) => match n.as_i64() {
                Some(r) if r >= 2 => Outcome::Pass,
                Some(r) if r >= 1 => Outcome::Fail(vec![Violation::at(
                    n.line,
                    format!("{kind} runs a single replica (replicas: {r})"),
                )]),
                _ => Outcome::NotApplicable,
            },
        }
    }),
};

fn pdb_extract(ctx: &Ctx<'_>) -> Option<Pending> {
    if !replicated(ctx) {
        return None;
    }
    let pod = ctx.pod?;
    let line = pod
        .metadata
        .and_then(|m| m.get("labels").or(Some(m)))
        .map_or(ctx.obj.line, |n| n.line);
    Some(Pending {
        namespace: ctx.obj.namespace.clone(),
        labels: ctx.pod_labels(),
        line,
        ..Default::default()
    })
}

fn pdb_judge(p: &Pending, index: &SetIndex) -> Outcome {
    if !index.pdbs_seen {
        return Outcome::NotApplicable;
    }
    if index
        .pdbs
        .iter()
        .any(|(ns, sel)| *ns == p.namespace && sel.matches(&p.labels))
    {
        return Outcome::Pass;
    }
    let ns = p.namespace.as_deref().map_or_else(
        || "its namespace".to_string(),
        |n| format!("namespace '{n}'"),
    );
    Outcome::Fail(vec![Violation::at(
        p.line,
        format!("no PodDisruptionBudget in {ns} selects these pod labels"),
    )])
}

pub static MISSING_POD_DISRUPTION_BUDGET: Check = Check {
    meta: CheckMeta {
        id: "missingPodDisruptionBudget",
        title: "No PodDisruptionBudget covers the workload",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "Without a PodDisruptionBudget, node drains (upgrades, autoscaler scale-down) \
            may evict all replicas of a Deployment or StatefulSet at once. A PDB covers the \
            workload when it is in the same namespace and its selector matches the pod \
            template's labels. Judged only when the scanned files contain at least one \
            PodDisruptionBudget: otherwise the PDBs probably live elsewhere (another \
            repository, a chart) and nothing is reported.",
        remediation: "Add a `policy/v1` PodDisruptionBudget in the workload's namespace whose \
            `spec.selector` matches `spec.template.metadata.labels`, with `maxUnavailable: 1` \
            (or a `minAvailable` below the replica count).",
        example: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: web}\n",
        kinds: REPLICATED,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/run-application/configure-pdb/"],
    },
    eval: Eval::Set {
        extract: pdb_extract,
        judge: pdb_judge,
    },
};

pub static TOPOLOGY_SPREAD_CONSTRAINT: Check = Check {
    meta: CheckMeta {
        id: "topologySpreadConstraint",
        title: "Replicas are not spread across nodes or zones",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "Without `topologySpreadConstraints` or pod anti-affinity the scheduler may \
            put every replica on the same node or zone, and one failure takes them all down. \
            Deployments and StatefulSets are judged; either mechanism passes. A workload with \
            `replicas` explicitly 0 or 1 is not judged (deploymentMissingReplicas reports it).",
        remediation: "Add `spec.template.spec.topologySpreadConstraints` over \
            `kubernetes.io/hostname` and/or `topology.kubernetes.io/zone` selecting the \
            workload's pods (or a `podAntiAffinity` rule).",
        example: "topologySpreadConstraints:\n- maxSkew: 1\n  topologyKey: topology.kubernetes.io/zone\n  whenUnsatisfiable: ScheduleAnyway\n  labelSelector:\n    matchLabels: {app: web}\n",
        kinds: REPLICATED,
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/"],
    },
    eval: Eval::Object(|ctx| {
        if !replicated(ctx) || replicas(ctx).is_some_and(|r| r <= 1) {
            return Outcome::NotApplicable;
        }
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let spread = pod
            .get("topologySpreadConstraints")
            .is_some_and(|t| !t.as_seq().is_empty());
        let anti_affinity = pod
            .spec
            .path(&["affinity", "podAntiAffinity"])
            .is_some_and(|a| a.as_map().iter().any(|(_, v)| !v.as_seq().is_empty()));
        if spread || anti_affinity {
            return Outcome::Pass;
        }
        Outcome::Fail(vec![Violation::at(
            pod.spec.line,
            format!(
                "{} sets neither topologySpreadConstraints nor podAntiAffinity: its replicas may \
                 share a node",
                ctx.obj.kind
            ),
        )])
    }),
};

pub static PRIORITY_CLASS_NOT_SET: Check = Check {
    meta: CheckMeta {
        id: "priorityClassNotSet",
        title: "Priority class is not set",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "Pods without `priorityClassName` get the cluster's default priority \
            (usually 0): under resource pressure the scheduler cannot tell them from batch or \
            best-effort work, and preemption may evict them first. All workloads are judged, \
            Jobs and CronJobs included.",
        remediation: "Set `priorityClassName` in the pod spec to a PriorityClass matching the \
            workload's importance.",
        example: "spec:\n  priorityClassName: business-critical\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &[
            "https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/",
        ],
    },
    eval: Eval::Object(|ctx| {
        let Some(pod) = ctx.pod else {
            return Outcome::NotApplicable;
        };
        let field = pod.get("priorityClassName");
        if field
            .and_then(Node::as_str)
            .is_some_and(|s| !s.trim().is_empty())
        {
            return Outcome::Pass;
        }
        Outcome::Fail(vec![Violation::at(
            field.map_or(pod.spec.line, |n| n.line),
            "the pod does not set priorityClassName",
        )])
    }),
};

pub static NAKED_POD: Check = Check {
    meta: CheckMeta {
        id: "nakedPod",
        title: "Pod is not managed by a controller",
        category: Category::Reliability,
        severity: Severity::Medium,
        enabled: true,
        description: "A bare Pod (kind Pod without `metadata.ownerReferences`) is never \
            recreated: when its node fails, is drained or is scaled down, it is simply gone, and \
            it cannot be rolled out or scaled.",
        remediation: "Wrap the pod spec in a Deployment (or StatefulSet, DaemonSet, Job) as its \
            `spec.template`.",
        example: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n",
        kinds: &["Pod"],
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/configuration/overview/#naked-pods-vs-replicasets-deployments-and-jobs"],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if obj.kind != "Pod" {
            return Outcome::NotApplicable;
        }
        let owned = obj
            .root
            .path(&["metadata", "ownerReferences"])
            .is_some_and(|o| !o.as_seq().is_empty());
        if owned {
            return Outcome::Pass;
        }
        let line = obj.metadata().map_or(obj.line, |m| m.line);
        Outcome::Fail(vec![Violation::at(
            line,
            format!("Pod '{}' has no controller: it is not recreated if its node fails", obj.name),
        )])
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdbs_are_only_judged_when_the_scan_has_some() {
        let pending = Pending {
            namespace: Some("shop".into()),
            labels: Default::default(),
            line: 7,
            ..Default::default()
        };
        assert_eq!(
            pdb_judge(&pending, &SetIndex::default()),
            Outcome::NotApplicable
        );
        let seen = SetIndex {
            pdbs_seen: true,
            ..Default::default()
        };
        assert!(matches!(pdb_judge(&pending, &seen), Outcome::Fail(v) if v[0].line == 7));
    }
}
