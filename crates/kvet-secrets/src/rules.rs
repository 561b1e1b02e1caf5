//! The built-in rules, as data. Each names the secret part of its match with
//! `(?P<secret>…)` (masked in output, tested against entropy and allow-lists); keywords are
//! lower-case literals, one of which must occur on the line before the regex runs.
//!
//! Sources for the formats: each provider's documentation of its key and token formats
//! (AWS IAM, GitHub "behind GitHub's new authentication token formats", GitLab token
//! overview, Slack, Stripe, npm, PyPI API tokens, Alibaba Cloud / Tencent Cloud / Huawei Cloud
//! access key documentation) and RFC 7468 for PEM labels.

use kvet_core::Severity;

/// One detection rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Short kebab-case id; the check id of its findings is `KVET-SECRET-<id>`.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub regex: &'static str,
    pub keywords: &'static [&'static str],
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f64>,
    /// The match may span lines (PEM blocks): the regex sees up to 64 KiB from the
    /// keyword's line instead of the line alone.
    pub multiline: bool,
    /// The secret must mix letters and digits (for generic `password = …` rules, where a
    /// plain word is far more often code or prose than a password).
    pub mixed: bool,
    /// Secrets matching one of these are not reported (placeholders, references).
    pub allow: &'static [&'static str],
    /// Whole matches matching one of these are not reported (documentation hosts).
    pub allow_match: &'static [&'static str],
}

const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    regex: &'static str,
    keywords: &'static [&'static str],
) -> Rule {
    Rule {
        id,
        title,
        severity,
        regex,
        keywords,
        entropy: None,
        multiline: false,
        mixed: false,
        allow: &[],
        allow_match: &[],
    }
}

/// Values that stand for a credential instead of being one: placeholders, references to
/// variables or templates, masked values.
pub const PLACEHOLDERS: &str = r"(?i)^(?:x+|\*+|\.+|-+|_+|#+|0+|1234\w*|abcd\w*|changeme\w*|change[_-]?(?:me|it)\w*|passw(?:or|0r)d\w*|pa55w\w*|secret\w*|redacted|removed|hidden|masked|dummy\w*|fake\w*|sample\w*|test\w*|todo|tbd|none|null|nil|undefined|empty|default\w*|your\w*|my\w*|some\w*|foo\w*|bar\w*|admin\w*|root|user\w*|pass\w*|\w*placeholder\w*|<.*|\$.*|%.*|\{.*|.*\$\{.*|.*\{\{.*)$";

/// Hosts that only appear in documentation and samples (RFC 2606 names, loopback, the
/// generic names manuals use).
pub const DOCUMENTATION_HOSTS: &str = r"(?i)@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|example|localhost|127\.0\.0\.1|host|hostname|server|domain\.com|company\.com|[\w-]+\.(?:test|invalid|local))$";

/// The built-in rule set.
pub static BUILTIN: &[Rule] = &[
    rule(
        "aws-access-key-id",
        "AWS access key ID",
        Severity::High,
        r"\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b",
        &["akia", "asia", "abia", "acca", "a3t"],
    ),
    rule(
        "aws-secret-access-key",
        "AWS secret access key",
        Severity::Critical,
        r#"(?i)(?:secret[_-]?access[_-]?key|aws[_-]?secret(?:[_-]?key)?)["'\s]*(?::|=>?)\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        &[
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
            "aws_secret",
            "awssecret",
            "aws-secret",
        ],
    ),
    rule(
        "gcp-service-account-key",
        "Google Cloud service account key",
        Severity::Critical,
        r#""private_key_id"\s*:\s*"(?P<secret>[a-f0-9]{40})""#,
        &["private_key_id"],
    ),
    rule(
        "azure-storage-account-key",
        "Azure storage account key",
        Severity::Critical,
        r"(?i)AccountKey\s*=\s*(?P<secret>[A-Za-z0-9+/]{86}==)",
        &["accountkey"],
    ),
    rule(
        "github-token",
        "GitHub token",
        Severity::Critical,
        r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251})\b",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    ),
    rule(
        "github-fine-grained-token",
        "GitHub fine-grained personal access token",
        Severity::Critical,
        r"\b(?P<secret>github_pat_[A-Za-z0-9_]{82})\b",
        &["github_pat_"],
    ),
    rule(
        "gitlab-token",
        "GitLab access token",
        Severity::Critical,
        r"\b(?P<secret>gl(?:pat|dt|ptt|rt|oas)-[A-Za-z0-9_-]{20,64})(?:[^A-Za-z0-9_-]|$)",
        &["glpat-", "gldt-", "glptt-", "glrt-", "gloas-"],
    ),
    rule(
        "slack-token",
        "Slack token",
        Severity::High,
        r"\b(?P<secret>xox[baprse]-[0-9]{6,}-[0-9A-Za-z-]{8,250})",
        &["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"],
    ),
    rule(
        "slack-webhook",
        "Slack incoming webhook",
        Severity::Medium,
        r"https://hooks\.slack\.com/(?:services|workflows)/(?P<secret>T[A-Za-z0-9_]{6,}/[AB][A-Za-z0-9_]{6,}/[A-Za-z0-9_]{20,})",
        &["hooks.slack.com"],
    ),
    rule(
        "stripe-secret-key",
        "Stripe live secret key",
        Severity::Critical,
        r"\b(?P<secret>(?:sk|rk)_live_[0-9A-Za-z]{24,99})\b",
        &["sk_live_", "rk_live_"],
    ),
    rule(
        "npm-token",
        "npm access token",
        Severity::Critical,
        r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
        &["npm_"],
    ),
    rule(
        "pypi-token",
        "PyPI upload token",
        Severity::Critical,
        r"\b(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})",
        &["pypi-ageichlwas5vcmc"],
    ),
    Rule {
        multiline: true,
        ..rule(
            "private-key",
            "Private key",
            Severity::Critical,
            r"-----BEGIN[ A-Z0-9_-]{0,30}PRIVATE KEY(?: BLOCK)?-----(?P<secret>[\s\S]{64,}?)-----END[ A-Z0-9_-]{0,30}PRIVATE KEY(?: BLOCK)?-----",
            &["private key"],
        )
    },
    Rule {
        entropy: Some(3.0),
        ..rule(
            "jwt",
            "JSON Web Token",
            Severity::Medium,
            r"\b(?P<secret>ey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
            &["eyj"],
        )
    },
    Rule {
        allow: &[PLACEHOLDERS],
        allow_match: &[DOCUMENTATION_HOSTS],
        ..rule(
            "password-in-url",
            "Password in a URL",
            Severity::High,
            r#"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^/\s:@'"<>]{1,100}:(?P<secret>[^/\s:@'"<>]{3,100})@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"#,
            &["://"],
        )
    },
    Rule {
        mixed: true,
        entropy: Some(2.5),
        allow: &[PLACEHOLDERS],
        ..rule(
            "generic-password",
            "Password assigned in clear",
            Severity::High,
            r#"(?i)(?:password|passwd)["']?\s*(?::|=|:=|=>)\s*["']?(?P<secret>[^\s"'`;,<>{}\[\]()$\\|]{6,100})(?:["'`\s;,]|$)"#,
            &["password", "passwd"],
        )
    },
    Rule {
        mixed: true,
        entropy: Some(3.0),
        allow: &[PLACEHOLDERS],
        ..rule(
            "generic-secret",
            "Secret or API key assigned in clear",
            Severity::High,
            r#"(?i)(?:secret|api[_-]?key|access[_-]?token|auth[_-]?token)["']?\s*(?::|=|:=|=>)\s*["']?(?P<secret>[A-Za-z0-9_+/=.~-]{16,200})(?:["'`\s;,]|$)"#,
            &[
                "secret",
                "api_key",
                "apikey",
                "api-key",
                "access_token",
                "access-token",
                "auth_token",
                "auth-token",
            ],
        )
    },
    rule(
        "alibaba-access-key-id",
        "Alibaba Cloud AccessKey ID",
        Severity::High,
        r"\b(?P<secret>LTAI[A-Za-z0-9]{12,20})\b",
        &["ltai"],
    ),
    Rule {
        entropy: Some(3.5),
        ..rule(
            "alibaba-access-key-secret",
            "Alibaba Cloud AccessKey secret",
            Severity::Critical,
            r#"(?i)(?:alibaba|aliyun|alicloud)[\w.-]{0,30}secret[\w.-]{0,20}["']?\s*(?::|=|=>)\s*["']?(?P<secret>[A-Za-z0-9]{30})\b"#,
            &["alibaba", "aliyun", "alicloud"],
        )
    },
    rule(
        "tencent-secret-id",
        "Tencent Cloud SecretId",
        Severity::High,
        r"\b(?P<secret>AKID[A-Za-z0-9]{32})\b",
        &["akid"],
    ),
    Rule {
        entropy: Some(3.5),
        ..rule(
            "tencent-secret-key",
            "Tencent Cloud SecretKey",
            Severity::Critical,
            r#"(?i)(?:tencent|qcloud|tccli)[\w.-]{0,30}secret[_-]?key["']?\s*(?::|=|=>)\s*["']?(?P<secret>[A-Za-z0-9]{32})\b"#,
            &["tencent", "qcloud", "tccli"],
        )
    },
    Rule {
        entropy: Some(3.0),
        ..rule(
            "huawei-access-key",
            "Huawei Cloud access key (AK)",
            Severity::High,
            r#"(?i)(?:huawei|hwcloud|hw)[\w.-]{0,30}(?:access[_-]?key(?:[_-]?id)?|[_-]ak)["']?\s*(?::|=|=>)\s*["']?(?P<secret>[A-Z0-9]{20})\b"#,
            &[
                "huawei",
                "hwcloud",
                "hw_access",
                "hw-access",
                "hw_ak",
                "hw-ak",
            ],
        )
    },
    Rule {
        entropy: Some(3.5),
        ..rule(
            "huawei-secret-key",
            "Huawei Cloud secret key (SK)",
            Severity::Critical,
            r#"(?i)(?:huawei|hwcloud|hw)[\w.-]{0,30}(?:secret[_-]?(?:access[_-]?)?key|[_-]sk)["']?\s*(?::|=|=>)\s*["']?(?P<secret>[A-Za-z0-9]{40})\b"#,
            &[
                "huawei",
                "hwcloud",
                "hw_secret",
                "hw-secret",
                "hw_sk",
                "hw-sk",
            ],
        )
    },
];
