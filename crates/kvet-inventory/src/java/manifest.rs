//! Identity of a Java archive that carries no `pom.properties`: its `META-INF/MANIFEST.MF` and
//! its file name, read the way Syft reads them so both tools name such jars alike — except
//! where Syft's rules are known to produce wrong Maven coordinates (each such place says so).
//!
//! The manifest format (JAR File Specification): `Name: value` headers, lines of at most 72
//! bytes where a line starting with one space continues the previous value, sections separated
//! by blank lines; the first section is the main one. Header names are case-insensitive.

/// A parsed `MANIFEST.MF`: main section and the per-entry sections after it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Main-section headers in file order.
    pub main: Vec<(String, String)>,
    /// Later sections (`Name: <entry>` and its attributes), in file order.
    pub sections: Vec<Vec<(String, String)>>,
}

impl Manifest {
    /// Parses manifest text. Never fails: lines that are neither `key: value` nor a
    /// continuation are skipped, as the JDK's own reader would reject only the jar's signature
    /// check, not its classes.
    pub fn parse(text: &str) -> Manifest {
        let mut sections: Vec<Vec<(String, String)>> = Vec::new();
        let mut in_section = false;
        // The spec allows CR LF, LF or a lone CR as line ends.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        for line in text.split('\n') {
            if line.trim().is_empty() {
                in_section = false;
                continue;
            }
            if let Some(rest) = line.strip_prefix(' ') {
                // Continuation: exactly one leading space is syntax, the rest is value.
                if in_section {
                    if let Some((_, v)) = sections.last_mut().and_then(|s| s.last_mut()) {
                        v.push_str(rest);
                    }
                }
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            if !in_section {
                sections.push(Vec::new());
                in_section = true;
            }
            if let Some(s) = sections.last_mut() {
                s.push((key.to_owned(), value.trim_start().to_owned()));
            }
        }
        for s in &mut sections {
            for (_, v) in s.iter_mut() {
                let trimmed = v.trim_end().len();
                v.truncate(trimmed);
            }
        }
        let mut it = sections.into_iter();
        Manifest {
            main: it.next().unwrap_or_default(),
            sections: it.collect(),
        }
    }

    /// A main-section header, when present and not empty.
    pub fn main(&self, key: &str) -> Option<&str> {
        get(&self.main, key)
    }

    /// A header from the main section, else from the first later section that has it.
    pub fn any(&self, key: &str) -> Option<&str> {
        self.main(key)
            .or_else(|| self.sections.iter().find_map(|s| get(s, key)))
    }
}

fn get<'a>(section: &'a [(String, String)], key: &str) -> Option<&'a str> {
    section
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// Name and version read from an archive's file name (`commons-logging-1.2.jar` →
/// `commons-logging`, `1.2`), by Syft's rule: dash-separated words belong to the name until
/// one starts with a digit, or is `build<digits>…`, or is `r<digits>` / `rc<digits>`; that word
/// and the rest are the version. Without a dash-version, a version after `_` or `.` is tried
/// (`foo_1.2.jar`). Either part may be empty.
///
/// Unlike Syft, a dotted name (`javax.inject-1.jar`) is kept whole: Syft keeps only its last
/// word (`inject`) on the theory that it is `groupId.artifactId`, but dotted artifactIds are
/// common (`javax.inject:javax.inject`, `jakarta.annotation:jakarta.annotation-api`,
/// `org.apache.felix:org.apache.felix.scr`), so the last word is usually wrong.
pub fn name_and_version_from_file_name(path: &str) -> (String, String) {
    let base = path.rsplit(['/', '!']).next().unwrap_or(path);
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    let words: Vec<&str> = stem.split('-').collect();
    let mut name_words = Vec::new();
    let mut version = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 && is_version_word(w) {
            version = words[i..].join("-");
            break;
        }
        if !w.chars().next().is_some_and(char::is_alphabetic) {
            // Not a name word and not a version: the file name says nothing usable.
            return (String::new(), String::new());
        }
        name_words.push(*w);
    }
    let mut name = name_words.join("-");
    if version.is_empty() {
        // `name_1.2` / `name.1.2`: the first separator followed by a version.
        let cut = name.char_indices().find(|&(i, c)| {
            matches!(c, '_' | '.' | '-') && i > 0 && is_version_word(&name[i + 1..])
        });
        if let Some((i, _)) = cut {
            version = name[i + 1..].to_owned();
            name.truncate(i);
        }
    }
    (name, version)
}

/// A word that starts a version: a digit, `build<digit>`, or the whole word `r<digits>` /
/// `rc<digits>` (case-insensitive).
fn is_version_word(w: &str) -> bool {
    let lower = w.to_ascii_lowercase();
    let starts_digit = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_digit());
    if starts_digit(&lower) {
        return true;
    }
    if let Some(rest) = lower.strip_prefix("build") {
        return starts_digit(rest);
    }
    let digits = lower
        .strip_prefix("rc")
        .or_else(|| lower.strip_prefix('r'))
        .unwrap_or("");
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The artifact name when the file name gives none: the manifest headers Syft tries, in its
/// order (`Name`, `Bundle-Name`, `Short-Name`, `Extension-Name`, `Implementation-Title`).
///
/// Syft first applies a rule for jars made by the Apache Maven Bundle Plugin — the last word of
/// `Bundle-SymbolicName` — which its own source marks as wrong for `commons-logging` (symbolic
/// name `org.apache.commons.logging` gives `logging`); kvet does not use it.
pub fn name_from_manifest(m: &Manifest) -> Option<&str> {
    [
        "Name",
        "Bundle-Name",
        "Short-Name",
        "Extension-Name",
        "Implementation-Title",
    ]
    .iter()
    .find_map(|k| m.main(k))
}

/// The version when the file name gives none, in Syft's order.
pub fn version_from_manifest(m: &Manifest) -> Option<&str> {
    [
        "Implementation-Version",
        "Specification-Version",
        "Plugin-Version",
        "Bundle-Version",
    ]
    .iter()
    .find_map(|k| m.any(k))
}

/// Apache Commons components that kept the pre-2005 Maven 1 convention `groupId = artifactId`
/// (Maven Central coordinates `commons-io:commons-io`, …). Their bundle symbolic names
/// (`org.apache.commons.io`) read like `org.apache.commons` + `io`, which is the groupId of the
/// newer components (`org.apache.commons:commons-lang3`), so the symbolic-name rule below would
/// name the wrong group for exactly these.
const SELF_GROUPED: &[&str] = &[
    "commons-beanutils",
    "commons-cli",
    "commons-codec",
    "commons-collections",
    "commons-daemon",
    "commons-dbcp",
    "commons-digester",
    "commons-discovery",
    "commons-el",
    "commons-fileupload",
    "commons-httpclient",
    "commons-io",
    "commons-jxpath",
    "commons-lang",
    "commons-logging",
    "commons-net",
    "commons-pool",
    "commons-validator",
];

/// The Maven groupId of `artifact`, when the manifest states it in a way that can be checked
/// against the artifact, else `None` (the PURL then has no namespace rather than a guessed one).
///
/// `Bundle-SymbolicName`, then `Automatic-Module-Name`, read backwards through the default rules
/// of the bnd / Maven Bundle Plugin that wrote them: `<groupId>.<artifactId>`
/// (`org.mongodb.bson` for `bson` → `org.mongodb`), or, when the artifactId starts with the
/// groupId's last word, `<groupId>.<rest of artifactId>` (`org.mongodb.driver-async` for
/// `mongodb-driver-async` → `org.mongodb`). The legacy Apache Commons of [`SELF_GROUPED`] come
/// first.
///
/// `Implementation-Vendor-Id` is not used: Maven's archiver once filled it with the groupId,
/// but Apache's parent POM sets it to `org.apache` for every project (httpclient-osgi and
/// commons-logging in Debian 12 both say `org.apache`), so it names a vendor, not a group.
/// Syft takes the alphabetically first of several headers that start with `com`, `org`, `net`,
/// `io` or `be` (`Implementation-Vendor-Id` among them), and falls back to the artifact name
/// itself — giving `pkg:maven/org.apache/logging`, `pkg:maven/org.mongodb.bson/bson` and
/// `pkg:maven/mongodb-driver/mongodb-driver`, none of which exists on Maven Central.
pub fn group_from_manifest(m: &Manifest, artifact: &str) -> Option<String> {
    if SELF_GROUPED.contains(&artifact) {
        return Some(artifact.to_owned());
    }
    ["Bundle-SymbolicName", "Automatic-Module-Name"]
        .iter()
        .filter_map(|key| m.main(key))
        // OSGi directives follow a `;` (`org.foo;singleton:=true`).
        .filter_map(|raw| {
            group_from_symbolic_name(raw.split(';').next().unwrap_or("").trim(), artifact)
        })
        .next()
}

fn group_from_symbolic_name(symbolic: &str, artifact: &str) -> Option<String> {
    // `<groupId>.<artifactId>`
    if let Some(g) = symbolic
        .strip_suffix(artifact)
        .and_then(|p| p.strip_suffix('.'))
    {
        if looks_like_group(g) {
            return Some(g.to_owned());
        }
    }
    // `<groupId>.<artifactId without the groupId's last word>`
    let (g, rest) = symbolic.rsplit_once('.')?;
    let last = g.rsplit('.').next()?;
    let matches = artifact
        .strip_prefix(last)
        .is_some_and(|a| a == rest || a.strip_prefix('-') == Some(rest));
    (matches && looks_like_group(g)).then(|| g.to_owned())
}

/// `org.example`, `com.fasterxml.jackson.core`: dotted words, each starting with a letter.
fn looks_like_group(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        let f = |s: &str| {
            let (n, v) = name_and_version_from_file_name(s);
            (n, v)
        };
        assert_eq!(
            f("/usr/share/java/commons-logging-1.2.jar"),
            ("commons-logging".into(), "1.2".into())
        );
        assert_eq!(f("/a/log4j-core.jar"), ("log4j-core".into(), "".into()));
        assert_eq!(
            f("/a.ear!lib/mongodb-driver-async-3.6.3.jar"),
            ("mongodb-driver-async".into(), "3.6.3".into())
        );
        assert_eq!(f("javax.inject-1.jar"), ("javax.inject".into(), "1".into()));
        assert_eq!(
            f("spring-core-5.3.9-SNAPSHOT.jar"),
            ("spring-core".into(), "5.3.9-SNAPSHOT".into())
        );
        assert_eq!(
            f("jetpack-build235-rc5.jar"),
            ("jetpack".into(), "build235-rc5".into())
        );
        assert_eq!(
            f("my-http2-server-5.jar"),
            ("my-http2-server".into(), "5".into())
        );
        assert_eq!(f("foo_1.2.jar"), ("foo".into(), "1.2".into()));
        assert_eq!(f("rcfile-r12.jar"), ("rcfile".into(), "r12".into()));
        assert_eq!(f("1.0.jar"), ("".into(), "".into()));
    }

    #[test]
    fn continuation_lines_and_sections() {
        let m = Manifest::parse(
            "Manifest-Version: 1.0\r\nExport-Package: org.a;version=\"1\",org.\r\n b;version=\"2\"\r\n\r\nName: x/y.class\r\nImplementation-Version: 9\r\n\r\n",
        );
        assert_eq!(
            m.main("export-package"),
            Some("org.a;version=\"1\",org.b;version=\"2\"")
        );
        assert_eq!(m.main("Implementation-Version"), None);
        assert_eq!(m.any("Implementation-Version"), Some("9"));
        assert_eq!(m.sections.len(), 1);
    }

    #[test]
    fn groups_from_symbolic_names() {
        assert_eq!(
            group_from_symbolic_name("org.mongodb.bson", "bson"),
            Some("org.mongodb".into())
        );
        assert_eq!(
            group_from_symbolic_name("javax.inject", "javax.inject"),
            None
        );
        assert_eq!(group_from_symbolic_name("bson", "bson"), None);
        assert_eq!(
            group_from_symbolic_name("org.mongodb.driver-async", "mongodb-driver-async"),
            Some("org.mongodb".into())
        );
        assert_eq!(group_from_symbolic_name("org.example.other", "bson"), None);
    }
}
