use crate::check::{Category, Control};
use crate::severity::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// What kind of analysis produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingClass {
    Misconfig,
    Vulnerability,
    Emergency,
    Secret,
    Audit,
}

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Where in the user's input a finding points: a file (or `<stdin>`) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Shared by every finding of a file: a scan holds hundreds of thousands of findings.
    pub path: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.path, l),
            None => f.write_str(&self.path),
        }
    }
}

/// One result of any analysis. Every filter, whitelist, score and output format works on this.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check_id: Cow<'static, str>,
    pub class: FindingClass,
    pub category: Category,
    pub severity: Severity,
    pub title: Cow<'static, str>,
    /// Specific to this occurrence: which container, which field, which value.
    pub message: String,
    /// Shared by every finding of an object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Arc<ResourceRef>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The container image, when the finding is about a container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The package a vulnerability finding is about (`openssl`, `org.apache.logging.log4j:log4j-core`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<Box<str>>,
    /// Who did it, for findings about actions (audit events): the requesting user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Box<str>>,
    pub remediation: Cow<'static, str>,
    /// Shared by every finding of a check (an `Arc`, not a `Vec` per finding).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub references: Arc<[Cow<'static, str>]>,
    #[serde(skip_serializing_if = "<[Control]>::is_empty")]
    pub controls: Cow<'static, [Control]>,
    /// Stable identity of (check, target): independent of line numbers and message wording,
    /// so whitelists, history diffs and SARIF baselines survive unrelated edits.
    pub fingerprint: Fingerprint,
}

impl Finding {
    /// Computes the fingerprint from the check id and the identity of the target.
    pub fn compute_fingerprint(
        check_id: &str,
        resource: Option<&ResourceRef>,
        container: Option<&str>,
        extra: &str,
    ) -> Fingerprint {
        let mut h = Sha256::new();
        for part in [
            check_id,
            resource.map_or("", |r| r.kind.as_str()),
            resource.and_then(|r| r.namespace.as_deref()).unwrap_or(""),
            resource.map_or("", |r| r.name.as_str()),
            container.unwrap_or(""),
            extra,
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Fingerprint(out)
    }
}

/// The first 128 bits of a SHA-256 over a finding's identity, shown as 32 hex digits. Kept as
/// bytes, not a `String`: a large scan holds hundreds of thousands of findings, and a
/// heap-allocated hex string costs each of them some 60 bytes more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 16]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 32];
        for (i, b) in self.0.iter().enumerate() {
            buf[2 * i] = HEX[usize::from(b >> 4)];
            buf[2 * i + 1] = HEX[usize::from(b & 0xf)];
        }
        // Only ASCII hex digits were written.
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_identity_not_on_order_of_parts() {
        let r = ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("a".into()),
            name: "b".into(),
        };
        let mut r2 = r.clone();
        r2.namespace = Some("ab".into());
        r2.name = String::new();
        let f1 = Finding::compute_fingerprint("x", Some(&r), Some("c"), "");
        let f2 = Finding::compute_fingerprint("x", Some(&r2), Some("c"), "");
        assert_ne!(f1, f2, "separators keep 'a'+'b' distinct from 'ab'+''");
        assert_eq!(f1.to_string().len(), 32);
        assert_eq!(serde_json::to_string(&f1).unwrap(), format!("\"{f1}\""));
        assert_eq!(
            f1,
            Finding::compute_fingerprint("x", Some(&r), Some("c"), "")
        );
    }
}
