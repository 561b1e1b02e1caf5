use crate::node::Node;
use kvet_core::ResourceRef;
use std::sync::Arc;

/// One Kubernetes object with where it came from.
#[derive(Debug, Clone)]
pub struct Object {
    /// The file it was read from (`<stdin>` for standard input).
    pub file: Arc<str>,
    /// 1-based line where the object starts.
    pub line: u32,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub root: Node,
}

impl Object {
    /// Builds an object from a document root, or `None` when it lacks `apiVersion`/`kind`.
    pub fn from_node(file: Arc<str>, root: Node) -> Option<Object> {
        let api_version = root.get("apiVersion")?.as_str()?.to_string();
        let kind = root.get("kind")?.as_str()?.to_string();
        let meta = root.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text)
            .or_else(|| {
                meta.and_then(|m| m.get("generateName"))
                    .and_then(Node::as_str)
                    .map(|g| format!("{g}*"))
            })
            .unwrap_or_else(|| "<unnamed>".to_string());
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .map(str::to_string);
        Some(Object {
            file,
            line: root.line,
            api_version,
            kind,
            name,
            namespace,
            root,
        })
    }

    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    /// An annotation's string value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root
            .path(&["metadata", "annotations", key])
            .and_then(Node::as_str)
    }

    pub fn annotations(&self) -> &[(String, Node)] {
        self.root
            .path(&["metadata", "annotations"])
            .map_or(&[], Node::as_map)
    }

    pub fn resource_ref(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// True for kinds whose objects live in a namespace' scope, as far as kvet can tell from
    /// the kind alone (cluster-scoped built-ins are listed; everything else is namespaced).
    pub fn is_cluster_scoped(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "Namespace"
                | "Node"
                | "PersistentVolume"
                | "ClusterRole"
                | "ClusterRoleBinding"
                | "CustomResourceDefinition"
                | "StorageClass"
                | "PriorityClass"
                | "ValidatingWebhookConfiguration"
                | "MutatingWebhookConfiguration"
                | "ValidatingAdmissionPolicy"
                | "ValidatingAdmissionPolicyBinding"
                | "APIService"
                | "CSIDriver"
                | "CSINode"
                | "IngressClass"
                | "RuntimeClass"
                | "VolumeAttachment"
                | "PodSecurityPolicy"
                | "CertificateSigningRequest"
        )
    }
}
