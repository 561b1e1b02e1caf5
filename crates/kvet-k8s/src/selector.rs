//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), as PDBs, NetworkPolicies
//! and Services use them.

use crate::node::Node;

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed selector. An empty selector (`{}`) selects everything; a missing one selects
/// nothing (callers decide which applies by whether they got a node).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses `matchLabels`/`matchExpressions`; `None` for malformed selectors (unknown
    /// operators), which the API server would reject and which therefore select nothing.
    pub fn from_node(node: &Node) -> Option<LabelSelector> {
        let mut reqs = Vec::new();
        for (k, v) in node.get("matchLabels").map_or(&[][..], Node::as_map) {
            reqs.push(Requirement::In(k.clone(), vec![v.scalar_text()?]));
        }
        for e in node.get("matchExpressions").map_or(&[][..], Node::as_seq) {
            let key = e.get("key")?.as_str()?.to_string();
            let values: Vec<String> = e
                .get("values")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(Node::scalar_text)
                .collect();
            reqs.push(match e.get("operator")?.as_str()? {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                _ => return None,
            });
        }
        Some(LabelSelector { reqs })
    }

    pub fn matches(&self, labels: &[(String, Node)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .and_then(|(_, v)| v.scalar_text())
        };
        self.reqs.iter().all(|r| match r {
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.contains(&v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.contains(&v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_documents, Limits};

    fn node(t: &str) -> Node {
        let mut out = None;
        parse_documents(t, Limits::default(), &mut Vec::new(), &mut |_, n| {
            out = Some(n)
        })
        .unwrap();
        out.unwrap()
    }

    #[test]
    fn match_labels_and_expressions() {
        let s = LabelSelector::from_node(&node(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n",
        ))
        .unwrap();
        let yes = node("app: web\ntier: b\n");
        let no = node("app: web\ntier: b\ncanary: 'x'\n");
        assert!(s.matches(yes.as_map()));
        assert!(!s.matches(no.as_map()));
        assert!(LabelSelector::from_node(&node("{}")).unwrap().matches(&[]));
        assert!(
            LabelSelector::from_node(&node("matchExpressions: [{key: a, operator: Bogus}]"))
                .is_none()
        );
    }
}
