//! `kvet.yaml`: which checks run, at what severity, and the lists some checks consult.

use kvet_core::{CheckMeta, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSettings {
    #[serde(default)]
    checks: BTreeMap<String, RawCheck>,
    dangerous_capabilities: Option<Vec<String>>,
    insecure_capabilities: Option<Vec<String>>,
    sensitive_host_paths: Option<Vec<String>>,
    mutable_tags: Option<Vec<String>>,
    secrets: Option<kvet_secrets::SecretsConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    enabled: Option<bool>,
    severity: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CheckOverride {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

/// Effective settings: defaults overlaid with the configuration file.
#[derive(Debug, Clone)]
pub struct Settings {
    pub overrides: BTreeMap<String, CheckOverride>,
    /// Capabilities whose addition `capabilitiesAdded` reports; upper case, no `CAP_` prefix.
    pub dangerous_capabilities: Vec<String>,
    /// Capabilities a container should drop (`insecureCapabilities`) unless it drops `ALL`.
    pub insecure_capabilities: Vec<String>,
    /// Host paths whose mount is an escape to the node (`sensitiveHostPathMounted`).
    pub sensitive_host_paths: Vec<String>,
    /// Tags that name a moving target (`latestTagUsed`, `pullPolicyNotAlways`,
    /// `baseImageNotPinned`).
    pub mutable_tags: Vec<String>,
    /// The `secrets:` section: custom rules, allow-lists, disabled rules.
    pub secrets: kvet_secrets::SecretsConfig,
}

const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "SYS_RESOURCE",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
    "LINUX_IMMUTABLE",
    "NET_RAW",
    "CHECKPOINT_RESTORE",
];

/// Polaris' default list of capabilities that should be dropped.
const INSECURE_CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Host paths whose mount hands a pod the node: each matches itself and what lies below it,
/// and mounting an ancestor (`/run`, `/etc`, `/var`) exposes them too. `/etc` and `/run` as a
/// whole are not listed, so ordinary mounts below them (`/etc/ssl/certs`, `/run/xtables.lock`)
/// are left to hostPathSet.
const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/root",
    "/home",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/etc/kubernetes",
    "/etc/shadow",
    "/etc/passwd",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/cron.d",
    "/etc/crontab",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
];

const MUTABLE_TAGS: &[&str] = &[
    "latest", "main", "master", "edge", "nightly", "stable", "dev", "develop", "head", "canary",
];

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            overrides: BTreeMap::new(),
            dangerous_capabilities: owned(DANGEROUS_CAPABILITIES),
            insecure_capabilities: owned(INSECURE_CAPABILITIES),
            sensitive_host_paths: owned(SENSITIVE_HOST_PATHS),
            mutable_tags: owned(MUTABLE_TAGS),
            secrets: kvet_secrets::SecretsConfig::default(),
        }
    }
}

/// `cap_sys_admin`, `CAP_SYS_ADMIN` and `SYS_ADMIN` are the same capability.
pub fn normalize_capability(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

impl Settings {
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        Settings::load_with(path, &|id| crate::find(id).is_some())
    }

    /// Like [`Settings::load`], accepting the check ids `known` accepts under `checks:`
    /// (the binary adds the Dockerfile catalogue, which this crate does not know).
    pub fn load_with(path: &Path, known: &dyn Fn(&str) -> bool) -> Result<Settings, SettingsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: shown.clone(),
            source,
        })?;
        Settings::parse_with(&text, &shown, known)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Settings, SettingsError> {
        Settings::parse_with(text, origin, &|id| crate::find(id).is_some())
    }

    pub fn parse_with(
        text: &str,
        origin: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Settings, SettingsError> {
        let invalid = |message: String| SettingsError::Invalid {
            path: origin.to_string(),
            message,
        };
        let raw: RawSettings = if text.trim().is_empty() {
            RawSettings::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?
        };
        let mut s = Settings::default();
        for (id, c) in raw.checks {
            if !known(&id) {
                return Err(invalid(format!(
                    "unknown check '{id}' under 'checks' (see `kvet checks` for the list)"
                )));
            }
            let severity = c
                .severity
                .as_deref()
                .map(str::parse::<Severity>)
                .transpose()
                .map_err(|e| invalid(format!("checks.{id}.severity: {e}")))?;
            s.overrides.insert(
                id,
                CheckOverride {
                    enabled: c.enabled,
                    severity,
                },
            );
        }
        let caps = |v: Vec<String>| v.iter().map(|c| normalize_capability(c)).collect();
        if let Some(v) = raw.dangerous_capabilities {
            s.dangerous_capabilities = caps(v);
        }
        if let Some(v) = raw.insecure_capabilities {
            s.insecure_capabilities = caps(v);
        }
        if let Some(v) = raw.sensitive_host_paths {
            s.sensitive_host_paths = v;
        }
        if let Some(v) = raw.mutable_tags {
            s.mutable_tags = v;
        }
        if let Some(v) = raw.secrets {
            // Fail here, naming the file, rather than when the first scan starts.
            kvet_secrets::Scanner::new(&v).map_err(|e| invalid(format!("secrets: {e}")))?;
            s.secrets = v;
        }
        Ok(s)
    }

    pub fn is_enabled(&self, meta: &CheckMeta) -> bool {
        self.overrides
            .get(meta.id)
            .and_then(|o| o.enabled)
            .unwrap_or(meta.enabled)
    }

    pub fn severity(&self, meta: &CheckMeta) -> Severity {
        self.overrides
            .get(meta.id)
            .and_then(|o| o.severity)
            .unwrap_or(meta.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_unknown_keys() {
        let s = Settings::parse(
            "checks:\n  cpuLimitsMissing: {enabled: false}\n  hostPortSet: {severity: critical}\ndangerousCapabilities: [cap_sys_admin]\n",
            "kvet.yaml",
        )
        .unwrap();
        let cpu = &crate::find("cpuLimitsMissing").unwrap().meta;
        let port = &crate::find("hostPortSet").unwrap().meta;
        assert!(!s.is_enabled(cpu));
        assert_eq!(s.severity(port), Severity::Critical);
        assert_eq!(s.dangerous_capabilities, vec!["SYS_ADMIN"]);
        let e = Settings::parse("chekcs: {}\n", "kvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("chekcs") && e.contains("kvet.yaml"), "{e}");
        let e = Settings::parse("checks:\n  noSuchCheck: {enabled: true}\n", "kvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("noSuchCheck"), "{e}");
        let e = Settings::parse("checks:\n  hostPortSet: {severity: huge}\n", "k.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("huge"), "{e}");
    }
}
