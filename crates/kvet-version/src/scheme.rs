//! The comparator to use for each OSV ecosystem.

use std::cmp::Ordering;
use std::fmt;

/// A version ordering, one per family of ecosystems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu packages: `dpkg --compare-versions`.
    Dpkg,
    /// RPM distributions: rpm's `rpmvercmp` over epoch:version-release.
    Rpm,
    /// Alpine, Wolfi, Chainguard and other apk-tools distributions.
    Apk,
    /// PyPI: PEP 440 as `packaging` implements it.
    Pep440,
    /// npm: node-semver, loose parsing.
    Npm,
    /// Go modules: `golang.org/x/mod/semver` (a missing `v` is added).
    Go,
    /// SemVer 2.0 precedence through the `semver` crate (Cargo's own implementation): used
    /// for crates.io, and for Hex (Elixir's `Version` is strict SemVer 2.0 too) and Pub
    /// (Dart's `pub_semver` is SemVer 2.0 but also orders build metadata, which
    /// vulnerability ranges never rely on).
    SemVer,
    /// NuGet: `NuGet.Versioning` (up to four parts, case-insensitive pre-release labels).
    NuGet,
    /// Maven: `ComparableVersion` with Maven ≥ 3.9 rules.
    Maven,
    /// RubyGems: `Gem::Version`.
    RubyGems,
    /// Packagist: composer/semver normalisation, then PHP's `version_compare`.
    Composer,
}

/// OSV ecosystem names (the part before any `:release` suffix) and their schemes, as spelled
/// in the OSV schema's ecosystem list.
const ECOSYSTEMS: &[(&str, Scheme)] = &[
    ("Debian", Scheme::Dpkg),
    ("Ubuntu", Scheme::Dpkg),
    ("Alpine", Scheme::Apk),
    ("Wolfi", Scheme::Apk),
    ("Chainguard", Scheme::Apk),
    ("Alpaquita", Scheme::Apk),
    ("BellSoft Hardened Containers", Scheme::Apk),
    ("MinimOS", Scheme::Apk),
    ("Red Hat", Scheme::Rpm),
    ("Rocky Linux", Scheme::Rpm),
    ("AlmaLinux", Scheme::Rpm),
    ("openEuler", Scheme::Rpm),
    ("openSUSE", Scheme::Rpm),
    ("SUSE", Scheme::Rpm),
    ("Photon OS", Scheme::Rpm),
    ("Mageia", Scheme::Rpm),
    ("Azure Linux", Scheme::Rpm),
    ("CBL-Mariner", Scheme::Rpm),
    ("PyPI", Scheme::Pep440),
    ("npm", Scheme::Npm),
    ("Go", Scheme::Go),
    ("crates.io", Scheme::SemVer),
    ("Hex", Scheme::SemVer),
    ("Pub", Scheme::SemVer),
    ("NuGet", Scheme::NuGet),
    ("Maven", Scheme::Maven),
    ("RubyGems", Scheme::RubyGems),
    ("Packagist", Scheme::Composer),
];

impl Scheme {
    /// The scheme for an OSV `affected[].package.ecosystem` value such as `Debian:12`,
    /// `Ubuntu:22.04:LTS`, `Alpine:v3.18` or `PyPI`. Matching is exact on the name before the
    /// first `:` (OSV names are case-sensitive). `None` for ecosystems without a version order
    /// of their own (`Linux`, `OSS-Fuzz`, `GIT`, `Android`, …).
    pub fn for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let name = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
        ECOSYSTEMS.iter().find(|(n, _)| *n == name).map(|&(_, s)| s)
    }

    /// Compares two versions of this scheme. Total over any input.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dpkg => crate::dpkg::compare(a, b),
            Scheme::Rpm => crate::rpm::compare(a, b),
            Scheme::Apk => crate::apk::compare(a, b),
            Scheme::Pep440 => crate::pep440::compare(a, b),
            Scheme::Npm => crate::npm::compare(a, b),
            Scheme::Go => crate::golang::compare(a, b),
            Scheme::SemVer => crate::cargo::compare(a, b),
            Scheme::NuGet => crate::nuget::compare(a, b),
            Scheme::Maven => crate::maven::compare(a, b),
            Scheme::RubyGems => crate::rubygems::compare(a, b),
            Scheme::Composer => crate::composer::compare(a, b),
        }
    }

    /// Whether the ecosystem's own tool accepts `v` as a version.
    pub fn is_valid(self, v: &str) -> bool {
        match self {
            Scheme::Dpkg => crate::dpkg::is_valid(v),
            Scheme::Rpm => crate::rpm::is_valid(v),
            Scheme::Apk => crate::apk::is_valid(v),
            Scheme::Pep440 => crate::pep440::is_valid(v),
            Scheme::Npm => crate::npm::is_valid(v),
            Scheme::Go => crate::golang::is_valid(v),
            Scheme::SemVer => crate::cargo::is_valid(v),
            Scheme::NuGet => crate::nuget::is_valid(v),
            Scheme::Maven => crate::maven::is_valid(v),
            Scheme::RubyGems => crate::rubygems::is_valid(v),
            Scheme::Composer => crate::composer::is_valid(v),
        }
    }

    /// Every scheme, for iteration in tests and benchmarks.
    pub const ALL: [Scheme; 11] = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Npm,
        Scheme::Go,
        Scheme::SemVer,
        Scheme::NuGet,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::Composer,
    ];

    /// A short lower-case name (`dpkg`, `pep440`, …).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Pep440 => "pep440",
            Scheme::Npm => "npm",
            Scheme::Go => "go",
            Scheme::SemVer => "semver",
            Scheme::NuGet => "nuget",
            Scheme::Maven => "maven",
            Scheme::RubyGems => "rubygems",
            Scheme::Composer => "composer",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_names_map_to_schemes() {
        let cases = [
            ("Debian", Some(Scheme::Dpkg)),
            ("Debian:12", Some(Scheme::Dpkg)),
            ("Ubuntu:22.04:LTS", Some(Scheme::Dpkg)),
            ("Ubuntu:Pro:18.04:LTS", Some(Scheme::Dpkg)),
            ("Alpine:v3.18", Some(Scheme::Apk)),
            ("Wolfi", Some(Scheme::Apk)),
            ("Chainguard", Some(Scheme::Apk)),
            ("Red Hat:enterprise_linux:9::appstream", Some(Scheme::Rpm)),
            ("Rocky Linux:9", Some(Scheme::Rpm)),
            ("AlmaLinux:8", Some(Scheme::Rpm)),
            ("openEuler:24.03-LTS", Some(Scheme::Rpm)),
            ("SUSE:Linux Enterprise Server 15 SP5", Some(Scheme::Rpm)),
            ("openSUSE:Tumbleweed", Some(Scheme::Rpm)),
            ("Photon OS:5.0", Some(Scheme::Rpm)),
            ("Mageia:9", Some(Scheme::Rpm)),
            ("Azure Linux:3", Some(Scheme::Rpm)),
            ("CBL-Mariner:2.0", Some(Scheme::Rpm)),
            ("PyPI", Some(Scheme::Pep440)),
            ("npm", Some(Scheme::Npm)),
            ("Go", Some(Scheme::Go)),
            ("crates.io", Some(Scheme::SemVer)),
            ("NuGet", Some(Scheme::NuGet)),
            ("Maven", Some(Scheme::Maven)),
            (
                "Maven:https://repo.maven.apache.org/maven2/",
                Some(Scheme::Maven),
            ),
            ("RubyGems", Some(Scheme::RubyGems)),
            ("Packagist", Some(Scheme::Composer)),
            ("Hex", Some(Scheme::SemVer)),
            ("Pub", Some(Scheme::SemVer)),
            ("Linux", None),
            ("OSS-Fuzz", None),
            ("GIT", None),
            ("pypi", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(Scheme::for_osv_ecosystem(name), want, "{name}");
        }
        assert_eq!(
            Scheme::for_osv_ecosystem("Debian:12").map(|s| s.compare("1.0~rc1", "1.0")),
            Some(Ordering::Less)
        );
    }
}
