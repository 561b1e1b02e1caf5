//! Findings on objects a controller made are reported once, on the top-level owner: a Pod of
//! a ReplicaSet of a Deployment is judged as the Deployment's pod template.

use serde_json::Value;
use std::collections::HashSet;

/// Kinds whose pod template is judged in place of the objects they create.
const CONTROLLERS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

fn uid(o: &Value) -> Option<&str> {
    o.pointer("/metadata/uid").and_then(Value::as_str)
}

/// The objects to analyse: every object except those whose controlling owner is a workload
/// controller that was collected too. Objects whose owner was not collected (an operator's
/// custom resource, a controller in a namespace not scanned) are kept and judged themselves.
pub fn top_level_objects(objects: &[Value]) -> Vec<&Value> {
    let controllers: HashSet<&str> = objects
        .iter()
        .filter(|o| {
            o.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| CONTROLLERS.contains(&k))
        })
        .filter_map(uid)
        .collect();
    objects
        .iter()
        .filter(|o| {
            let owned = o
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|r| {
                    r.get("controller").and_then(Value::as_bool) == Some(true)
                        && r.get("uid")
                            .and_then(Value::as_str)
                            .is_some_and(|u| controllers.contains(u))
                });
            !owned
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pods_and_replicasets_fold_into_their_deployment() {
        let objects = vec![
            json!({"kind": "Deployment", "metadata": {"name": "web", "uid": "d1"}}),
            json!({"kind": "ReplicaSet", "metadata": {"name": "web-1", "uid": "r1",
                "ownerReferences": [{"kind": "Deployment", "uid": "d1", "controller": true}]}}),
            json!({"kind": "Pod", "metadata": {"name": "web-1-a", "uid": "p1",
                "ownerReferences": [{"kind": "ReplicaSet", "uid": "r1", "controller": true}]}}),
            json!({"kind": "Pod", "metadata": {"name": "bare", "uid": "p2"}}),
            json!({"kind": "Pod", "metadata": {"name": "kube-apiserver-node1", "uid": "p3",
                "ownerReferences": [{"kind": "Node", "uid": "n1", "controller": true}]}}),
            json!({"kind": "Pod", "metadata": {"name": "operated", "uid": "p4",
                "ownerReferences": [{"kind": "Rollout", "uid": "x1", "controller": true}]}}),
        ];
        let names: Vec<&str> = top_level_objects(&objects)
            .iter()
            .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
            .collect();
        assert_eq!(names, ["web", "bare", "kube-apiserver-node1", "operated"]);
    }
}
