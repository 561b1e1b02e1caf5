//! Secrets in the fields of Kubernetes objects where people paste them: container env
//! values, command and args, ConfigMap data, and annotations.
//!
//! Secret objects are where credentials belong, so their `data`/`stringData` are never
//! reported; their annotations are scanned like any object's. The
//! `kubectl.kubernetes.io/last-applied-configuration` annotation is skipped everywhere: it
//! repeats the object's own fields (which are scanned directly), and for a Secret it repeats
//! the Secret's data.

use crate::scanner::Scanner;
use kvet_core::{Finding, ResourceRef};
use kvet_k8s::{pod_spec, Node, Object};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

struct Sink<'a> {
    scanner: &'a Scanner,
    obj: &'a Object,
    /// Built at the first hit: most objects have none.
    resource: Option<ResourceRef>,
    out: Vec<Finding>,
}

impl Sink<'_> {
    /// Scans one string field; a match on the k-th line of a multi-line (block) value is
    /// reported at the field's line + 1 + k. `place` names the field, built only for a hit:
    /// most fields hold none, and naming every one cost more than scanning it.
    fn field(&mut self, node: &Node, container: Option<&str>, place: impl FnOnce() -> String) {
        let Some(text) = node.as_str() else { return };
        let hits = self.scanner.hits(text.as_bytes());
        if hits.is_empty() {
            return;
        }
        let place = place();
        let obj = self.obj;
        let resource = self.resource.get_or_insert_with(|| obj.resource_ref());
        let block = u32::from(text.contains('\n'));
        for h in hits {
            let line = node.line + block + h.line - 1;
            let f = self.scanner.finding(
                &h,
                &self.obj.file,
                line,
                Some(resource),
                container,
                Some(&place),
            );
            self.out.push(f);
        }
    }

    fn annotations(&mut self, meta: Option<&Node>, prefix: &str) {
        for (k, v) in meta
            .and_then(|m| m.get("annotations"))
            .map_or(&[][..], Node::as_map)
        {
            if k != LAST_APPLIED {
                self.field(v, None, || format!("{prefix}annotation '{k}'"));
            }
        }
    }
}

impl Scanner {
    /// Secrets in the fields of one object (see the module documentation for which).
    pub fn scan_object(&self, obj: &Object) -> Vec<Finding> {
        if self.path_allowed(&obj.file) {
            return Vec::new();
        }
        let mut sink = Sink {
            scanner: self,
            obj,
            resource: None,
            out: Vec::new(),
        };
        sink.annotations(obj.metadata(), "");
        if obj.kind == "ConfigMap" {
            for (k, v) in obj.root.get("data").map_or(&[][..], Node::as_map) {
                sink.field(v, None, || format!("ConfigMap key '{k}'"));
            }
        }
        if let Some(pod) = pod_spec(obj) {
            // A Pod's pod metadata is its own, already scanned.
            if obj.kind != "Pod" {
                sink.annotations(pod.metadata, "pod template ");
            }
            for c in pod.containers() {
                for e in c.get("env").map_or(&[][..], Node::as_seq) {
                    if let (Some(name), Some(v)) =
                        (e.get("name").and_then(Node::as_str), e.get("value"))
                    {
                        sink.field(v, Some(c.name), || {
                            format!("env {name} of container '{}'", c.name)
                        });
                    }
                }
                for key in ["command", "args"] {
                    for a in c.get(key).map_or(&[][..], Node::as_seq) {
                        sink.field(a, Some(c.name), || {
                            format!("{key} of container '{}'", c.name)
                        });
                    }
                }
            }
        }
        sink.out
    }
}
