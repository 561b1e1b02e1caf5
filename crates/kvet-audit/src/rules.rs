//! Audit rules as data: `rules.yaml` (compiled in) holds every rule's id, title, severity,
//! risk, remediation and match conditions; this module loads it once and evaluates the
//! per-event conditions. Behavioural conditions (new source IP, bursts) need a user's history
//! and are judged by the analyser.

use crate::event::Event;
use kvet_core::{Category, CheckMeta, Severity};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const RULES_YAML: &str = include_str!("rules.yaml");

/// Which report section a rule's matches are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// Sensitive operations: listed one by one.
    Sensitive,
    /// Illegal or risky requests.
    Risky,
}

/// How the API server classifies the user a request acted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserClass {
    /// A person (anything that is not one of the others).
    Human,
    /// `system:serviceaccount:NS:NAME` outside kube-system.
    #[serde(rename = "serviceaccount")]
    ServiceAccount,
    /// Control-plane components, nodes (`system:node:*`, `system:kube-*`, `system:apiserver`)
    /// and kube-system's controller service accounts.
    System,
    /// `system:anonymous`.
    Anonymous,
}

impl UserClass {
    pub fn of(user: &str) -> UserClass {
        if user == "system:anonymous" {
            UserClass::Anonymous
        } else if let Some(sa) = user.strip_prefix("system:serviceaccount:") {
            if sa.starts_with("kube-system:") {
                UserClass::System
            } else {
                UserClass::ServiceAccount
            }
        } else if user.starts_with("system:") {
            UserClass::System
        } else {
            UserClass::Human
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserClass::Human => "human",
            UserClass::ServiceAccount => "serviceaccount",
            UserClass::System => "system",
            UserClass::Anonymous => "anonymous",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Any,
    Allowed,
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectCondition {
    Privileged,
    HostNamespace,
    HostPath,
    ServiceAccountTokenSecret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Behaviour {
    NewSourceIp,
    NewUserAgent,
    Burst,
}

/// The conditions of a rule; every one that is set must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Match {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserClass>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<u16>,
    #[serde(default, skip_serializing_if = "is_any")]
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonation: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exec_command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_exec_command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_object: Option<ObjectCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<Behaviour>,
}

fn is_any(o: &Outcome) -> bool {
    *o == Outcome::Any
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: String,
    severity: Severity,
    section: Section,
    description: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(rename = "match")]
    conditions: Match,
}

/// One audit rule: its catalogue entry (listed by `kvet checks`) and its conditions.
#[derive(Debug)]
pub struct AuditRule {
    pub meta: CheckMeta,
    pub section: Section,
    pub conditions: Match,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The conditions as the YAML shown in `kvet checks show` and docs/checks.md.
fn conditions_yaml(m: &Match) -> String {
    let value = serde_json::to_value(m).unwrap_or_default();
    let mut out = String::from("match:\n");
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::Array(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) if s == "*" => "\"*\"".to_string(),
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    format!("[{}]", parts.join(", "))
                }
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            out.push_str(&format!("  {k}: {text}\n"));
        }
    }
    out
}

fn load() -> Vec<AuditRule> {
    // The file is part of the binary and checked by a test, so a parse error is a build bug.
    let raw: Vec<RawRule> = match serde_saphyr::from_str(RULES_YAML) {
        Ok(r) => r,
        Err(e) => panic!("rules.yaml is invalid: {e}"),
    };
    raw.into_iter()
        .map(|r| {
            let example = leak(conditions_yaml(&r.conditions));
            let references: Vec<&'static str> = r.references.into_iter().map(leak).collect();
            AuditRule {
                meta: CheckMeta {
                    id: leak(r.id),
                    title: leak(r.title),
                    category: Category::Audit,
                    severity: r.severity,
                    enabled: true,
                    description: leak(r.description),
                    remediation: leak(r.remediation),
                    example,
                    kinds: match r.section {
                        Section::Sensitive => &["audit Event (sensitive operation)"],
                        Section::Risky => &["audit Event (risky request)"],
                    },
                    controls: &[],
                    references: Box::leak(references.into_boxed_slice()),
                },
                section: r.section,
                conditions: r.conditions,
            }
        })
        .collect()
}

/// Every audit rule, in catalogue order.
pub fn rules() -> &'static [AuditRule] {
    static RULES: OnceLock<Vec<AuditRule>> = OnceLock::new();
    RULES.get_or_init(load)
}

/// The rule with this id (exact match).
pub fn find(id: &str) -> Option<&'static AuditRule> {
    rules().iter().find(|r| r.meta.id == id)
}

/// The program an exec request runs: the first `command` query parameter, without its folder.
pub fn exec_program(uri: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("command="))?;
    let decoded = percent_decode(raw);
    Some(decoded.rsplit('/').next().unwrap_or(&decoded).to_string())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Match {
    /// Whether one event meets the per-event conditions (behaviour is judged elsewhere).
    pub fn matches(&self, e: &Event, class: UserClass) -> bool {
        if !self.verbs.is_empty() && !self.verbs.contains(&e.verb) {
            return false;
        }
        if !self.resources.is_empty() && !self.resources.iter().any(|r| resource_matches(r, e)) {
            return false;
        }
        if !self.users.is_empty() && !self.users.contains(&class) {
            return false;
        }
        if !self.codes.is_empty() && !e.code.is_some_and(|c| self.codes.contains(&c)) {
            return false;
        }
        match self.outcome {
            Outcome::Any => {}
            Outcome::Allowed if !e.allowed() => return false,
            Outcome::Refused if !e.refused() => return false,
            _ => {}
        }
        if let Some(want) = self.impersonation {
            if e.impersonated.is_some() != want {
                return false;
            }
        }
        if !self.exec_command.is_empty() || !self.not_exec_command.is_empty() {
            let program = if e.subresource == "exec" {
                exec_program(&e.request_uri)
            } else {
                None
            };
            let listed = |l: &[String]| program.as_ref().is_some_and(|p| l.contains(p));
            if !self.exec_command.is_empty() && !listed(&self.exec_command) {
                return false;
            }
            if listed(&self.not_exec_command) {
                return false;
            }
        }
        if !self.exclude_paths.is_empty() && e.resource.is_empty() {
            let path = e.request_uri.split('?').next().unwrap_or("");
            if self
                .exclude_paths
                .iter()
                .any(|p| path == p || path.starts_with(&format!("{p}/")))
            {
                return false;
            }
        }
        match self.request_object {
            None => true,
            Some(ObjectCondition::ServiceAccountTokenSecret) => {
                e.secret_type.as_deref() == Some("kubernetes.io/service-account-token")
            }
            Some(c) => e.pod_risk.as_ref().is_some_and(|r| match c {
                ObjectCondition::Privileged => !r.privileged.is_empty(),
                ObjectCondition::HostNamespace => !r.host_namespaces.is_empty(),
                ObjectCondition::HostPath => !r.host_paths.is_empty(),
                ObjectCondition::ServiceAccountTokenSecret => false,
            }),
        }
    }
}

fn resource_matches(pattern: &str, e: &Event) -> bool {
    let (res, sub) = pattern.split_once('/').unwrap_or((pattern, ""));
    if e.resource.is_empty() {
        return false;
    }
    (res == "*" || res == e.resource) && (sub == "*" || sub == e.subresource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_load_with_unique_lower_camel_ids() {
        let rules = rules();
        assert_eq!(rules.len(), 21);
        let mut ids: Vec<&str> = rules.iter().map(|r| r.meta.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
        for r in rules {
            assert!(r.meta.id.starts_with("audit"), "{}", r.meta.id);
            assert!(r.meta.example.starts_with("match:\n  "), "{}", r.meta.id);
        }
        assert!(find("auditPodExec")
            .unwrap()
            .meta
            .example
            .contains("resources: [pods/exec]"));
    }

    #[test]
    fn user_classes() {
        assert_eq!(UserClass::of("minikube-user"), UserClass::Human);
        assert_eq!(UserClass::of("system:anonymous"), UserClass::Anonymous);
        assert_eq!(UserClass::of("system:node:minikube"), UserClass::System);
        assert_eq!(
            UserClass::of("system:serviceaccount:kube-system:replicaset-controller"),
            UserClass::System
        );
        assert_eq!(
            UserClass::of("system:serviceaccount:ns1:sa1"),
            UserClass::ServiceAccount
        );
    }

    #[test]
    fn exec_program_is_the_first_command() {
        assert_eq!(
            exec_program("/api/v1/namespaces/d/pods/p/exec?command=tar&command=cf&command=-&command=%2Ftmp%2Fx&container=c").as_deref(),
            Some("tar")
        );
        assert_eq!(
            exec_program("/api/v1/namespaces/d/pods/p/exec?command=%2Fbin%2Fbash&container=c")
                .as_deref(),
            Some("bash")
        );
        assert_eq!(exec_program("/api/v1/namespaces/d/pods/p/exec"), None);
    }
}
