//! The thing an SBOM describes, and its own identifiers (`pkg:oci/…`).

use serde::Serialize;

/// What kind of thing was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A container image (registry, archive or OCI layout).
    Image,
    /// An unpacked root filesystem or folder.
    Filesystem,
}

/// The scanned target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// As the user named it: an image reference (`debian:12`,
    /// `registry:5000/team/app@sha256:…`) or a path.
    pub name: String,
    /// Image or filesystem.
    pub kind: TargetKind,
    /// The image's manifest digest (`sha256:…`), when known. It is the image's version in the
    /// SBOMs and makes its `pkg:oci` PURL; without it the image has no PURL (a tag is mutable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl Target {
    /// An image target.
    pub fn image(name: impl Into<String>, digest: Option<String>) -> Self {
        Target {
            name: name.into(),
            kind: TargetKind::Image,
            digest,
        }
    }

    /// A filesystem target.
    pub fn filesystem(path: impl Into<String>) -> Self {
        Target {
            name: path.into(),
            kind: TargetKind::Filesystem,
            digest: None,
        }
    }

    /// The digest: the explicit one, else one pinned in the reference (`…@sha256:…`).
    pub fn effective_digest(&self) -> Option<&str> {
        if self.kind != TargetKind::Image {
            return None;
        }
        self.digest
            .as_deref()
            .or_else(|| split_reference(&self.name).2)
            .filter(|d| !d.is_empty())
    }

    /// `pkg:oci/<name>@<digest>?repository_url=<registry/repo>&tag=<tag>` (purl spec, `oci`
    /// type): `None` for filesystems and for images without a digest.
    pub fn purl(&self) -> Option<String> {
        let digest = self.effective_digest()?;
        let (repo, tag, _) = split_reference(&self.name);
        // The purl name is the last path segment, lower-cased; the whole repository goes into
        // `repository_url`.
        let last = repo.rsplit('/').next().unwrap_or(repo).to_ascii_lowercase();
        let mut purl = packageurl::PackageUrl::new("oci", last.as_str()).ok()?;
        purl.with_version(digest);
        if repo.contains('/') {
            purl.add_qualifier("repository_url", repo).ok()?;
        }
        if let Some(t) = tag {
            purl.add_qualifier("tag", t).ok()?;
        }
        Some(purl.to_string())
    }
}

/// Splits `registry:5000/team/app:1.0@sha256:ab` into (`registry:5000/team/app`, `1.0`,
/// `sha256:ab`). A colon is a tag separator only after the last `/` (a port is not a tag).
fn split_reference(r: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match r.split_once('@') {
        Some((a, d)) => (a, Some(d)),
        None => (r, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_parts() {
        assert_eq!(split_reference("debian:12"), ("debian", Some("12"), None));
        assert_eq!(
            split_reference("registry:5000/team/app"),
            ("registry:5000/team/app", None, None)
        );
        assert_eq!(
            split_reference("registry:5000/app:1.0@sha256:ab"),
            ("registry:5000/app", Some("1.0"), Some("sha256:ab"))
        );
    }

    #[test]
    fn oci_purl_needs_a_digest() {
        assert_eq!(Target::image("debian:12", None).purl(), None);
        assert_eq!(Target::filesystem("/srv/root").purl(), None);
        let t = Target::image("docker.io/library/Debian:12", Some("sha256:abc".into()));
        assert_eq!(
            t.purl().as_deref(),
            Some("pkg:oci/debian@sha256:abc?repository_url=docker.io/library/Debian&tag=12")
        );
        let pinned = Target::image("ghcr.io/x/app@sha256:def", None);
        assert_eq!(pinned.effective_digest(), Some("sha256:def"));
        assert_eq!(
            pinned.purl().as_deref(),
            Some("pkg:oci/app@sha256:def?repository_url=ghcr.io/x/app")
        );
    }
}
