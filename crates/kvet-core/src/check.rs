use crate::severity::Severity;
use serde::Serialize;
use std::fmt;

/// The area of risk a check belongs to; the table summary and the health score break down by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Security,
    Reliability,
    Efficiency,
    Network,
    AccessControl,
    ControlPlane,
    NodeEscape,
    Secrets,
    Images,
    Audit,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Reliability => "reliability",
            Category::Efficiency => "efficiency",
            Category::Network => "network",
            Category::AccessControl => "access-control",
            Category::ControlPlane => "control-plane",
            Category::NodeEscape => "node-escape",
            Category::Secrets => "secrets",
            Category::Images => "images",
            Category::Audit => "audit",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A control of a compliance framework that a check provides evidence for,
/// e.g. `Control { framework: "CIS", id: "5.2.2" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    pub framework: &'static str,
    pub id: &'static str,
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.framework, self.id)
    }
}

/// Everything a user needs to know about a check, independent of how it is evaluated.
///
/// Checks are `'static` data so the catalogue can be listed (`kvet checks`) and documented
/// without evaluating anything.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Whether the check runs unless the configuration says otherwise.
    pub enabled: bool,
    /// The risk, in a few sentences.
    pub description: &'static str,
    /// What to change, naming the exact field.
    pub remediation: &'static str,
    /// A YAML fragment showing the fixed configuration.
    pub example: &'static str,
    /// Kinds the check looks at (documentation; the evaluator decides applicability).
    pub kinds: &'static [&'static str],
    pub controls: &'static [Control],
    pub references: &'static [&'static str],
}

impl CheckMeta {
    /// The language of [`CheckMeta::example`], for fenced code blocks: Dockerfile checks show
    /// a Dockerfile, every other check a YAML manifest.
    pub fn example_language(&self) -> &'static str {
        if self.kinds == ["Dockerfile"] {
            "dockerfile"
        } else {
            "yaml"
        }
    }
}
