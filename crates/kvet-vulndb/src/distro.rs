//! Which OSV feed(s) answer for a detected distribution.
//!
//! OSV scopes distro advisories by release in the ecosystem string: `Debian:12`,
//! `Ubuntu:22.04:LTS`, `Alpine:v3.18`, `openEuler:22.03-LTS-SP1`, `Rocky Linux:9`,
//! `AlmaLinux:9`. Distributions without a feed of their own are answered by the feed they are
//! built from, and [`Feed::derived_from`] says so, for the report.
//!
//! Derived distributions (the mapping is kvet's, from the vendors' release notes; each line says
//! what it assumes):
//! - EulerOS 2.0 SP9/SP10 → openEuler 20.03 LTS (SP1); SP11 and later → openEuler 22.03 LTS (SP1).
//!   Older service packs are CentOS-based and have no OSV feed.
//! - Huawei Cloud EulerOS (HCE) 2.0 → openEuler 22.03 LTS SP1, the release it is built from.
//! - CTyunOS 2.x → openEuler 20.03 LTS SP1; CTyunOS 22.06 → 22.03 LTS; 23.01 and later →
//!   22.03 LTS SP1.
//! - Kylin Linux Advanced Server V10 (the RPM-based server edition that reports `ID=kylin`) →
//!   openEuler 20.03 LTS SP1: Kylin V10 SP1–SP3 share that openEuler release's package base.
//!   Kylin's own advisories (KYSA) have no OSV feed. Ubuntu Kylin / Kylin Desktop report
//!   `ID=ubuntu`-family ids and are answered by Ubuntu's feed.
//! - UOS (UnionTech OS) 20 → Debian 10 (buster), the release it is built from.
//! - CentOS Linux 7/8 and CentOS Stream → Red Hat's feed for the same major release (`Red
//!   Hat:enterprise_linux:N::baseos` and `::appstream`), as CentOS rebuilds RHEL; RHEL itself
//!   uses the same strings. Rocky Linux and AlmaLinux have their own OSV feeds.
//! - Oracle Linux, Amazon Linux, Fedora: no mapping (OSV has no feed for them).
//!
//! Some vendors split one release's advisories over several ecosystem strings that os-release
//! cannot predict: Red Hat by repository and, from RHEL 10, minor release
//! (`Red Hat:enterprise_linux:9::baseos`, `…:9::appstream`, `…:9::crb`, `…:10.0`), SUSE by the
//! product or module that ships a package and its support phase (`SUSE:Linux Enterprise Server
//! 15 SP5`, `SUSE:Linux Enterprise Module for Basesystem 15 SP5`, `… 15 SP4-LTSS`). Their
//! feeds are families ([`Scope`]) resolved against the ecosystems the database actually holds
//! ([`resolve`]), so no repository or module is silently left out. Extended-support streams
//! (`rhel_eus`, `enterprise_linux_eus`) are separate products and are not included.

use kvet_inventory::Distro;

/// An OSV ecosystem string to query, and the distro it belongs to when it is not the image's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The ecosystem string, or for a family its common part (shown in reports).
    pub ecosystem: String,
    /// `Some("openEuler")` when the image's distro has no feed and this one stands in for it.
    pub derived_from: Option<&'static str>,
    pub scope: Scope,
}

/// Which database ecosystems a feed stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Exactly `ecosystem`.
    Exact,
    /// `ecosystem` itself and every `ecosystem:…` and `ecosystem.…` (Red Hat's repositories
    /// and minor releases).
    Family,
    /// Every `SUSE:` product or module of this release: `15 SP5` matches `… 15 SP5` and
    /// `… 15 SP5-LTSS`, not `… 15 SP50`.
    SuseRelease(String),
}

impl Feed {
    /// Whether the database ecosystem `eco` belongs to this feed.
    pub fn accepts(&self, eco: &str) -> bool {
        match &self.scope {
            Scope::Exact => eco == self.ecosystem,
            Scope::Family => eco
                .strip_prefix(self.ecosystem.as_str())
                .is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with(':') || rest.starts_with('.')
                }),
            Scope::SuseRelease(release) => {
                eco.starts_with("SUSE:")
                    && eco.match_indices(release.as_str()).any(|(i, _)| {
                        eco[..i].ends_with(' ')
                            && matches!(eco[i + release.len()..].chars().next(), None | Some('-'))
                    })
            }
        }
    }
}

/// The ecosystem strings to query for `feeds`, given the ecosystems a database holds: exact
/// feeds as they are, families expanded to their members.
pub fn resolve(feeds: &[Feed], known: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in feeds {
        if f.scope == Scope::Exact {
            out.push(f.ecosystem.clone());
        } else {
            out.extend(known.iter().filter(|e| f.accepts(e)).cloned());
        }
    }
    out.dedup();
    out
}

fn own(e: String) -> Feed {
    Feed {
        ecosystem: e,
        derived_from: None,
        scope: Scope::Exact,
    }
}

fn derived(e: String, from: &'static str) -> Feed {
    Feed {
        ecosystem: e,
        derived_from: Some(from),
        scope: Scope::Exact,
    }
}

fn family(e: String, from: Option<&'static str>) -> Feed {
    Feed {
        ecosystem: e,
        derived_from: from,
        scope: Scope::Family,
    }
}

/// `12.5` → `12`; `V10` → `10`.
fn major(v: &str) -> Option<&str> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let m = v.split(['.', '-', ' ', '_']).next()?;
    (!m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())).then_some(m)
}

/// `3.18.4` → `3.18`.
fn major_minor(v: &str) -> Option<String> {
    let mut it = v.trim().trim_start_matches(['v', 'V']).split('.');
    let a = it
        .next()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))?;
    let b: String = it
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!b.is_empty()).then(|| format!("{a}.{b}"))
}

/// openEuler's release qualifier from `22.03` and a `(LTS-SP1)` in the pretty name or code name.
fn openeuler_release(d: &Distro) -> Option<String> {
    let ver = major_minor(d.version_id.as_deref()?)?;
    let text = [
        d.pretty.as_deref(),
        d.version_codename.as_deref(),
        d.name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_ascii_uppercase();
    let qual = match text.find("LTS") {
        Some(i) => {
            let rest: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!("-{rest}")
        }
        None => String::new(),
    };
    Some(format!("{ver}{qual}"))
}

/// EulerOS service pack number from `EulerOS 2.0 (SP10)` / `2.0SP10` / code name `SP10`.
fn service_pack(d: &Distro) -> Option<u32> {
    let text = [
        d.pretty.as_deref(),
        d.version_codename.as_deref(),
        d.version_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_ascii_uppercase();
    let i = text.find("SP")?;
    text[i + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// The OSV feeds to query for a distro's OS packages; empty when kvet knows none.
pub fn feeds(d: &Distro) -> Vec<Feed> {
    let ver = d.version_id.as_deref().unwrap_or("");
    let red_hat = |m: &str, from| vec![family(format!("Red Hat:enterprise_linux:{m}"), from)];
    match d.id.as_str() {
        "debian" => major(ver)
            .map(|m| vec![own(format!("Debian:{m}"))])
            .unwrap_or_default(),
        "ubuntu" => major_minor(ver)
            .map(|v| {
                // LTS releases are the even years' April releases.
                let lts = v
                    .split_once('.')
                    .is_some_and(|(y, m)| m == "04" && y.parse::<u32>().is_ok_and(|y| y % 2 == 0));
                vec![own(if lts {
                    format!("Ubuntu:{v}:LTS")
                } else {
                    format!("Ubuntu:{v}")
                })]
            })
            .unwrap_or_default(),
        "alpine" => major_minor(ver)
            .map(|v| vec![own(format!("Alpine:v{v}"))])
            .unwrap_or_default(),
        "openeuler" => openeuler_release(d)
            .map(|r| vec![own(format!("openEuler:{r}"))])
            .unwrap_or_default(),
        "rocky" => major(ver)
            .map(|m| vec![own(format!("Rocky Linux:{m}"))])
            .unwrap_or_default(),
        "almalinux" => major(ver)
            .map(|m| vec![own(format!("AlmaLinux:{m}"))])
            .unwrap_or_default(),
        "rhel" => major(ver).map(|m| red_hat(m, None)).unwrap_or_default(),
        "centos" => major(ver)
            .map(|m| red_hat(m, Some("Red Hat")))
            .unwrap_or_default(),
        "euleros" => match service_pack(d) {
            Some(9 | 10) => vec![derived("openEuler:20.03-LTS-SP1".into(), "openEuler")],
            Some(sp) if sp >= 11 => vec![derived("openEuler:22.03-LTS-SP1".into(), "openEuler")],
            _ => Vec::new(),
        },
        "hce" => vec![derived("openEuler:22.03-LTS-SP1".into(), "openEuler")],
        "ctyunos" => {
            let r = match major(ver) {
                Some("2") => "20.03-LTS-SP1",
                _ if ver.starts_with("22.06") => "22.03-LTS",
                Some(_) => "22.03-LTS-SP1",
                None => return Vec::new(),
            };
            vec![derived(format!("openEuler:{r}"), "openEuler")]
        }
        "kylin" => match major(ver) {
            Some("10") => vec![derived("openEuler:20.03-LTS-SP1".into(), "openEuler")],
            _ => Vec::new(),
        },
        "uos" => match major(ver) {
            Some("20") => vec![derived("Debian:10".into(), "Debian")],
            _ => Vec::new(),
        },
        // VERSION_ID 15.5 is "15 SP5"; 15 is the release without a service pack.
        "sles" | "sled" | "sles_sap" => {
            let release = match ver.trim().split_once('.') {
                Some((m, "0")) => m.to_owned(),
                Some((m, sp)) => format!("{m} SP{sp}"),
                None => ver.trim().to_owned(),
            };
            if !release.starts_with(|c: char| c.is_ascii_digit()) {
                return Vec::new();
            }
            vec![Feed {
                ecosystem: format!("SUSE:… {release}"),
                derived_from: None,
                scope: Scope::SuseRelease(release),
            }]
        }
        "opensuse-leap" => major_minor(ver)
            .map(|v| vec![own(format!("openSUSE:Leap {v}"))])
            .unwrap_or_default(),
        "opensuse-tumbleweed" => vec![own("openSUSE:Tumbleweed".into())],
        // CBL-Mariner was renamed Azure Linux; which spelling a database uses for 2.0 depends
        // on when its records were exported, and an exact feed the database lacks matches
        // nothing, so both are asked.
        "mariner" | "azurelinux" => major(ver)
            .map(|m| {
                vec![
                    own(format!("Azure Linux:{m}")),
                    own(format!("Mariner:{m}.0")),
                ]
            })
            .unwrap_or_default(),
        "wolfi" => vec![own("Wolfi".into())],
        "chainguard" => vec![own("Chainguard".into())],
        "photon" => major(ver)
            .map(|m| vec![own(format!("Photon OS:{m}.0"))])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The ecosystem strings of [`feeds`], for [`crate::VulnDb::matches_in`].
pub fn ecosystems(d: &Distro) -> Vec<String> {
    feeds(d).into_iter().map(|f| f.ecosystem).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eco(id: &str, v: Option<&str>, pretty: Option<&str>) -> Vec<String> {
        let mut d = Distro::new(id, v);
        d.pretty = pretty.map(str::to_string);
        ecosystems(&d)
    }

    #[test]
    fn own_feeds() {
        assert_eq!(eco("debian", Some("12"), None), ["Debian:12"]);
        assert_eq!(eco("debian", Some("12.5"), None), ["Debian:12"]);
        assert_eq!(eco("ubuntu", Some("22.04"), None), ["Ubuntu:22.04:LTS"]);
        assert_eq!(eco("ubuntu", Some("23.10"), None), ["Ubuntu:23.10"]);
        assert_eq!(eco("ubuntu", Some("21.04"), None), ["Ubuntu:21.04"]);
        assert_eq!(eco("alpine", Some("3.18.4"), None), ["Alpine:v3.18"]);
        assert_eq!(eco("alpine", Some("3.10.9"), None), ["Alpine:v3.10"]);
        assert_eq!(
            eco(
                "openeuler",
                Some("22.03"),
                Some("openEuler 22.03 (LTS-SP1)")
            ),
            ["openEuler:22.03-LTS-SP1"]
        );
        assert_eq!(
            eco("openeuler", Some("20.03"), Some("openEuler 20.03 (LTS)")),
            ["openEuler:20.03-LTS"]
        );
        assert_eq!(eco("rocky", Some("9.3"), None), ["Rocky Linux:9"]);
        assert_eq!(eco("almalinux", Some("8.9"), None), ["AlmaLinux:8"]);
        assert_eq!(
            eco("rhel", Some("9.2"), None),
            ["Red Hat:enterprise_linux:9"]
        );
        assert_eq!(
            eco("opensuse-leap", Some("15.5"), None),
            ["openSUSE:Leap 15.5"]
        );
        assert_eq!(
            eco("mariner", Some("2.0"), None),
            ["Azure Linux:2", "Mariner:2.0"]
        );
        assert!(eco("debian", None, None).is_empty());
        assert!(eco("unknown", None, None).is_empty());
        assert!(eco("ol", Some("8.9"), None).is_empty());
    }

    #[test]
    fn derived_feeds_say_so() {
        let mut d = Distro::new("hce", Some("2.0"));
        d.pretty = Some("Huawei Cloud EulerOS 2.0 (x86_64)".into());
        assert_eq!(
            feeds(&d),
            [Feed {
                ecosystem: "openEuler:22.03-LTS-SP1".into(),
                derived_from: Some("openEuler"),
                scope: Scope::Exact,
            }]
        );
        assert_eq!(eco("uos", Some("20"), None), ["Debian:10"]);
        assert_eq!(eco("kylin", Some("V10"), None), ["openEuler:20.03-LTS-SP1"]);
        assert_eq!(
            eco("euleros", Some("2.0"), Some("EulerOS 2.0 (SP10)")),
            ["openEuler:20.03-LTS-SP1"]
        );
        assert_eq!(
            eco("euleros", Some("2.0"), Some("EulerOS 2.0 (SP12)")),
            ["openEuler:22.03-LTS-SP1"]
        );
        assert!(eco("euleros", Some("2.0"), Some("EulerOS 2.0 (SP5)")).is_empty());
        assert_eq!(
            eco("ctyunos", Some("2.0.1"), None),
            ["openEuler:20.03-LTS-SP1"]
        );
        assert_eq!(eco("ctyunos", Some("22.06"), None), ["openEuler:22.03-LTS"]);
        assert_eq!(
            eco("ctyunos", Some("23.01"), None),
            ["openEuler:22.03-LTS-SP1"]
        );
        let centos = feeds(&Distro::new("centos", Some("8.5.2111")));
        assert_eq!(centos.len(), 1);
        assert!(centos.iter().all(|f| f.derived_from == Some("Red Hat")));
    }

    /// Ecosystem strings as they appear in OSV's Red Hat and SUSE records (repositories,
    /// minor releases, modules, support phases).
    const KNOWN: &[&str] = &[
        "Debian:12",
        "Red Hat:enterprise_linux:8",
        "Red Hat:enterprise_linux:8::appstream",
        "Red Hat:enterprise_linux:9::appstream",
        "Red Hat:enterprise_linux:9::baseos",
        "Red Hat:enterprise_linux:9::crb",
        "Red Hat:enterprise_linux:10.0",
        "Red Hat:enterprise_linux:90::baseos",
        "Red Hat:enterprise_linux_eus:10.0",
        "Red Hat:rhel_eus:9.4::baseos",
        "SUSE:Linux Enterprise Module for Basesystem 15 SP5",
        "SUSE:Linux Enterprise Server 15 SP5",
        "SUSE:Linux Enterprise Server 15 SP5-LTSS",
        "SUSE:Linux Enterprise Server 15 SP50",
        "SUSE:Linux Enterprise Server 15 SP4-LTSS",
        "SUSE:Linux Enterprise Server 15",
        "openSUSE:Leap 15.5",
    ];

    fn resolved(id: &str, v: &str) -> Vec<String> {
        let known: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
        resolve(&feeds(&Distro::new(id, Some(v))), &known)
    }

    #[test]
    fn families_cover_every_repository_and_module_of_the_release_only() {
        assert_eq!(
            resolved("rhel", "9.4"),
            [
                "Red Hat:enterprise_linux:9::appstream",
                "Red Hat:enterprise_linux:9::baseos",
                "Red Hat:enterprise_linux:9::crb"
            ]
        );
        assert_eq!(
            resolved("centos", "8"),
            [
                "Red Hat:enterprise_linux:8",
                "Red Hat:enterprise_linux:8::appstream"
            ]
        );
        assert_eq!(resolved("rhel", "10.0"), ["Red Hat:enterprise_linux:10.0"]);
        assert_eq!(
            resolved("sles", "15.5"),
            [
                "SUSE:Linux Enterprise Module for Basesystem 15 SP5",
                "SUSE:Linux Enterprise Server 15 SP5",
                "SUSE:Linux Enterprise Server 15 SP5-LTSS"
            ]
        );
        assert_eq!(resolved("sles", "15"), ["SUSE:Linux Enterprise Server 15"]);
        // Exact feeds pass through whether or not the database has them.
        assert_eq!(resolved("debian", "11"), ["Debian:11"]);
        assert!(resolved("rhel", "7.9").is_empty());
    }
}
