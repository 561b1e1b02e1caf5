//! OSV ecosystem names and package-name normalisation.
//!
//! An ecosystem string is a base name (`Debian`, `PyPI`, `Rocky Linux`) optionally followed by
//! `:`-separated qualifiers (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.18`). The base is matched
//! case-insensitively against the OSV schema's list and stored in the schema's spelling, so a
//! record saying `pypi` and a query saying `PyPI` meet. Qualifiers are kept as written.

/// Base ecosystem names from the OSV schema (docs/schema.md, "affected[].package" list).
pub const KNOWN: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// The canonical spelling of an ecosystem string, or `None` when its base is not an OSV
/// ecosystem. Whitespace around the parts is trimmed.
pub fn canonical(eco: &str) -> Option<String> {
    let eco = eco.trim();
    let (base, rest) = match eco.split_once(':') {
        Some((b, r)) => (b.trim(), Some(r.trim())),
        None => (eco, None),
    };
    let known = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(base))?;
    Some(match rest {
        Some(r) if !r.is_empty() => format!("{known}:{r}"),
        _ => (*known).to_string(),
    })
}

/// The base of an ecosystem string: `Debian:12` → `Debian`.
pub fn base(eco: &str) -> &str {
    eco.split_once(':').map_or(eco, |(b, _)| b)
}

/// Whether the ecosystem is an operating-system distribution (its packages are OS packages,
/// its advisories carry the distro's own severity when they carry one).
pub fn is_distro(eco: &str) -> bool {
    matches!(
        base(eco),
        "AlmaLinux"
            | "Alpaquita"
            | "Alpine"
            | "Azure Linux"
            | "BellSoft Hardened Containers"
            | "Chainguard"
            | "Debian"
            | "Echo"
            | "Mageia"
            | "MinimOS"
            | "openEuler"
            | "openSUSE"
            | "Photon OS"
            | "Red Hat"
            | "Rocky Linux"
            | "SUSE"
            | "Ubuntu"
            | "Wolfi"
    )
}

/// Whether OSV's `SEMVER` ranges are what this ecosystem's records use (so that the crate's own
/// SemVer comparator is the right one for ECOSYSTEM ranges too, when no other is given).
pub fn uses_semver(eco: &str) -> bool {
    matches!(
        base(eco),
        "Go" | "crates.io" | "npm" | "Hex" | "Pub" | "SwiftURL"
    )
}

/// A package name as the ecosystem's records key it, so that what an inventory reports and
/// what an advisory names compare equal:
/// - PyPI: PEP 503 (`Foo.Bar_baz` → `foo-bar-baz`);
/// - NuGet, Packagist, Hackage: case-insensitive registries, lower-cased;
/// - Go: module paths are case-sensitive and kept as they are;
/// - Maven: `group:artifact`, whitespace around each part trimmed, case kept;
/// - npm: scoped names (`@scope/name`) kept, case kept (legacy packages have capitals);
/// - distros: source package names, kept as they are.
pub fn normalize_name(eco: &str, name: &str) -> String {
    let name = name.trim();
    match base(eco) {
        "PyPI" => kvet_inventory::package::pep503_normalise(name),
        "NuGet" | "Packagist" | "Hackage" => name.to_ascii_lowercase(),
        "Maven" => match name.split_once(':') {
            Some((g, a)) => format!("{}:{}", g.trim(), a.trim()),
            None => name.to_string(),
        },
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spelling() {
        assert_eq!(canonical("pypi").as_deref(), Some("PyPI"));
        assert_eq!(canonical("Debian:12").as_deref(), Some("Debian:12"));
        assert_eq!(canonical("debian:12").as_deref(), Some("Debian:12"));
        assert_eq!(
            canonical("Ubuntu:22.04:LTS").as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(canonical("rocky linux:9").as_deref(), Some("Rocky Linux:9"));
        assert_eq!(canonical("Go").as_deref(), Some("Go"));
        assert_eq!(canonical("Debian:").as_deref(), Some("Debian"));
        assert_eq!(canonical("Slackware"), None);
        assert_eq!(canonical(""), None);
    }

    #[test]
    fn names_per_ecosystem() {
        assert_eq!(
            normalize_name("PyPI", "Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(normalize_name("PyPI", "zope..interface"), "zope-interface");
        assert_eq!(
            normalize_name("Go", "github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(
            normalize_name("Maven", " org.apache.logging.log4j : log4j-core "),
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(normalize_name("npm", "@babel/core"), "@babel/core");
        assert_eq!(
            normalize_name("NuGet", "Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(normalize_name("Debian:12", "openssl"), "openssl");
    }
}
