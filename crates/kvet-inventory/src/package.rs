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
    /// Maven artifact found in a Java archive (`pom.properties`, else `MANIFEST.MF` and file
    /// name); `name` is `groupId:artifactId`, or the artifactId alone when no groupId is known.
    Maven,
    /// Go module compiled into a binary (build info); `stdlib` is the Go toolchain itself.
    Golang,
    /// Python distribution (`*.dist-info/METADATA`, `*.egg-info`); `name` as the metadata
    /// spells it, PEP 503-normalised only in the PURL.
    Python,
    /// npm package (`node_modules/**/package.json`, `package-lock.json`); `name` keeps its
    /// `@scope/` prefix.
    Npm,
    /// Rust crate (`Cargo.lock`, or a binary built with `cargo auditable`).
    Cargo,
    /// RubyGem (`specifications/*.gemspec`).
    Gem,
    /// PHP Composer package (`vendor/composer/installed.json`); `name` is `vendor/project`.
    Composer,
    /// NuGet package (`*.deps.json` of a .NET application).
    Nuget,
    /// A well-known program copied into the image rather than installed by a package manager,
    /// identified by the version string compiled into it (nginx, httpd, redis, …).
    Binary,
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
            PackageKind::Python => "pypi",
            PackageKind::Npm => "npm",
            PackageKind::Cargo => "cargo",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "composer",
            PackageKind::Nuget => "nuget",
            // No ecosystem owns a binary copied into an image: the purl spec's `generic` type is
            // for exactly that (a name and a version, no registry), and advisory feeds that
            // cover such programs (nginx, openssl…) key them by the upstream name anyway.
            PackageKind::Binary => "generic",
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
    /// A package of one of the application kinds ([`PackageKind::is_application`]) found in
    /// the file at `location`, with its PURL computed.
    pub fn application(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        location: impl Into<String>,
    ) -> Package {
        let mut p = Package {
            name: name.into(),
            version: version.into(),
            epoch: None,
            release: None,
            arch: None,
            source_name: None,
            source_version: None,
            license: None,
            kind,
            purl: String::new(),
            location: location.into(),
            files: Vec::new(),
            layer: None,
        };
        p.compute_purl(&Distro::unknown());
        p
    }

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
    if p.kind.is_application() {
        return application_purl(p);
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

impl PackageKind {
    /// Kinds found by the application cataloguers: their PURLs carry no distro, since the
    /// same artifact is the same anywhere.
    pub fn is_application(self) -> bool {
        matches!(
            self,
            PackageKind::Python
                | PackageKind::Npm
                | PackageKind::Cargo
                | PackageKind::Gem
                | PackageKind::Composer
                | PackageKind::Nuget
                | PackageKind::Binary
        )
    }
}

/// PEP 503 normalisation: lower case, every run of `-`, `_` and `.` becomes one `-`
/// (`Zope.Interface` and `zope_interface` are the same project on PyPI).
pub fn pep503_normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// PURLs of the application kinds: `pkg:<type>/[<namespace>/]<name>@<version>`, where npm's
/// `@scope` and composer's vendor become the namespace (the purl spec's rule for both).
fn application_purl(p: &Package) -> String {
    let ty = p.kind.purl_type();
    let (ns, name) = match p.kind {
        PackageKind::Npm | PackageKind::Composer => match p.name.rsplit_once('/') {
            Some((ns, n)) => (Some(ns), n.to_owned()),
            None => (None, p.name.clone()),
        },
        PackageKind::Python => (None, pep503_normalise(&p.name)),
        _ => (None, p.name.clone()),
    };
    let Ok(mut purl) = packageurl::PackageUrl::new(ty, name.as_str()) else {
        return format!("pkg:{ty}/{}@{}", p.name, p.version);
    };
    if let Some(ns) = ns.filter(|n| !n.is_empty()) {
        purl.with_namespace(ns);
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
