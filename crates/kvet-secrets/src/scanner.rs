//! The scanner: rules compiled once, a keyword automaton over the bytes, regexes only on
//! lines that hold a keyword.

use crate::config::SecretsConfig;
use crate::entropy::shannon_entropy;
use crate::rules::{Rule, BUILTIN};
use crate::{SecretsError, CHECK_PREFIX};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use kvet_core::{Category, Finding, FindingClass, Location, ResourceRef, Severity};
use regex::bytes::Regex;
use std::borrow::Cow;
use std::sync::OnceLock;

/// How far past its keyword's line a multi-line rule (PEM blocks) may match.
const MULTILINE_WINDOW: usize = 64 * 1024 + 512;

/// A marker that exempts the secrets of its line (`token = "…" # kvet:allow`).
const INLINE_ALLOW: &[u8] = b"kvet:allow";

/// Keys from documentation (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`).
const EXAMPLE_KEYS: &str = "(?i)example";

const REMEDIATION: &str = "Remove the secret from the file (and from its history), rotate it \
    — it must be considered exposed — and load it at run time from a secret store or a \
    Kubernetes Secret. If it is a test value, add it to `secrets.allowRegexes` in kvet.yaml.";

struct Compiled {
    check_id: String,
    title: String,
    severity: Severity,
    entropy: Option<f64>,
    multiline: bool,
    mixed: bool,
    /// Built-in rules compile on first use: compiling all of them took ~0.2 s of serial
    /// start-up on every `kvet config` run, and on most inputs few keywords ever occur.
    /// Custom rules are compiled in [`Scanner::new`] so a bad user regex is reported at once.
    builtin: Option<Rule>,
    regexes: OnceLock<Option<Regexes>>,
}

/// A rule's compiled regexes.
struct Regexes {
    regex: Regex,
    secret_group: Option<usize>,
    allow: Vec<Regex>,
    allow_match: Vec<Regex>,
}

impl Regexes {
    fn new(
        id: &str,
        regex: &str,
        allow: &[&str],
        allow_match: &[&str],
    ) -> Result<Regexes, SecretsError> {
        let regex = compile(id, regex)?;
        Ok(Regexes {
            secret_group: regex.capture_names().position(|n| n == Some("secret")),
            regex,
            allow: allow
                .iter()
                .map(|a| allow_regex(a))
                .collect::<Result<_, _>>()?,
            allow_match: allow_match
                .iter()
                .map(|a| allow_regex(a))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl Compiled {
    /// The rule's regexes, compiling a built-in rule's on first use. `None` only if a
    /// built-in pattern failed to compile, which the tests rule out; the rule then finds
    /// nothing instead of panicking mid-scan.
    fn regexes(&self) -> Option<&Regexes> {
        self.regexes
            .get_or_init(|| {
                let r = self.builtin?;
                Regexes::new(r.id, r.regex, r.allow, r.allow_match).ok()
            })
            .as_ref()
    }
}

/// One secret found in some bytes, before it becomes a [`Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub rule: usize,
    /// 1-based line within the scanned bytes.
    pub line: u32,
    pub masked: String,
    /// Byte offset of the secret, which tells two secrets with the same mask apart.
    pub offset: usize,
}

/// A compiled rule set with its allow-lists. Build once, share between threads.
pub struct Scanner {
    rules: Vec<Compiled>,
    automaton: Option<AhoCorasick>,
    /// Rules to try for each automaton pattern.
    keyword_rules: Vec<Vec<usize>>,
    allow: Vec<Regex>,
    allow_paths: GlobSet,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .finish()
    }
}

fn compile(id: &str, pattern: &str) -> Result<Regex, SecretsError> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(16 << 20)
        .build()
        .map_err(|e| SecretsError::Regex {
            id: id.to_string(),
            message: e.to_string(),
        })
}

fn allow_regex(pattern: &str) -> Result<Regex, SecretsError> {
    Regex::new(pattern).map_err(|e| SecretsError::Allow {
        what: "regex",
        pattern: pattern.to_string(),
        message: e.to_string(),
    })
}

impl Default for Scanner {
    /// The built-in rules with the default allow-list.
    fn default() -> Self {
        match Scanner::new(&SecretsConfig::default()) {
            Ok(s) => s,
            // The built-in rules are tested to compile; an empty scanner is the safe
            // fallback rather than a panic.
            Err(_) => Scanner {
                rules: Vec::new(),
                automaton: None,
                keyword_rules: Vec::new(),
                allow: Vec::new(),
                allow_paths: GlobSet::empty(),
            },
        }
    }
}

impl Scanner {
    /// The built-in rules (minus disabled ones) plus the configuration's custom rules and
    /// allow-lists.
    pub fn new(config: &SecretsConfig) -> Result<Scanner, SecretsError> {
        let mut specs: Vec<(Rule, Option<&crate::config::CustomRule>)> = Vec::new();
        for r in BUILTIN {
            if !config.disabled_rules.iter().any(|d| d == r.id) {
                specs.push((*r, None));
            }
        }
        let mut rules = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut add_keywords = |kws: &mut dyn Iterator<Item = String>, idx: usize| {
            for k in kws {
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(p) => keyword_rules[p].push(idx),
                    None => {
                        keywords.push(k);
                        keyword_rules.push(vec![idx]);
                    }
                }
            }
        };
        for (r, _) in &specs {
            let idx = rules.len();
            add_keywords(&mut r.keywords.iter().map(|k| k.to_string()), idx);
            rules.push(Compiled {
                check_id: format!("{CHECK_PREFIX}{}", r.id),
                title: r.title.to_string(),
                severity: r.severity,
                entropy: r.entropy,
                multiline: r.multiline,
                mixed: r.mixed,
                builtin: Some(*r),
                regexes: OnceLock::new(),
            });
        }
        for c in &config.rules {
            if config.disabled_rules.contains(&c.id) {
                continue;
            }
            let bad = |message: &str| SecretsError::Rule {
                id: c.id.clone(),
                message: message.to_string(),
            };
            if c.keywords.iter().all(|k| k.trim().is_empty()) {
                return Err(bad("needs at least one non-empty keyword"));
            }
            if BUILTIN.iter().any(|b| b.id == c.id) {
                return Err(bad(
                    "has the id of a built-in rule (disable that one instead)",
                ));
            }
            let severity: Severity = c.severity.parse().map_err(|e: String| bad(&e))?;
            let allow: Vec<&str> = c.allow_regexes.iter().map(String::as_str).collect();
            let regexes = Regexes::new(&c.id, &c.regex, &allow, &[])?;
            let idx = rules.len();
            add_keywords(
                &mut c.keywords.iter().filter(|k| !k.trim().is_empty()).cloned(),
                idx,
            );
            rules.push(Compiled {
                check_id: format!("{CHECK_PREFIX}{}", c.id),
                title: c.title.clone(),
                severity,
                entropy: c.entropy,
                multiline: false,
                mixed: false,
                builtin: None,
                regexes: OnceLock::from(Some(regexes)),
            });
        }
        let automaton = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&keywords)
                    .map_err(|e| SecretsError::Rule {
                        id: "keywords".into(),
                        message: e.to_string(),
                    })?,
            )
        };
        let mut allow = Vec::new();
        if !config.report_example_keys {
            allow.push(allow_regex(EXAMPLE_KEYS)?);
        }
        for a in &config.allow_regexes {
            allow.push(allow_regex(a)?);
        }
        let mut paths = GlobSetBuilder::new();
        for p in &config.allow_paths {
            paths.add(Glob::new(p).map_err(|e| SecretsError::Allow {
                what: "path",
                pattern: p.clone(),
                message: e.to_string(),
            })?);
        }
        let allow_paths = paths.build().map_err(|e| SecretsError::Allow {
            what: "path",
            pattern: String::new(),
            message: e.to_string(),
        })?;
        Ok(Scanner {
            rules,
            automaton,
            keyword_rules,
            allow,
            allow_paths,
        })
    }

    /// Number of active rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Whether the configuration exempts this path from secret scanning.
    pub fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.is_match(path)
    }

    /// Scans the bytes of one file. Binary data (a NUL byte in the first 8 KiB) and allowed
    /// paths give nothing. Findings point at `path` and the 1-based line of each secret.
    pub fn scan_bytes(&self, path: &str, data: &[u8]) -> Vec<Finding> {
        if self.path_allowed(path) || is_binary(data) {
            return Vec::new();
        }
        self.hits(data)
            .into_iter()
            .map(|h| self.finding(&h, path, h.line, None, None, None))
            .collect()
    }

    /// Candidate (line start, rule) pairs: where a rule's keyword occurs, deduplicated.
    fn candidates(&self, data: &[u8]) -> Vec<(usize, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let mut out: Vec<(usize, usize)> = Vec::new();
        let (mut line_start, mut line_end) = (0usize, 0usize);
        for m in ac.find_overlapping_iter(data) {
            if m.start() >= line_end || m.start() < line_start {
                line_start = memchr::memrchr(b'\n', &data[..m.start()]).map_or(0, |i| i + 1);
                line_end =
                    memchr::memchr(b'\n', &data[m.start()..]).map_or(data.len(), |i| m.start() + i);
            }
            for &r in &self.keyword_rules[m.pattern().as_usize()] {
                out.push((line_start, r));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every secret in `data`, in order.
    pub(crate) fn hits(&self, data: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        let mut line_no = 1u32;
        let mut counted_to = 0usize;
        for (start, r) in self.candidates(data) {
            line_no += count_newlines(&data[counted_to..start]);
            counted_to = start;
            let rule = &self.rules[r];
            let line_end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let end = if rule.multiline {
                data.len().min(start + MULTILINE_WINDOW)
            } else {
                line_end
            };
            // `kvet:allow` on the line is a reviewed exception (a test key in a fixture).
            if memchr::memmem::find(&data[start..line_end], INLINE_ALLOW).is_some() {
                continue;
            }
            let Some(rx) = rule.regexes() else { continue };
            let hay = &data[start..end];
            for caps in rx.regex.captures_iter(hay) {
                let Some(whole) = caps.get(0) else { continue };
                // A multi-line match is reported by the line it starts on only.
                if start + whole.start() > line_end {
                    break;
                }
                let secret = rx.secret_group.and_then(|g| caps.get(g)).unwrap_or(whole);
                if !self.keeps(rule, rx, secret.as_bytes(), whole.as_bytes()) {
                    continue;
                }
                out.push(Hit {
                    rule: r,
                    line: line_no + count_newlines(&hay[..whole.start()]),
                    masked: mask(&String::from_utf8_lossy(secret.as_bytes())),
                    offset: start + secret.start(),
                });
            }
        }
        out.sort_by_key(|h| (h.line, h.offset, h.rule));
        out.dedup();
        out
    }

    /// Entropy, letter/digit mix and allow-lists. The global allow-list (example keys, user
    /// regexes) is tried on the secret and on the whole match, so `…@example.com` and
    /// `example_password = …` count as documentation too.
    fn keeps(&self, rule: &Compiled, rx: &Regexes, secret: &[u8], whole: &[u8]) -> bool {
        if let Some(min) = rule.entropy {
            if shannon_entropy(secret) < min {
                return false;
            }
        }
        if rule.mixed {
            let letter = secret.iter().any(u8::is_ascii_alphabetic);
            let digit = secret.iter().any(u8::is_ascii_digit);
            if !(letter && digit) {
                return false;
            }
        }
        let trimmed = secret.trim_ascii();
        !(rx.allow.iter().any(|a| a.is_match(trimmed))
            || rx.allow_match.iter().any(|a| a.is_match(whole))
            || self
                .allow
                .iter()
                .any(|a| a.is_match(trimmed) || a.is_match(whole)))
    }

    pub(crate) fn finding(
        &self,
        hit: &Hit,
        path: &str,
        line: u32,
        resource: Option<&ResourceRef>,
        container: Option<&str>,
        place: Option<&str>,
    ) -> Finding {
        let rule = &self.rules[hit.rule];
        let message = match place {
            Some(p) => format!("{} in {p}: {}", rule.title, hit.masked),
            None => format!("{}: {}", rule.title, hit.masked),
        };
        Finding {
            fingerprint: Finding::compute_fingerprint(
                &rule.check_id,
                resource,
                container,
                &format!("{path}\0{}\0{}", place.unwrap_or(""), hit.masked),
            ),
            check_id: Cow::Owned(rule.check_id.clone()),
            class: FindingClass::Secret,
            category: Category::Secrets,
            severity: rule.severity,
            title: Cow::Owned(rule.title.clone()),
            message,
            resource: resource.cloned().map(std::sync::Arc::new),
            container: container.map(str::to_string),
            image: None,
            location: Some(Location {
                path: path.into(),
                line: Some(line),
            }),
            remediation: Cow::Borrowed(REMEDIATION),
            package: None,
            user: None,
            references: std::sync::Arc::from([]),
            controls: Default::default(),
        }
    }
}

fn count_newlines(b: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', b).count()).unwrap_or(u32::MAX)
}

/// Whether bytes look binary: a NUL in the first 8 KiB (what git and grep do).
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}

/// The only form in which a secret leaves the scanner: its first characters (four at most,
/// and never more than a third of it) followed by `****`.
pub fn mask(secret: &str) -> String {
    let s = secret.trim();
    let n = s.chars().count();
    let keep = (n / 3).min(4);
    let mut out: String = s.chars().take(keep).collect();
    out.push_str("****");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(mask("AKIA2E0A8F3B244C9986"), "AKIA****");
        assert_eq!(mask("hunter2"), "hu****");
        assert_eq!(mask("ab"), "****");
        assert_eq!(mask("\nMIIEowIBAAKCAQEA\n"), "MIIE****");
    }

    #[test]
    fn builtin_rules_compile_and_lines_are_exact() {
        let s = Scanner::default();
        assert_eq!(s.rule_count(), BUILTIN.len());
        // Built-in regexes compile lazily; force every one so a broken pattern fails here.
        for r in &s.rules {
            assert!(r.regexes().is_some(), "{} does not compile", r.check_id);
        }
        let text = b"first\nkey = AKIA2E0A8F3B244C9986 and AKIA2E0A8F3B244C9987\n\nthird AKIAIOSFODNN7EXAMPLE\n";
        let hits = s.hits(text);
        let lines: Vec<u32> = hits.iter().map(|h| h.line).collect();
        assert_eq!(
            lines,
            vec![2, 2],
            "EXAMPLE keys are allowed by default: {hits:?}"
        );
        let marked = b"key = AKIA2E0A8F3B244C9986 # kvet:allow\nkey2 = AKIA2E0A8F3B244C9986\n";
        assert_eq!(
            s.hits(marked).iter().map(|h| h.line).collect::<Vec<_>>(),
            vec![2]
        );
        let all = Scanner::new(&SecretsConfig {
            report_example_keys: true,
            ..SecretsConfig::default()
        })
        .unwrap();
        assert_eq!(all.hits(text).len(), 3);
    }

    #[test]
    fn binary_and_allowed_paths_are_skipped() {
        let s = Scanner::new(&SecretsConfig {
            allow_paths: vec!["**/testdata/**".into()],
            ..SecretsConfig::default()
        })
        .unwrap();
        let key = b"AKIA2E0A8F3B244C9986\n";
        assert_eq!(s.scan_bytes("a/b.txt", key).len(), 1);
        assert!(s.scan_bytes("a/testdata/b.txt", key).is_empty());
        let mut bin = key.to_vec();
        bin.push(0);
        assert!(s.scan_bytes("a/b.bin", &bin).is_empty());
    }
}
