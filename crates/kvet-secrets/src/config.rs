//! The `secrets:` section of `kvet.yaml`.

use serde::Deserialize;

/// What users can change about secret scanning.
///
/// ```yaml
/// secrets:
///   reportExampleKeys: false          # true: also report documentation keys (…EXAMPLE…)
///   disabledRules: [jwt]              # built-in or custom rule ids
///   allowRegexes: ['^AKIA0{16}$']     # a match whose secret matches one of these is dropped
///   allowPaths: ['**/testdata/**']    # files never scanned for secrets (globs)
///   rules:
///     - id: acme-api-token
///       title: ACME API token
///       severity: HIGH
///       regex: 'acme_(?P<secret>[a-z0-9]{32})'
///       keywords: [acme_]
///       entropy: 3.0
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretsConfig {
    /// Report keys that contain `EXAMPLE` (AWS's documented `AKIAIOSFODNN7EXAMPLE` and the
    /// like). Off by default: they fill documentation and SDK sources and are not
    /// credentials.
    #[serde(default)]
    pub report_example_keys: bool,
    #[serde(default)]
    pub disabled_rules: Vec<String>,
    #[serde(default)]
    pub allow_regexes: Vec<String>,
    #[serde(default)]
    pub allow_paths: Vec<String>,
    #[serde(default)]
    pub rules: Vec<CustomRule>,
}

/// A user-defined rule; the regex may name the secret part `(?P<secret>…)`, otherwise the
/// whole match is the secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomRule {
    pub id: String,
    pub title: String,
    #[serde(default = "default_severity")]
    pub severity: String,
    pub regex: String,
    /// Literal strings, one of which must occur on the line (case-insensitively) before the
    /// regex runs. Required: a rule without keywords would run on every line.
    pub keywords: Vec<String>,
    pub entropy: Option<f64>,
    #[serde(default)]
    pub allow_regexes: Vec<String>,
}

fn default_severity() -> String {
    "HIGH".to_string()
}
