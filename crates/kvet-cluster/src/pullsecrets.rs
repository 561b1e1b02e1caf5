//! Image pull secrets, read only for vulnerability scans: the named Secrets are fetched one by
//! one (never listed), decoded in memory into registry logins, and dropped with the scan.
//! Their values never reach a snapshot, a report, an error message or a log: errors describe
//! where a secret is malformed, never what it holds.

use crate::images::SecretRef;
use crate::kubeconfig::{error_chain, Target};
use base64::Engine as _;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::Client;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// A user name and password for one registry, from a pull secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryLogin {
    /// The registry as the secret's key names it, normalised to `host[:port]`
    /// (`https://index.docker.io/v1/` → `docker.io`).
    pub registry: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryLogin {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLogin")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why a pull secret gave no logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// 403: the scanner may not read it.
    Forbidden,
    /// 404: the Pod names a secret that does not exist.
    NotFound,
    /// Read but unusable (wrong type, bad base64, not JSON), or the request failed.
    Invalid(String),
}

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretError::Forbidden => f.write_str("forbidden"),
            SecretError::NotFound => f.write_str("not found"),
            SecretError::Invalid(m) => f.write_str(m),
        }
    }
}

/// The registry part of a docker config key, as Docker matches it.
pub fn normalize_registry(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => host,
    }
}

/// The registry an image reference pulls from (`nginx` → `docker.io`, `host:5000/a` →
/// `host:5000`), by Docker's rule: the first path segment is a registry when it has a dot or
/// a colon or is `localhost`.
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => {
            normalize_registry(first)
        }
        _ => "docker.io".to_string(),
    }
}

/// Where a JSON error is, without serde's text (which can quote the offending value).
fn json_error(what: &str, e: &serde_json::Error) -> SecretError {
    SecretError::Invalid(format!(
        "{what} is not valid docker config JSON (line {}, column {})",
        e.line(),
        e.column()
    ))
}

/// Decodes a Secret object (as the API returns it, `data` base64) of type
/// `kubernetes.io/dockerconfigjson` (`{"auths": {registry: entry}}`) or
/// `kubernetes.io/dockercfg` (`{registry: entry}`) into its logins. Entries give `auth`
/// (base64 `user:password`), `username` and `password`, or an OAuth `identitytoken`; entries
/// with none of them are skipped.
pub fn decode_pull_secret(secret: &Value) -> Result<Vec<RegistryLogin>, SecretError> {
    let kind = secret.get("type").and_then(Value::as_str).unwrap_or("");
    let (key, nested) = match kind {
        "kubernetes.io/dockerconfigjson" => (".dockerconfigjson", true),
        "kubernetes.io/dockercfg" => (".dockercfg", false),
        other => {
            return Err(SecretError::Invalid(format!(
                "type {other:?} is not a pull secret (kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg)"
            )))
        }
    };
    let encoded = secret
        .pointer(&format!("/data/{key}"))
        .and_then(Value::as_str)
        .ok_or_else(|| SecretError::Invalid(format!("data[{key}] is missing")))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64
        .decode(encoded.trim())
        .map_err(|_| SecretError::Invalid(format!("data[{key}] is not base64")))?;
    let doc: Value =
        serde_json::from_slice(&raw).map_err(|e| json_error(&format!("data[{key}]"), &e))?;
    let auths = if nested { doc.get("auths") } else { Some(&doc) };
    let Some(auths) = auths.and_then(Value::as_object) else {
        return Err(SecretError::Invalid(format!(
            "data[{key}] has no {} object",
            if nested { "auths" } else { "registry" }
        )));
    };
    let mut out = Vec::new();
    for (registry, entry) in auths {
        let registry = normalize_registry(registry);
        let field = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if let Some(token) = field("identitytoken") {
            // An OAuth identity token: docker's `<token>` user marks it, and the image puller
            // exchanges it at the registry's token server.
            out.push(RegistryLogin {
                registry,
                username: "<token>".to_string(),
                password: token.to_string(),
            });
        } else if let Some(auth) = field("auth") {
            let decoded = b64.decode(auth.trim()).map_err(|_| {
                SecretError::Invalid(format!("data[{key}]: the auth of {registry} is not base64"))
            })?;
            let decoded = String::from_utf8(decoded).map_err(|_| {
                SecretError::Invalid(format!("data[{key}]: the auth of {registry} is not UTF-8"))
            })?;
            let Some((user, pass)) = decoded.split_once(':') else {
                return Err(SecretError::Invalid(format!(
                    "data[{key}]: the auth of {registry} is not user:password"
                )));
            };
            out.push(RegistryLogin {
                registry,
                username: user.to_string(),
                password: pass.to_string(),
            });
        } else if let (Some(u), Some(p)) = (field("username"), field("password")) {
            out.push(RegistryLogin {
                registry,
                username: u.to_string(),
                password: p.to_string(),
            });
        }
    }
    Ok(out)
}

/// Fetches and decodes the named secrets of one cluster, at most `timeout` per request. A
/// secret that cannot be read is an error for that secret only.
pub async fn fetch_pull_secrets(
    target: &Target,
    secrets: &[SecretRef],
    timeout: Duration,
) -> BTreeMap<SecretRef, Result<Vec<RegistryLogin>, SecretError>> {
    let mut out = BTreeMap::new();
    if secrets.is_empty() {
        return out;
    }
    let client = match Client::try_from(target.config.clone()) {
        Ok(c) => c,
        Err(e) => {
            let msg = error_chain(&e);
            for s in secrets {
                out.insert(s.clone(), Err(SecretError::Invalid(msg.clone())));
            }
            return out;
        }
    };
    let gvk = GroupVersionKind::gvk("", "v1", "Secret");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "secrets");
    for s in secrets {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &s.namespace, &resource);
        let got = tokio::time::timeout(timeout, api.get(&s.name)).await;
        let result = match got {
            Err(_) => Err(SecretError::Invalid(format!(
                "no answer within {timeout:?}"
            ))),
            Ok(Err(kube::Error::Api(e))) if e.code == 403 => Err(SecretError::Forbidden),
            Ok(Err(kube::Error::Api(e))) if e.code == 404 => Err(SecretError::NotFound),
            Ok(Err(kube::Error::Api(e))) => {
                Err(SecretError::Invalid(format!("{} {}", e.code, e.reason)))
            }
            // Deserialisation errors could quote the body: say only that it failed.
            Ok(Err(kube::Error::SerdeError(_))) => Err(SecretError::Invalid(
                "unreadable answer from the API server".into(),
            )),
            Ok(Err(e)) => Err(SecretError::Invalid(error_chain(&e))),
            Ok(Ok(obj)) => match serde_json::to_value(obj) {
                Ok(v) => decode_pull_secret(&v),
                Err(_) => Err(SecretError::Invalid("unreadable secret".into())),
            },
        };
        out.insert(s.clone(), result);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn dockerconfigjson_with_auth_and_with_username_password() {
        let config = json!({"auths": {
            "https://index.docker.io/v1/": {"auth": b64("hubuser:hub:pass")},
            "reg.example.com:5000": {"username": "ci", "password": "s3cret", "email": "ci@example.com"},
            "empty.example.com": {}
        }});
        let secret = json!({"type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": b64(&config.to_string())}});
        let mut logins = decode_pull_secret(&secret).unwrap();
        logins.sort_by(|a, b| a.registry.cmp(&b.registry));
        assert_eq!(logins.len(), 2);
        assert_eq!(logins[0].registry, "docker.io");
        assert_eq!(logins[0].username, "hubuser");
        let acr = json!({"auths": {"team.azurecr.io": {"auth": b64("00000000-0000-0000-0000-000000000000:"), "identitytoken": "eyJhbGciOi.refresh"}}});
        let secret = json!({"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64(&acr.to_string())}});
        let token = decode_pull_secret(&secret).unwrap();
        assert_eq!(
            (token[0].username.as_str(), token[0].password.as_str()),
            ("<token>", "eyJhbGciOi.refresh")
        );
        assert_eq!(logins[0].password, "hub:pass");
        assert_eq!(logins[1].registry, "reg.example.com:5000");
        assert_eq!(logins[1].password, "s3cret");
        assert!(!format!("{logins:?}").contains("s3cret"));
    }

    #[test]
    fn legacy_dockercfg() {
        let cfg = json!({"127.0.0.1:5000": {"auth": b64("u:p"), "email": "x@y"}});
        let secret = json!({"type": "kubernetes.io/dockercfg", "data": {".dockercfg": b64(&cfg.to_string())}});
        let logins = decode_pull_secret(&secret).unwrap();
        assert_eq!(logins[0].registry, "127.0.0.1:5000");
        assert_eq!(
            (logins[0].username.as_str(), logins[0].password.as_str()),
            ("u", "p")
        );
    }

    #[test]
    fn bad_secrets_are_clear_errors_that_quote_nothing() {
        let err = |s: Value| decode_pull_secret(&s).unwrap_err().to_string();
        let e = err(
            json!({"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "%%not-base64-hunter2%%"}}),
        );
        assert_eq!(e, "data[.dockerconfigjson] is not base64");
        let e = err(
            json!({"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64("{\"auths\": hunter2}")}}),
        );
        assert!(e.contains("not valid docker config JSON (line 1"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let bad_auth = json!({"auths": {"r.io": {"auth": "hunter2!!"}}});
        let e = err(
            json!({"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64(&bad_auth.to_string())}}),
        );
        assert_eq!(e, "data[.dockerconfigjson]: the auth of r.io is not base64");
        let no_colon = json!({"auths": {"r.io": {"auth": b64("hunter2")}}});
        let e = err(
            json!({"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64(&no_colon.to_string())}}),
        );
        assert!(
            e.ends_with("is not user:password") && !e.contains("hunter2"),
            "{e}"
        );
        let e = err(json!({"type": "Opaque", "data": {"password": b64("hunter2")}}));
        assert!(e.contains("not a pull secret"), "{e}");
        let e = err(json!({"type": "kubernetes.io/dockercfg", "data": {}}));
        assert_eq!(e, "data[.dockercfg] is missing");
    }

    #[test]
    fn registries_of_references() {
        assert_eq!(registry_of("nginx:1"), "docker.io");
        assert_eq!(registry_of("library/nginx"), "docker.io");
        assert_eq!(
            registry_of("127.0.0.1:5000/kvet/debian@sha256:ab"),
            "127.0.0.1:5000"
        );
        assert_eq!(registry_of("ghcr.io/o/r:1"), "ghcr.io");
        assert_eq!(registry_of("localhost/app"), "localhost");
    }
}
