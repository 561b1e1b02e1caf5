//! Registry credentials from Docker's `config.json`, as `docker login` leaves them: `auths`
//! entries (base64 `auth`, or `username`/`password`), and the credential helpers named by
//! `credHelpers` / `credsStore` (`docker-credential-<name> get`).
//!
//! Our own small reader rather than the `docker_credential` crate: that crate only reads the
//! file its environment points at, and we need a path given by the caller (`--docker-config`,
//! tests) and error messages that name the file.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use crate::reference::DOCKER_HUB;
use crate::source::Credentials;
use crate::{Error, Result};

/// Largest config.json read.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".docker").join("config.json"))
}

/// Credentials for `registry` (as in the reference: `docker.io`, `host:port`) from the
/// config at `path`. A missing file or no entry means anonymous (`None`).
pub(crate) fn lookup(path: &Path, registry: &str) -> Result<Option<Credentials>> {
    let name = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Io {
                path: name,
                source: e,
            })
        }
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(Error::Limit {
            what: format!("{name} ({} bytes)", meta.len()),
            limit: format!("{MAX_CONFIG_BYTES}-byte docker config"),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: name.clone(),
        source: e,
    })?;
    let config: DockerConfig = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{name}: not a docker config file: {e}")))?;
    let want = normalize_key(registry);

    if let Some(helper) = config
        .cred_helpers
        .iter()
        .find(|(k, _)| normalize_key(k) == want)
        .map(|(_, v)| v)
    {
        return run_helper(helper, registry, &name, true);
    }
    if let Some(entry) = config
        .auths
        .iter()
        .find(|(k, _)| normalize_key(k) == want)
        .map(|(_, v)| v)
    {
        if let Some(creds) = entry_credentials(entry, registry, &name)? {
            return Ok(Some(creds));
        }
    }
    match &config.creds_store {
        // The default store applies to every registry; when its helper is not installed
        // (a config copied from another machine), public images still pull anonymously.
        Some(store) if !store.is_empty() => run_helper(store, registry, &name, false),
        _ => Ok(None),
    }
}

fn entry_credentials(entry: &AuthEntry, registry: &str, file: &str) -> Result<Option<Credentials>> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials::identity_token(token)));
    }
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| {
                Error::Invalid(format!("{file}: auths[{registry}].auth is not base64: {e}"))
            })?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| Error::Invalid(format!("{file}: auths[{registry}].auth is not UTF-8")))?;
        let (user, pass) = decoded.split_once(':').ok_or_else(|| {
            Error::Invalid(format!(
                "{file}: auths[{registry}].auth does not decode to user:password"
            ))
        })?;
        return Ok(Some(Credentials {
            username: user.to_string(),
            password: pass.to_string(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        })),
        _ => Ok(None),
    }
}

/// The registry part of an `auths` key: `https://index.docker.io/v1/` → `docker.io`,
/// `http://host:5000` → `host:5000`.
fn normalize_key(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            DOCKER_HUB.to_string()
        }
        _ => host,
    }
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// Asks `docker-credential-<helper>` for the registry's credentials, as Docker does. A helper
/// that is not installed is an error when `required` (named for this registry), else `None`.
fn run_helper(
    helper: &str,
    registry: &str,
    file: &str,
    required: bool,
) -> Result<Option<Credentials>> {
    if !helper
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(Error::Invalid(format!(
            "{file}: invalid credential helper name {helper:?}"
        )));
    }
    let program = format!("docker-credential-{helper}");
    let server = if registry == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    };
    let spawned = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Auth(format!(
                "{file} names the credential helper {helper:?} for {registry}, but {program} could not be run: {e}"
            )))
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Auth(format!("{program}: {e}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stdout);
        if msg.contains("credentials not found") {
            return Ok(None);
        }
        return Err(Error::Auth(format!(
            "{program} get failed for {registry}: {} {}",
            msg.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let answer: HelperAnswer = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::Auth(format!("{program} get: unreadable answer: {e}")))?;
    // A helper's `<token>` user name marks an identity token, as in docker's config entries.
    Ok(Some(Credentials {
        username: answer.username,
        password: answer.secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(normalize_key("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_key("http://Host:5000"), "host:5000");
        assert_eq!(normalize_key("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(normalize_key("ghcr.io/v2/"), "ghcr.io");
    }
}
