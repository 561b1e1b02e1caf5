//! Platforms (`linux/arm64/v8`) and how an index entry is chosen for one, with the same
//! normalisation containerd applies (`aarch64` is `arm64`, `arm64/v8` is plain `arm64`, bare
//! `arm` is `arm/v7`), so `--platform` means what it means to `docker pull`.

use std::fmt;

use crate::{Error, Result};

/// An `os/architecture[/variant]` triple.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    /// `linux`, `windows`, …
    pub os: String,
    /// GOARCH spelling: `amd64`, `arm64`, `arm`, `386`, `s390x`, …
    pub architecture: String,
    /// CPU variant (`v7` for `arm`), when it matters.
    pub variant: Option<String>,
}

impl Default for Platform {
    /// `linux/amd64`, what the CLI defaults to.
    fn default() -> Self {
        Platform::new("linux", "amd64", None)
    }
}

impl Platform {
    /// A platform from its parts, normalised.
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        let os = os.to_ascii_lowercase();
        let (architecture, variant) = normalize_arch(
            &architecture.to_ascii_lowercase(),
            variant.map(str::to_ascii_lowercase).as_deref(),
        );
        Platform {
            os,
            architecture,
            variant,
        }
    }

    /// Parses `os/arch[/variant]` (`linux/arm64`, `linux/arm/v7`).
    pub fn parse(text: &str) -> Result<Platform> {
        let parts: Vec<&str> = text.split('/').collect();
        let bad = || {
            Error::Invalid(format!(
                "invalid platform {text:?}: expected os/architecture[/variant], e.g. linux/arm64"
            ))
        };
        if parts.iter().any(|p| {
            p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        }) {
            return Err(bad());
        }
        match parts.as_slice() {
            [os, arch] => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] => Ok(Platform::new(os, arch, Some(variant))),
            _ => Err(bad()),
        }
    }

    /// Whether an image for `other` is what a user asking for `self` wants. A request without
    /// a variant accepts any variant of the architecture.
    pub fn matches(&self, other: &Platform) -> bool {
        self.os == other.os
            && self.architecture == other.architecture
            && (self.variant.is_none() || self.variant == other.variant)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Platform {
    type Err = Error;
    fn from_str(s: &str) -> Result<Platform> {
        Platform::parse(s)
    }
}

fn normalize_arch(arch: &str, variant: Option<&str>) -> (String, Option<String>) {
    let variant = variant.filter(|v| !v.is_empty());
    let (arch, variant) = match (arch, variant) {
        ("i386" | "x86" | "i686", v) => ("386", v),
        ("x86_64" | "x86-64" | "amd64", Some("v1")) => ("amd64", None),
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64" | "arm64", Some("v8" | "8")) => ("arm64", None),
        ("aarch64", v) => ("arm64", v),
        ("armhf", _) => ("arm", Some("v7")),
        ("armel", _) => ("arm", Some("v6")),
        ("arm", None) => ("arm", Some("v7")),
        ("arm", Some("5" | "6" | "7" | "8")) => ("arm", variant),
        (a, v) => (a, v),
    };
    let variant = match (arch, variant) {
        ("arm", Some(v)) if !v.starts_with('v') => Some(format!("v{v}")),
        (_, v) => v.map(str::to_string),
    };
    (arch.to_string(), variant)
}

/// Picks, among `candidates` (index entries' platforms, in index order), the entry for
/// `want`: an exact match first, then the first that [`Platform::matches`]. `None` entries
/// (no platform, or `unknown/unknown` attestation manifests) are never chosen.
pub(crate) fn choose(want: &Platform, candidates: &[Option<Platform>]) -> Option<usize> {
    candidates
        .iter()
        .position(|c| c.as_ref() == Some(want))
        .or_else(|| {
            candidates
                .iter()
                .position(|c| c.as_ref().is_some_and(|c| want.matches(c)))
        })
}

/// The error for an index with nothing for `want`, listing what it has.
pub(crate) fn no_match(what: &str, want: &Platform, candidates: &[Option<Platform>]) -> Error {
    let mut have: Vec<String> = candidates.iter().flatten().map(|p| p.to_string()).collect();
    have.dedup();
    let have = if have.is_empty() {
        "none with a platform".to_string()
    } else {
        have.join(", ")
    };
    Error::Invalid(format!(
        "{what}: no image for platform {want} (available: {have}); choose one with --platform"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_normalise() {
        assert_eq!(Platform::parse("linux/amd64").unwrap(), Platform::default());
        assert_eq!(
            Platform::parse("linux/x86_64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/aarch64").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/arm").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(
            Platform::parse("linux/arm/6").unwrap().to_string(),
            "linux/arm/v6"
        );
        assert_eq!(
            Platform::parse("Linux/S390X").unwrap().to_string(),
            "linux/s390x"
        );
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", "linux/am d64", ""] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn choosing() {
        let c = vec![
            Some(Platform::parse("linux/amd64").unwrap()),
            None,
            Some(Platform::parse("linux/arm/v6").unwrap()),
            Some(Platform::parse("linux/arm/v7").unwrap()),
            Some(Platform::parse("linux/arm64/v8").unwrap()),
        ];
        let pick = |p: &str| choose(&Platform::parse(p).unwrap(), &c);
        assert_eq!(pick("linux/amd64"), Some(0));
        assert_eq!(pick("linux/arm64"), Some(4));
        assert_eq!(pick("linux/arm"), Some(3));
        assert_eq!(pick("linux/arm/v6"), Some(2));
        assert_eq!(pick("linux/s390x"), None);
        let err = no_match("x", &Platform::parse("linux/s390x").unwrap(), &c).to_string();
        assert!(
            err.contains("linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64"),
            "{err}"
        );
    }
}
