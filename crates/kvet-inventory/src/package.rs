//! The package record every cataloguer produces, and its Package URL.

use serde::Serialize;

use crate::distro::Distro;

/// Which package manager a package was found by. It decides the PURL type and which
/// version comparator and advisory feed the vulnerability matcher uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    /// dpkg (`/var/lib/dpkg/status`, `status.d/`).
    Deb,
    /// rpm (any rpmdb backend).
    Rpm,
    /// Alpine apk (`/lib/apk/db/installed`).
    Apk,
    /// Maven artifact found in a Java archive (`pom.properties`); `name` is `groupId:artifactId`.
    Maven,
    /// Go module compiled into a binary (build info); `stdlib` is the Go toolchain itself.
    Golang,
}

impl PackageKind {
    /// The PURL type for this kind.
    pub fn purl_type(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Rpm => "rpm",
            PackageKind::Apk => "apk",
            PackageKind::Maven => "maven",
            PackageKind::Golang => "golang",
        }
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Binary package name.
    pub name: String,
    /// Version without epoch and (for rpm) without release: dpkg's full upstream-revision
    /// string, rpm's `VERSION`, apk's `pkgver-rN`.
    pub version: String,
    /// Epoch when the format has one and it is set.
    pub epoch: Option<u32>,
    /// rpm `RELEASE`; `None` for other formats (their revision is part of `version`).
    pub release: Option<String>,
    /// Architecture as the package manager spells it.
    pub arch: Option<String>,
    /// Source package (dpkg `Source`, rpm `SOURCERPM` name, apk origin). Advisories for
    /// Debian, Ubuntu and Alpine are keyed by it.
    pub source_name: Option<String>,
    /// Source package version when it differs or is known (dpkg `Source: x (v)`, rpm
    /// `version-release` of the SRPM).
    pub source_version: Option<String>,
    /// Licence expression or name, as recorded.
    pub license: Option<String>,
    /// Which package manager.
    pub kind: PackageKind,
    /// Package URL (purl spec), with `arch`, `epoch` and `distro` qualifiers.
    pub purl: String,
    /// The database file the package was read from, e.g. `/var/lib/dpkg/status`.
    pub location: String,
    /// Files the package owns, where the format records them (may be empty).
    pub files: Vec<String>,
    /// The image layer that introduced the package (set by the image scanner; `None` for a
    /// root filesystem or when the layer cannot be told).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

/// One layer of a container image, as a package's provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerRef {
    /// Position in the image, 0 = base layer.
    pub index: usize,
    /// Digest of the layer blob as stored (compressed), `sha256:…`.
    pub digest: String,
    /// Digest of the uncompressed layer (the config's `rootfs.diff_ids`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// The history entry that made the layer (`created_by`, usually the Dockerfile instruction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl Package {
    /// The version as the package manager prints it: `epoch:version-release` for rpm,
    /// `epoch:version` for dpkg (dpkg keeps the epoch in its version string already).
    pub fn full_version(&self) -> String {
        let mut v = String::new();
        if let Some(e) = self.epoch {
            v.push_str(&format!("{e}:"));
        }
        v.push_str(&self.version);
        if let Some(r) = &self.release {
            v.push('-');
            v.push_str(r);
        }
        v
    }

    /// Computes [`Package::purl`] from the other fields and the distro.
    ///
    /// The namespace is the distro id (`debian`, `ubuntu`, `alpine`, `rhel`…); when the distro
    /// is unknown the namespace is left out rather than guessed. `distro` is `id-version_id`
    /// (as in the purl spec's examples, e.g. `distro=debian-12`).
    pub fn compute_purl(&mut self, distro: &Distro) {
        self.purl = build_purl(self, distro);
    }
}

fn build_purl(p: &Package, distro: &Distro) -> String {
    if p.kind == PackageKind::Maven {
        return maven_purl(p);
    }
    if p.kind == PackageKind::Golang {
        return golang_purl(p);
    }
    // dpkg spells the epoch inside its version (`1:2.3-4`) and so does the purl; rpm's purl
    // carries it as a qualifier instead.
    let version = match p.kind {
        PackageKind::Rpm => match &p.release {
            Some(r) => format!("{}-{r}", p.version),
            None => p.version.clone(),
        },
        _ => p.full_version(),
    };
    let Ok(mut purl) = packageurl::PackageUrl::new(p.kind.purl_type(), p.name.as_str()) else {
        // Only fails for an empty type or name; fall back to the bare form.
        return format!("pkg:{}/{}@{}", p.kind.purl_type(), p.name, version);
    };
    if !distro.is_unknown() {
        purl.with_namespace(distro.id.as_str());
    }
    purl.with_version(version);
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    if let Some(a) = &p.arch {
        qualifiers.push(("arch", a.clone()));
    }
    if let Some(e) = p.epoch.filter(|_| p.kind == PackageKind::Rpm) {
        qualifiers.push(("epoch", e.to_string()));
    }
    if !distro.is_unknown() {
        qualifiers.push(("distro", distro.purl_qualifier()));
    }
    if p.kind == PackageKind::Deb || p.kind == PackageKind::Apk {
        if let Some(src) = p.source_name.as_ref().filter(|s| **s != p.name) {
            let upstream = match &p.source_version {
                Some(v) => format!("{src}@{v}"),
                None => src.clone(),
            };
            qualifiers.push(("upstream", upstream));
        }
    }
    for (k, v) in qualifiers {
        // Keys are fixed lower-case names, which the crate always accepts.
        let _ = purl.add_qualifier(k, v);
    }
    purl.to_string()
}

/// `pkg:maven/<groupId>/<artifactId>@<version>`: no distro, the artifact is the same anywhere.
fn maven_purl(p: &Package) -> String {
    let (group, artifact) = p.name.split_once(':').unwrap_or(("", p.name.as_str()));
    let Ok(mut purl) = packageurl::PackageUrl::new("maven", artifact) else {
        return format!("pkg:maven/{group}/{artifact}@{}", p.version);
    };
    if !group.is_empty() {
        purl.with_namespace(group);
    }
    purl.with_version(p.version.as_str());
    purl.to_string()
}

/// `pkg:golang/<module path>@<version>`: the purl spec puts all but the last path element in
/// the namespace (`pkg:golang/golang.org/x/net@v0.23.0`).
fn golang_purl(p: &Package) -> String {
    let (ns, name) = p.name.rsplit_once('/').unwrap_or(("", p.name.as_str()));
    let Ok(mut purl) = packageurl::PackageUrl::new("golang", name) else {
        return format!("pkg:golang/{}@{}", p.name, p.version);
    };
    if !ns.is_empty() {
        purl.with_namespace(ns);
    }
    purl.with_version(p.version.as_str());
    purl.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(kind: PackageKind) -> Package {
        Package {
            name: "openssl".into(),
            version: "3.0.11-1~deb12u2".into(),
            epoch: None,
            release: None,
            arch: Some("amd64".into()),
            source_name: None,
            source_version: None,
            license: None,
            kind,
            purl: String::new(),
            location: "/var/lib/dpkg/status".into(),
            files: vec![],
            layer: None,
        }
    }

    #[test]
    fn deb_purl_matches_spec_example() {
        let mut p = pkg(PackageKind::Deb);
        p.compute_purl(&Distro::new("debian", Some("12")));
        assert_eq!(
            p.purl,
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn rpm_purl_has_release_and_epoch() {
        let mut p = pkg(PackageKind::Rpm);
        p.version = "1.1.1k".into();
        p.release = Some("9.el8".into());
        p.epoch = Some(1);
        p.arch = Some("x86_64".into());
        p.compute_purl(&Distro::new("rocky", Some("8.10")));
        assert_eq!(
            p.purl,
            "pkg:rpm/rocky/openssl@1.1.1k-9.el8?arch=x86_64&distro=rocky-8.10&epoch=1"
        );
        assert_eq!(p.full_version(), "1:1.1.1k-9.el8");
    }

    #[test]
    fn unknown_distro_is_not_guessed() {
        let mut p = pkg(PackageKind::Deb);
        p.compute_purl(&Distro::unknown());
        assert_eq!(p.purl, "pkg:deb/openssl@3.0.11-1~deb12u2?arch=amd64");
    }
}
