//! Registry authentication as the distribution spec and Docker's token spec describe it:
//! a request answered 401 carries a `WWW-Authenticate` challenge; `Basic` means send the
//! credentials with each request, `Bearer realm=…,service=…,scope=…` means get a token from
//! the realm (anonymously, or with the credentials as HTTP basic) and send that.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use serde::Deserialize;

use super::http::Http;
use crate::source::Credentials;
use crate::{Error, Result};

/// Largest token response read.
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// Lowercased scheme: `basic`, `bearer`.
    pub scheme: String,
    pub params: HashMap<String, String>,
}

/// Parses the first challenge of a `WWW-Authenticate` value:
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`.
/// (Parameter values may be quoted and contain commas, hence a small tokenizer.)
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.trim().is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n)
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// The `Authorization` header for one repository, obtained on the first 401 and renewed
/// when a token expires.
pub(crate) struct Auth {
    /// Registry as the user named it, for messages.
    registry: String,
    repository: String,
    credentials: Option<Credentials>,
    header: Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

impl Auth {
    pub(crate) fn new(registry: &str, repository: &str, credentials: Option<Credentials>) -> Auth {
        Auth {
            registry: registry.to_string(),
            repository: repository.to_string(),
            credentials,
            header: Mutex::new(None),
        }
    }

    /// The header to send now, if any.
    pub(crate) fn current(&self) -> Option<String> {
        self.header.lock().ok().and_then(|h| h.clone())
    }

    /// Answers a 401: works out a new header from the challenge. `sent` is the header the
    /// refused request carried: refused basic credentials are an error, not worth a retry.
    pub(crate) fn answer(
        &self,
        http: &Http,
        challenge: Option<&str>,
        sent: Option<&str>,
    ) -> Result<String> {
        let Some(challenge) = challenge.and_then(parse_challenge) else {
            return Err(Error::Auth(format!(
                "registry {} answered 401 Unauthorized without a usable WWW-Authenticate challenge",
                self.registry
            )));
        };
        let header = match challenge.scheme.as_str() {
            "basic" => {
                let Some(c) = &self.credentials else {
                    return Err(self.needs_credentials());
                };
                if c.is_identity_token() {
                    return Err(Error::Auth(format!(
                        "registry {} asks for basic authentication, but the credentials for it are an OAuth identity token (which only works with token authentication); pass --username/--password",
                        self.registry
                    )));
                }
                let header = basic(c);
                if sent == Some(header.as_str()) {
                    return Err(self.rejected(&header));
                }
                header
            }
            "bearer" => self.token(http, &challenge)?,
            other => {
                return Err(Error::Auth(format!(
                    "registry {} asks for {other} authentication, which kvet does not support (basic and bearer are)",
                    self.registry
                )))
            }
        };
        if let Ok(mut h) = self.header.lock() {
            *h = Some(header.clone());
        }
        Ok(header)
    }

    fn token(&self, http: &Http, challenge: &Challenge) -> Result<String> {
        let realm = challenge
            .params
            .get("realm")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                Error::Auth(format!(
                    "registry {}: bearer challenge without a realm",
                    self.registry
                ))
            })?;
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(Error::Auth(format!(
                "registry {}: token realm {realm:?} is not an http(s) URL",
                self.registry
            )));
        }
        // Always ask for pull on our repository; the challenge's own scope may name
        // another action (or be absent on the /v2/ ping).
        let scope = format!("repository:{}:pull", self.repository);
        let mut query: Vec<(&str, &str)> = vec![("scope", scope.as_str())];
        if let Some(service) = challenge.params.get("service") {
            query.push(("service", service.as_str()));
        }
        let what = format!("token for {}", self.repository);
        let resp = match &self.credentials {
            // Docker's token spec, OAuth2 variant: the identity token is a refresh token,
            // exchanged by POSTing a refresh-token grant (`client_id` is mandatory there).
            Some(c) if c.is_identity_token() => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", c.password.as_str()),
                    ("client_id", "kvet"),
                ];
                form.extend(query.iter().copied());
                http.post_form(realm, &form, &what)?
            }
            other => {
                let basic_header = other.as_ref().map(basic);
                let mut headers = Vec::new();
                if let Some(h) = &basic_header {
                    headers.push(("Authorization", h.as_str()));
                }
                http.get(realm, &headers, &query, &what)?
            }
        };
        let status = resp.status().as_u16();
        match status {
            200 => {}
            401 | 403 => {
                return Err(match &self.credentials {
                    Some(c) if c.is_identity_token() => Error::Auth(format!(
                        "registry {}: the token server {realm} refused the identity token (HTTP {status}); it may have expired: log in again with `docker login {}`",
                        self.registry, self.registry
                    )),
                    Some(c) => Error::Auth(format!(
                        "registry {}: the token server {realm} refused the credentials of user {:?} (HTTP {status}); check the user name and password",
                        self.registry, c.username
                    )),
                    None => self.needs_credentials(),
                })
            }
            s => {
                return Err(Error::Registry(format!(
                    "registry {}: token server {realm} answered HTTP {s}",
                    self.registry
                )))
            }
        }
        let body = resp
            .into_body()
            .into_with_config()
            .limit(MAX_TOKEN_RESPONSE)
            .read_to_vec()
            .map_err(|e| Error::Registry(format!("{what}: {realm}: {e}")))?;
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::Registry(format!(
                "{what}: {realm} sent an unreadable token response: {e}"
            ))
        })?;
        let token = token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::Registry(format!("{what}: {realm} sent a response without a token"))
            })?;
        Ok(format!("Bearer {token}"))
    }

    pub(crate) fn needs_credentials(&self) -> Error {
        Error::Auth(format!(
            "registry {} requires authentication for {}: log in with `docker login {}` or pass --username/--password",
            self.registry, self.repository, self.registry
        ))
    }

    /// A request refused (401) although it carried the header just obtained for it.
    pub(crate) fn rejected(&self, header: &str) -> Error {
        let bearer = header.starts_with("Bearer ");
        match (&self.credentials, bearer) {
            (Some(c), false) => Error::Auth(format!(
                "registry {} refused the credentials of user {:?} for {}; check the user name and password",
                self.registry, c.username, self.repository
            )),
            // The token server accepted us, but the token grants nothing for this
            // repository: Docker Hub answers so for private and for missing repositories.
            (Some(c), true) => Error::Auth(format!(
                "registry {}: user {:?} may not pull {} (no pull permission, or no such repository)",
                self.registry, c.username, self.repository
            )),
            (None, true) => Error::Auth(format!(
                "registry {}: {} needs authentication or does not exist: log in with `docker login {}` or pass --username/--password",
                self.registry, self.repository, self.registry
            )),
            (None, false) => self.needs_credentials(),
        }
    }

    pub(crate) fn denied(&self) -> Error {
        Error::Auth(format!(
            "registry {}: access to {} denied (HTTP 403){}",
            self.registry,
            self.repository,
            match &self.credentials {
                Some(c) => format!(" for user {:?}", c.username),
                None => " (no credentials were given)".to_string(),
            }
        ))
    }
}

fn basic(c: &Credentials) -> String {
    let raw = format!("{}:{}", c.username, c.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/nginx:pull,push");
        let c = parse_challenge(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(c.scheme, "basic");
        assert_eq!(c.params["realm"], "Registry Realm");
        let c = parse_challenge("Bearer realm=http://x/token, service=reg").unwrap();
        assert_eq!(c.params["realm"], "http://x/token");
        assert_eq!(c.params["service"], "reg");
        assert_eq!(parse_challenge(""), None);
    }
}
