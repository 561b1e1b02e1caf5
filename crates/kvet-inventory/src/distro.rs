//! Which distribution an image is.
//!
//! The distro decides the advisory feed (Debian vs Ubuntu, RHEL vs Rocky, Alpine branch), so a
//! wrong answer is worse than none: an image we cannot place is [`Distro::unknown`], never a
//! guess from package names.
//!
//! # Precedence
//!
//! 1. `/etc/os-release`, then `/usr/lib/os-release` (the order os-release(5) gives), when they
//!    have an `ID`.
//! 2. Distro-specific release files, most specific first — derivatives keep their parent's file
//!    too (Oracle Linux ships `/etc/redhat-release` saying "Red Hat Enterprise Linux", Rocky
//!    ships both `rocky-release` and `redhat-release`), so the parent's comes last:
//!    `alpine-release`, `openEuler-release`, `hce-release`, `euleros-release`, `kylin-release`,
//!    `ctyunos-release`, `uos-release`, `oracle-release`, `rocky-release`, `almalinux-release`,
//!    `centos-release`, `fedora-release`, `photon-release`, `SuSE-release`, `redhat-release`,
//!    `system-release`.
//! 3. `/etc/lsb-release` (Ubuntu before os-release existed).
//! 4. `/etc/debian_version`.
//! 5. Distroless Debian: no release file at all but dpkg `status.d/` entries. The version comes
//!    from the `base-files` package when present (its major version is the Debian release).
//! 6. Otherwise [`Distro::unknown`].

use serde::Serialize;

use crate::Files;

/// A detected distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distro {
    /// Normalised id: `debian`, `ubuntu`, `alpine`, `rhel`, `centos`, `rocky`, `almalinux`, `ol`,
    /// `fedora`, `amzn`, `openeuler`, `euleros`, `hce`, `kylin`, `uos`, `ctyunos`, `sles`,
    /// `opensuse-leap`, `opensuse-tumbleweed`, `photon`, `wolfi`, `chainguard`, `mariner`,
    /// `azurelinux`… or `unknown`. Ids we have no mapping for are kept, lower-cased, as the
    /// release file spells them.
    pub id: String,
    /// Human name (`NAME`), when given.
    pub name: Option<String>,
    /// Version (`VERSION_ID`, or the number in a release file).
    pub version_id: Option<String>,
    /// Code name (`VERSION_CODENAME`, `DISTRIB_CODENAME`), when given.
    pub version_codename: Option<String>,
    /// `PRETTY_NAME` or the release file's line.
    pub pretty: Option<String>,
    /// The file the answer came from, empty for unknown.
    pub source: String,
}

/// Id of an undetected distro.
pub const UNKNOWN: &str = "unknown";

impl Distro {
    /// A distro with just an id and version (tests, callers that know better).
    pub fn new(id: &str, version_id: Option<&str>) -> Self {
        Distro {
            id: id.to_owned(),
            name: None,
            version_id: version_id.map(str::to_owned),
            version_codename: None,
            pretty: None,
            source: String::new(),
        }
    }

    /// The distro of an image we could not place.
    pub fn unknown() -> Self {
        Distro::new(UNKNOWN, None)
    }

    /// Whether detection failed.
    pub fn is_unknown(&self) -> bool {
        self.id == UNKNOWN
    }

    /// The purl `distro` qualifier: `id-version_id`, or just the id without a version.
    pub fn purl_qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
}

/// Maps the ids and names distributions use to kvet's normalised ids.
pub fn normalise_id(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let id = match lower.as_str() {
        "redhat" | "red hat enterprise linux" | "rhel" => "rhel",
        "oracle" | "ol" | "oraclelinux" => "ol",
        "amazon" | "amzn" => "amzn",
        "opensuse" | "opensuse-leap" => "opensuse-leap",
        "sles" | "sled" | "sle_hpc" | "sle-micro" | "suse" => "sles",
        "rocky" | "rockylinux" => "rocky",
        "almalinux" | "alma" => "almalinux",
        "uos" | "uniontech" => "uos",
        other => other,
    };
    id.to_owned()
}

/// Parses `KEY=value` lines (os-release, lsb-release): quotes and backslash escapes removed.
pub fn parse_key_values(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        out.push((k.trim().to_owned(), unquote(v.trim())));
    }
    out
}

fn unquote(v: &str) -> String {
    let inner = match v.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn get(kv: &[(String, String)], key: &str) -> Option<String> {
    kv.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

/// Reads an os-release file; `None` when it has no `ID`.
pub fn from_os_release(text: &str, source: &str) -> Option<Distro> {
    let kv = parse_key_values(text);
    let id = normalise_id(&get(&kv, "ID")?);
    let codename = get(&kv, "VERSION_CODENAME").or_else(|| get(&kv, "UBUNTU_CODENAME"));
    Some(Distro {
        id,
        name: get(&kv, "NAME"),
        version_id: get(&kv, "VERSION_ID"),
        version_codename: codename,
        pretty: get(&kv, "PRETTY_NAME"),
        source: source.to_owned(),
    })
}

/// Reads `/etc/lsb-release`; `None` without `DISTRIB_ID`.
pub fn from_lsb_release(text: &str, source: &str) -> Option<Distro> {
    let kv = parse_key_values(text);
    Some(Distro {
        id: normalise_id(&get(&kv, "DISTRIB_ID")?),
        name: get(&kv, "DISTRIB_ID"),
        version_id: get(&kv, "DISTRIB_RELEASE"),
        version_codename: get(&kv, "DISTRIB_CODENAME"),
        pretty: get(&kv, "DISTRIB_DESCRIPTION"),
        source: source.to_owned(),
    })
}

/// Product names in `*-release` lines, longest-prefix first, and their ids.
const RELEASE_NAMES: &[(&str, &str)] = &[
    ("huawei cloud euleros", "hce"),
    ("hce", "hce"),
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("rocky linux", "rocky"),
    ("almalinux", "almalinux"),
    ("oracle linux", "ol"),
    ("fedora", "fedora"),
    ("amazon linux", "amzn"),
    ("openeuler", "openeuler"),
    ("euleros", "euleros"),
    ("kylin", "kylin"),
    ("ctyunos", "ctyunos"),
    ("uniontech", "uos"),
    ("uos", "uos"),
    ("vmware photon", "photon"),
    ("photon", "photon"),
    ("suse linux enterprise", "sles"),
    ("opensuse", "opensuse-leap"),
    ("common base linux mariner", "mariner"),
    ("azure linux", "azurelinux"),
];

/// Reads a one-line `<Product> release <version> (<codename>)` file; `None` when the product is
/// not one we know (we do not guess) or there is no version.
pub fn from_release_line(text: &str, source: &str) -> Option<Distro> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let lower = line.to_ascii_lowercase();
    let (_, id) = RELEASE_NAMES.iter().find(|(n, _)| lower.starts_with(n))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let release_word = words.iter().position(|w| w.eq_ignore_ascii_case("release"));
    // The version follows "release" when present, else it is the first word with a digit.
    let version = match release_word {
        Some(i) => words.get(i + 1).copied(),
        None => words
            .iter()
            .copied()
            .find(|w| w.chars().any(|c| c.is_ascii_digit())),
    }?;
    let name = words[..release_word.unwrap_or(words.len())].join(" ");
    let codename = line
        .rsplit_once('(')
        .and_then(|(_, c)| c.strip_suffix(')'))
        .map(str::to_owned);
    Some(Distro {
        id: (*id).to_owned(),
        name: Some(name),
        version_id: Some(version.to_owned()),
        version_codename: codename,
        pretty: Some(line.to_owned()),
        source: source.to_owned(),
    })
}

/// Distro-specific files in precedence order, with the id a bare version in them means.
const RELEASE_FILES: &[(&str, Option<&str>)] = &[
    ("/etc/alpine-release", Some("alpine")),
    ("/etc/openEuler-release", None),
    ("/etc/hce-release", None),
    ("/etc/euleros-release", None),
    ("/etc/kylin-release", None),
    ("/etc/ctyunos-release", None),
    ("/etc/uos-release", None),
    ("/etc/oracle-release", None),
    ("/etc/rocky-release", None),
    ("/etc/almalinux-release", None),
    ("/etc/centos-release", None),
    ("/etc/fedora-release", None),
    ("/etc/photon-release", None),
    ("/etc/SuSE-release", None),
    ("/etc/redhat-release", None),
    ("/etc/system-release", None),
];

fn text(files: &Files, path: &str) -> Option<String> {
    files
        .get(path)
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Detects the distro from whichever release files are present (see the module docs).
pub fn detect(files: &Files) -> Distro {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(d) = text(files, path).and_then(|t| from_os_release(&t, path)) {
            return d;
        }
    }
    for (path, bare_id) in RELEASE_FILES {
        let Some(t) = text(files, path) else { continue };
        let found = match bare_id {
            Some(id) => t.split_whitespace().next().map(|v| {
                let mut d = Distro::new(id, Some(v));
                d.source = (*path).to_owned();
                d
            }),
            None => from_release_line(&t, path),
        };
        if let Some(d) = found {
            return d;
        }
    }
    if let Some(d) =
        text(files, "/etc/lsb-release").and_then(|t| from_lsb_release(&t, "/etc/lsb-release"))
    {
        return d;
    }
    if let Some(t) = text(files, "/etc/debian_version") {
        return debian_from_version(t.trim(), "/etc/debian_version");
    }
    if let Some(d) = distroless_debian(files) {
        return d;
    }
    Distro::unknown()
}

/// `/etc/debian_version` holds `12.4` on releases and `trixie/sid` on testing.
fn debian_from_version(v: &str, source: &str) -> Distro {
    let mut d = Distro::new("debian", None);
    d.source = source.to_owned();
    match v.split('.').next() {
        Some(major) if !major.is_empty() && major.chars().all(|c| c.is_ascii_digit()) => {
            d.version_id = Some(major.to_owned());
        }
        _ => {
            d.version_codename = v
                .split('/')
                .next()
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        }
    }
    d
}

/// Distroless images have no release file but one dpkg status file per package.
fn distroless_debian(files: &Files) -> Option<Distro> {
    let prefix = "/var/lib/dpkg/status.d/";
    let mut entries = files
        .range(prefix.to_owned()..)
        .take_while(|(k, _)| k.starts_with(prefix));
    let (first, _) = entries.next()?;
    let mut d = Distro::new("debian", None);
    d.source = first.clone();
    d.pretty = Some("Distroless".to_owned());
    let base = files.get("/var/lib/dpkg/status.d/base-files").or_else(|| {
        files
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .find(|(k, _)| k.ends_with("/base"))
            .map(|(_, v)| v)
    });
    if let Some(b) = base {
        let text = String::from_utf8_lossy(b);
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("Version:"))
            .map(str::trim);
        let is_base_files = text.lines().any(|l| l.trim() == "Package: base-files");
        if let (Some(v), true) = (version, is_base_files) {
            let major: String = v.chars().take_while(char::is_ascii_digit).collect();
            if !major.is_empty() {
                d.version_id = Some(major);
                d.source = "/var/lib/dpkg/status.d (base-files)".to_owned();
            }
        }
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_lines() {
        let d = from_release_line("CentOS Linux release 7.9.2009 (Core)", "f").expect("centos");
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        assert_eq!(d.version_codename.as_deref(), Some("Core"));
        let d = from_release_line("openEuler release 22.03 (LTS-SP1)", "f").expect("openeuler");
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("openeuler", Some("22.03"))
        );
        let d = from_release_line("Kylin Linux Advanced Server release V10 (Sword)", "f")
            .expect("kylin");
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("kylin", Some("V10"))
        );
        let d = from_release_line("Amazon Linux release 2 (Karoo)", "f").expect("amzn");
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("amzn", Some("2"))
        );
        assert!(from_release_line("Some Unknown OS release 1", "f").is_none());
    }

    #[test]
    fn unknown_is_not_guessed() {
        assert!(detect(&Files::new()).is_unknown());
    }

    #[test]
    fn debian_version_file() {
        let mut f = Files::new();
        f.insert("/etc/debian_version".into(), b"12.4\n".to_vec());
        let d = detect(&f);
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("debian", Some("12"))
        );
        f.insert("/etc/debian_version".into(), b"trixie/sid\n".to_vec());
        assert_eq!(detect(&f).version_codename.as_deref(), Some("trixie"));
    }
}
