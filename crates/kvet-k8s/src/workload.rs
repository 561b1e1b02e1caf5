//! Finding the pod spec inside any workload and reading container settings the way the
//! kubelet resolves them.

use crate::node::Node;
use crate::object::Object;

/// Kinds known to carry a pod template (any other kind does too when it has one with containers).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
];

/// A pod spec found in an object.
#[derive(Debug, Clone, Copy)]
pub struct PodSpec<'a> {
    pub spec: &'a Node,
    /// The pod's metadata: the template's, or the Pod's own.
    pub metadata: Option<&'a Node>,
    /// Whether the pods run to completion (Job, CronJob, or `restartPolicy: Never/OnFailure`),
    /// for which liveness and readiness probes are not expected.
    pub run_to_completion: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub kind: ContainerKind,
}

impl<'a> Container<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    pub fn image(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext").filter(|n| n.is_map())
    }

    /// A field of the container's own securityContext.
    pub fn sc(&self, key: &str) -> Option<&'a Node> {
        self.security_context().and_then(|s| s.get(key))
    }

    /// Sidecars are init containers with `restartPolicy: Always`; they run for the pod's
    /// lifetime and may have probes.
    pub fn is_long_running(&self) -> bool {
        match self.kind {
            ContainerKind::Container => true,
            ContainerKind::Init => {
                self.node.get("restartPolicy").and_then(Node::as_str) == Some("Always")
            }
            ContainerKind::Ephemeral => false,
        }
    }

    /// Ephemeral containers may not set resources, ports or probes.
    pub fn may_set_resources(&self) -> bool {
        self.kind != ContainerKind::Ephemeral
    }
}

impl<'a> PodSpec<'a> {
    /// Every container of the pod: regular, init and ephemeral ones, in that order.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        let spec = self.spec;
        [
            ContainerKind::Container,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            spec.get(kind.field())
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter(|c| c.is_map())
                .map(move |node| Container {
                    node,
                    name: node
                        .get("name")
                        .and_then(Node::as_str)
                        .unwrap_or("<unnamed>"),
                    kind,
                })
        })
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.spec.get(key)
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext").filter(|n| n.is_map())
    }

    /// A securityContext field as the kubelet resolves it: the container's value when set,
    /// else the pod's (for the fields PodSecurityContext has). Returns the node that decided.
    pub fn effective(&self, c: &Container<'a>, key: &str) -> Option<&'a Node> {
        c.sc(key)
            .filter(|n| !n.is_null())
            .or_else(|| self.security_context().and_then(|s| s.get(key)))
            .filter(|n| !n.is_null())
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata
            .and_then(|m| m.path(&["annotations", key]))
            .and_then(Node::as_str)
    }

    pub fn labels(&self) -> &'a [(String, Node)] {
        self.metadata
            .and_then(|m| m.get("labels"))
            .map_or(&[], Node::as_map)
    }
}

/// The pod spec of a workload object, if it has one.
pub fn pod_spec(obj: &Object) -> Option<PodSpec<'_>> {
    let root = &obj.root;
    let known = WORKLOAD_KINDS.contains(&obj.kind.as_str());
    let (template, metadata) = match obj.kind.as_str() {
        "Pod" => (root.get("spec"), root.get("metadata")),
        "PodTemplate" => (
            root.path(&["template", "spec"]),
            root.path(&["template", "metadata"]),
        ),
        _ => match root.path(&["spec", "template"]) {
            Some(t) if t.get("spec").is_some_and(Node::is_map) => {
                (t.get("spec"), t.get("metadata"))
            }
            _ => {
                let t = root.path(&["spec", "jobTemplate", "spec", "template"]);
                (
                    t.and_then(|t| t.get("spec")),
                    t.and_then(|t| t.get("metadata")),
                )
            }
        },
    };
    let spec = template.filter(|s| s.is_map())?;
    // A custom resource's `spec.template.spec` is a pod spec only if it has containers.
    if !known
        && spec
            .get("containers")
            .map_or(&[][..], Node::as_seq)
            .is_empty()
    {
        return None;
    }
    let batch_kind = matches!(obj.kind.as_str(), "Job" | "CronJob")
        || root.path(&["spec", "jobTemplate"]).is_some()
        || owned_by_job(obj);
    let restart = spec.get("restartPolicy").and_then(Node::as_str);
    Some(PodSpec {
        spec,
        metadata,
        run_to_completion: batch_kind || matches!(restart, Some("Never" | "OnFailure")),
    })
}

fn owned_by_job(obj: &Object) -> bool {
    obj.root
        .path(&["metadata", "ownerReferences"])
        .map_or(&[][..], Node::as_seq)
        .iter()
        .any(|o| o.get("kind").and_then(Node::as_str) == Some("Job"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::load_source;
    use crate::yaml::Limits;

    fn objects(text: &str) -> Vec<Object> {
        let mut v = Vec::new();
        load_source("t.yaml", text.as_bytes(), Limits::default(), &mut |o| {
            v.push(o)
        });
        v
    }

    #[test]
    fn finds_pod_specs_in_every_workload_shape() {
        let objs = objects(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a, image: x}]\n          initContainers: [{name: i, image: y}]\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    metadata: {labels: {app: r}}\n    spec:\n      containers: [{name: b, image: z}]\n---\napiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  template:\n    spec: {replicas: 3}\n",
        );
        let cron = pod_spec(&objs[0]).unwrap();
        assert!(cron.run_to_completion);
        let names: Vec<_> = cron.containers().map(|c| (c.name, c.kind)).collect();
        assert_eq!(
            names,
            vec![("a", ContainerKind::Container), ("i", ContainerKind::Init)]
        );
        let rollout = pod_spec(&objs[1]).unwrap();
        assert!(!rollout.run_to_completion);
        assert_eq!(rollout.labels()[0].0, "app");
        assert!(pod_spec(&objs[2]).is_none());
    }

    #[test]
    fn container_settings_override_pod_settings() {
        let objs = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1000}\n  containers:\n  - name: a\n  - name: b\n    securityContext: {runAsUser: 0}\n",
        );
        let pod = pod_spec(&objs[0]).unwrap();
        let cs: Vec<_> = pod.containers().collect();
        assert_eq!(
            pod.effective(&cs[0], "runAsUser").unwrap().as_i64(),
            Some(1000)
        );
        assert_eq!(pod.effective(&cs[0], "runAsUser").unwrap().line, 5);
        assert_eq!(
            pod.effective(&cs[1], "runAsUser").unwrap().as_i64(),
            Some(0)
        );
    }
}
