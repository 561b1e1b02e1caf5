//! Image references as `docker pull` reads them (`nginx`, `ghcr.io/org/app:1.2`,
//! `localhost:5000/app@sha256:…`).
//!
//! Written by hand: the grammar is small (distribution's `reference` package, a page of
//! regular expressions) and the defaults that matter to users — `docker.io`, `library/`,
//! `latest`, what counts as a registry host — are Docker's, which no Rust crate we checked
//! reproduces exactly (oci-client's `Reference` drags in its async client).

use std::fmt;

use crate::{Error, Result};

/// The registry Docker uses when a name has no host part.
pub const DOCKER_HUB: &str = "docker.io";
/// Where Docker Hub's registry API actually answers.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";

/// Longest repository name (host excluded) that distribution accepts.
const MAX_NAME_LEN: usize = 255;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry as named (`docker.io`, `localhost:5000`, `ghcr.io`).
    pub registry: String,
    /// Repository path inside the registry (`library/nginx`).
    pub repository: String,
    /// Tag, when given or defaulted (`latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// `algorithm:hex` digest; when present it wins over the tag for pulling.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a reference the way Docker does. The error says what is wrong with `text`.
    pub fn parse(text: &str) -> Result<Reference> {
        let bad = |why: &str| Error::Invalid(format!("invalid image reference {text:?}: {why}"));
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace"));
        }
        let (rest, digest) = match text.rsplit_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(|why| bad(&why))?;
                (rest, Some(digest.to_string()))
            }
            None => (text, None),
        };
        // A tag is the part after the last ':' that comes after the last '/', so that a
        // port (`host:5000/app`) is never taken for a tag.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                if !valid_tag(tag) {
                    return Err(bad(&format!(
                        "invalid tag {tag:?} (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')"
                    )));
                }
                (&rest[..last_slash + i], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(bad("no repository name"));
        }
        let (registry, repository) = split_registry(name);
        if registry.is_empty() {
            return Err(bad("empty registry host"));
        }
        if !valid_host(registry) {
            return Err(bad(&format!("invalid registry host {registry:?}")));
        }
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry.to_string()
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        if repository.len() > MAX_NAME_LEN {
            return Err(bad("repository name longer than 255 characters"));
        }
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(bad("repository name must be lowercase"));
        }
        for component in repository.split('/') {
            if !valid_component(component) {
                return Err(bad(&format!(
                    "invalid repository path component {component:?} (lowercase letters and digits, separated by '.', '_', '__' or '-')"
                )));
            }
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Host (and port) that serves the registry API: Docker Hub's API lives on
    /// `registry-1.docker.io`, every other registry answers on its own name.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    /// What to ask the registry's manifest endpoint for: the digest when there is one.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for Reference {
    /// The fully qualified form, `docker.io/library/nginx:1.25.3[@sha256:…]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
    }
}

/// Docker's rule: the first component is a registry host if it has a '.' or a ':', is
/// `localhost`, or has an uppercase letter (repositories are lowercase).
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    }
}

fn valid_host(host: &str) -> bool {
    // host[:port], or [ipv6]:port.
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, tail)) => {
                if !ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                    return false;
                }
                (None, tail.strip_prefix(':'))
            }
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    match name {
        None => true,
        Some(name) => {
            !name.is_empty()
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                })
        }
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Checks `algorithm:encoded` as the OCI image spec defines digests; sha256 and sha512 must
/// have their exact lowercase hex length, since they are what blobs are verified with.
pub(crate) fn validate_digest(digest: &str) -> std::result::Result<(), String> {
    let Some((alg, hex)) = digest.split_once(':') else {
        return Err(format!("invalid digest {digest:?}: expected algorithm:hex"));
    };
    let alg_ok = !alg.is_empty()
        && alg.split(['+', '.', '_', '-']).all(|part| {
            !part.is_empty()
                && part.as_bytes()[0].is_ascii_lowercase()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !alg_ok {
        return Err(format!("invalid digest algorithm in {digest:?}"));
    }
    let want_len = match alg {
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    };
    match want_len {
        Some(n)
            if hex.len() == n && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Ok(())
        }
        Some(n) => Err(format!(
            "invalid digest {digest:?}: {alg} needs {n} lowercase hex digits"
        )),
        None => Err(format!(
            "unsupported digest algorithm {alg:?} in {digest:?} (sha256 and sha512 are supported)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (String, String, Option<String>, Option<String>) {
        let r = Reference::parse(text).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn docker_hub_defaults() {
        assert_eq!(
            parts("nginx"),
            (
                "docker.io".into(),
                "library/nginx".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            parts("nginx:1.25.3"),
            (
                "docker.io".into(),
                "library/nginx".into(),
                Some("1.25.3".into()),
                None
            )
        );
        assert_eq!(parts("bitnami/redis").1, "bitnami/redis");
        assert_eq!(parts("docker.io/nginx").1, "library/nginx");
        assert_eq!(parts("index.docker.io/nginx").0, "docker.io");
        let r = Reference::parse("nginx:1.25.3").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/nginx:1.25.3");
        assert_eq!(r.api_host(), "registry-1.docker.io");
    }

    #[test]
    fn hosts_ports_and_localhost() {
        assert_eq!(
            parts("registry.local:5000/app"),
            (
                "registry.local:5000".into(),
                "app".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(parts("localhost/app:v1").0, "localhost");
        assert_eq!(parts("localhost:5000/a/b/c:v1").1, "a/b/c");
        assert_eq!(parts("127.0.0.1:5000/app").0, "127.0.0.1:5000");
        // Not a host: no dot, no port, not localhost → Docker Hub user name.
        assert_eq!(parts("myuser/app").0, "docker.io");
        assert_eq!(parts("[::1]:5000/app").0, "[::1]:5000");
        let r = Reference::parse("ghcr.io/org/app").unwrap();
        assert_eq!(r.api_host(), "ghcr.io");
    }

    #[test]
    fn digests_win_over_tags() {
        let r = Reference::parse(&format!("registry.local:5000/app@{D}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.manifest_ref(), D);
        let r = Reference::parse(&format!("nginx:1.25@{D}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.25"));
        assert_eq!(r.manifest_ref(), D);
        assert_eq!(r.to_string(), format!("docker.io/library/nginx:1.25@{D}"));
    }

    #[test]
    fn invalid_references_are_explained() {
        for (text, why) in [
            ("", "empty"),
            ("Nginx/App", "lowercase"),
            ("nginx:", "invalid tag"),
            ("nginx:-x", "invalid tag"),
            ("nginx@sha256:abc", "64 lowercase hex"),
            ("nginx@md5:0123", "unsupported digest algorithm"),
            ("nginx@nocolon", "algorithm:hex"),
            ("a//b", "path component"),
            ("app_-x", "path component"),
            ("ex ample", "whitespace"),
            (":tag", "no repository"),
            ("host:99999999/app", "registry host"),
        ] {
            let err = Reference::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text:?}: {err}");
            assert!(err.contains(&format!("{text:?}")), "{err}");
        }
        let long = format!("a/{}", "b".repeat(300));
        assert!(Reference::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("255"));
    }

    #[test]
    fn separators_in_components() {
        for ok in ["a.b", "a_b", "a__b", "a---b", "x/y-z/w.v"] {
            assert!(Reference::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a..b", "a___b", "-a", "a-", "a._b"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
