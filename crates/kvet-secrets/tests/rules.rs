//! A true positive and a true negative for every built-in rule. Positives are random
//! values in each provider's documented format (not real credentials); negatives are the
//! near misses each rule must not report: placeholders, references, wrong lengths or
//! prefixes, documentation keys.

use kvet_secrets::{Scanner, SecretsConfig, BUILTIN, CHECK_PREFIX};

const PEM_BODY: &str = "V8Zctn5Vbq9Hj9pZzv4QGSLI5fFa/GvePbAMytJhIMVBvalTxSx9C8XTpl3gA4ICh9GIUM2Vm1uJhOhkoh43\nlwHTaiINSXZjoK/5GNEbgWtCLbnHrpdZG+BiJwrtmdBP18+5P6ywoCrYCT7JyCd0FYpeOU/G3WMUVh0xNL8E\nn6uU27Pj63+bni93hdSUuw9jZodSDGHXUaS1Mw/TecAafd8n19P8zAVsoBgCI1CT8VtVJyhzzZf2djkpym9Q\n";

/// (rule id, positive text — one secret on line `line`, line, negative text).
fn cases() -> Vec<(&'static str, String, u32, String)> {
    vec![
        ("aws-access-key-id", "aws_access_key_id = AKIAF7QCAJ6XUBR7M2GM\n".into(), 1,
         "AKIAIOSFODNN7EXAMPLE is AWS's documentation key; AKIAF7QC is too short; akiaf7qcaj6xubr7m2gm\n".into()),
        ("aws-secret-access-key", "[default]\naws_secret_access_key = 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\n".into(), 2,
         "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_secret_access_key = ${AWS_SECRET}\n".into()),
        ("gcp-service-account-key", "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"a9bcc94f15dc3e72eec2df9d268ef50038b68ea8\",\n}\n".into(), 3,
         "{\"private_key_id\": \"<your key id>\"}\n".into()),
        ("azure-storage-account-key", "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=01+I89+sW/N7PUuWIOY+uLa5hxdoVU/hytIb2+j8DmVUsFOsemnf97idqkuH5/cry4945J9iLUKUekJJJ834Ve==;EndpointSuffix=core.windows.net\n".into(), 1,
         "AccountKey=<storage-account-key>\n".into()),
        ("github-token", "GITHUB_TOKEN=ghp_Tfp0MOpIVcVlvxcd8VWW8nSBv4ekURhzJiDV\n".into(), 1,
         "token: ghp_xxxx (36 characters after ghp_)\n".into()),
        ("github-fine-grained-token", "token: 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\n".into(), 1,
         "tokens look like github_pat_11ABC\n".into()),
        ("gitlab-token", "export GITLAB_TOKEN=glpat-hPTIgRxMcdIoYAoWKS78\n".into(), 1,
         "export GITLAB_TOKEN=glpat-xxx\n".into()),
        ("slack-token", "SLACK_BOT_TOKEN: xoxb-417190271120-0644733834904-HYUVT3RvXHfLMPcxxSho8Wbx\n".into(), 1,
         "SLACK_BOT_TOKEN: xoxb-your-token\n".into()),
        ("slack-webhook", "url: https://hooks.slack.com/services/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\n".into(), 1,
         "url: https://hooks.slack.com/services/...\n".into()),
        ("stripe-secret-key", "STRIPE_KEY=sk_live_CgZlKg87ZaGkhjLzEF33HXSI\n".into(), 1,
         "STRIPE_KEY=sk_test_CgZlKg87ZaGkhjLzEF33HXSI\n".into()),
        ("npm-token", "//registry.npmjs.org/:_authToken=npm_ZYEn1P5yjX6D362avAquisxL2RxoaXtlfANN\n".into(), 1,
         "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n".into()),
        ("pypi-token", "password = pypi-AgEIcHlwaS5vcmcDlyW0qsg_UQXIiHqfotollpBSRuFwxCq96or6zVsQHiJahd96OhbJmXRnVss\n".into(), 1,
         "password = pypi-AgEI\n".into()),
        ("private-key", format!("key: |\n  -----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----\n"), 2,
         "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n-----BEGIN PUBLIC KEY-----\n".into()),
        ("jwt", "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1ib3QiLCJpYXQiOjE3MTYyMzkwMjJ9.q0b8YxFvDk2LhN5wZr7TcMp3Ja9sGe4Ux1Bi6Qo0Wn8\n".into(), 1,
         "Authorization: Bearer eyJ...\n".into()),
        ("password-in-url", "DATABASE_URL=postgres://app:Xk7pQ2z9Lm@db.internal:5432/app\n".into(), 1,
         "DATABASE_URL=postgres://user:password@localhost/db and https://example.com/a:b@c\n".into()),
        ("generic-password", "spring.datasource.password=Tr0ub4dor&3xQ\n".into(), 1,
         "password: ${DB_PASSWORD}\npassword=changeme123\npassword_min_length: 8\npassword: required\n".into()),
        ("generic-secret", "client_secret: 848a2b3079662d0ba6dc115779585bb9\n".into(), 1,
         "client_secret: your-client-secret-here\nsecretName: my-tls-secret\n".into()),
        ("alibaba-access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIKXokeiKZJCdhf0JcwxCz\n".into(), 1,
         "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI****\n".into()),
        ("alibaba-access-key-secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=rHWpA7LLBu5OCyZJIMZpd3Uf374BQG\n".into(), 1,
         "ALIBABA_CLOUD_ACCESS_KEY_SECRET=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n".into()),
        ("tencent-secret-id", "TENCENTCLOUD_SECRET_ID=AKIDzgNGCvLN6RlgTeg5mnFR8UpYIawOl1cc\n".into(), 1,
         "TENCENTCLOUD_SECRET_ID=AKID...\n".into()),
        ("tencent-secret-key", "TENCENTCLOUD_SECRET_KEY=zas4CSXTXNhmEkaaEQPQ9wp6jCyA8Jpu\n".into(), 1,
         "TENCENTCLOUD_SECRET_KEY=$(cat /run/secrets/tencent)\n".into()),
        ("huawei-access-key", "HUAWEICLOUD_SDK_AK=NHZ3DNSR8GQOVXTRZ1U2\n".into(), 1,
         "HUAWEICLOUD_SDK_AK=XXXXXXXXXXXXXXXXXXXX\n".into()),
        ("huawei-secret-key", "HUAWEICLOUD_SDK_SK=wmhLA3ZrfowG122027TceU6hk2a0GvbBcimahrk2\n".into(), 1,
         "HUAWEICLOUD_SDK_SK=<your secret key>\n".into()),
    ]
}

fn found(s: &Scanner, rule: &str, text: &str) -> Vec<(u32, String)> {
    let id = format!("{CHECK_PREFIX}{rule}");
    s.scan_bytes("f.txt", text.as_bytes())
        .into_iter()
        .filter(|f| f.check_id == id)
        .map(|f| (f.location.and_then(|l| l.line).unwrap_or(0), f.message))
        .collect()
}

#[test]
fn every_rule_has_a_true_positive_and_a_true_negative() {
    let s = Scanner::default();
    let cases = cases();
    let mut problems = Vec::new();
    for r in BUILTIN {
        if !cases.iter().any(|c| c.0 == r.id) {
            problems.push(format!("{}: no test case", r.id));
        }
    }
    for (rule, pos, line, neg) in &cases {
        let got = found(&s, rule, pos);
        if got.len() != 1 || got[0].0 != *line {
            problems.push(format!(
                "{rule}: positive gave {got:?}, expected one at line {line}"
            ));
        }
        let got = found(&s, rule, neg);
        if !got.is_empty() {
            problems.push(format!("{rule}: negative gave {got:?}"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn private_key_kinds() {
    let s = Scanner::default();
    for label in [
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
    ] {
        let text = format!("-----BEGIN {label}-----\n{PEM_BODY}-----END {label}-----\n");
        assert_eq!(found(&s, "private-key", &text).len(), 1, "{label}");
    }
    // One-line JSON with escaped newlines, as in a GCP service account key file.
    let json = format!(
        "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"",
        PEM_BODY.replace('\n', "\\n")
    );
    assert_eq!(found(&s, "private-key", &json).len(), 1);
}

/// Decision: documentation keys (anything containing "EXAMPLE", such as AWS's
/// `AKIAIOSFODNN7EXAMPLE`) are dropped by default, and reported with
/// `secrets.reportExampleKeys: true`.
#[test]
fn example_keys_are_allowed_by_default_and_reportable() {
    let text = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    assert!(Scanner::default()
        .scan_bytes("docs.md", text.as_bytes())
        .is_empty());
    let s = Scanner::new(&SecretsConfig {
        report_example_keys: true,
        ..SecretsConfig::default()
    })
    .unwrap();
    let ids: Vec<String> = s
        .scan_bytes("docs.md", text.as_bytes())
        .into_iter()
        .map(|f| f.check_id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "KVET-SECRET-aws-access-key-id",
            "KVET-SECRET-aws-secret-access-key"
        ]
    );
}

#[test]
fn custom_rules_allow_lists_and_disabled_rules() {
    let config: SecretsConfig = serde_saphyr::from_str(
        "rules:\n- id: acme-token\n  title: ACME API token\n  severity: critical\n  regex: 'acme_(?P<secret>[a-z0-9]{32})'\n  keywords: [acme_]\nallowRegexes: ['^AKIA0000']\ndisabledRules: [jwt]\n",
    )
    .unwrap();
    let s = Scanner::new(&config).unwrap();
    let text = "t = acme_0123456789abcdef0123456789abcdef\nk = AKIA0000000000000000\nj = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1ib3QiLCJpYXQiOjE3MTYyMzkwMjJ9.q0b8YxFvDk2LhN5wZr7TcMp3Ja9sGe4Ux1Bi6Qo0Wn8\n";
    let f = s.scan_bytes("x", text.as_bytes());
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].check_id, "KVET-SECRET-acme-token");
    assert_eq!(f[0].severity, kvet_core::Severity::Critical);
    assert_eq!(f[0].message, "ACME API token: 0123****");
    let bad: SecretsConfig =
        serde_saphyr::from_str("rules:\n- id: x\n  title: t\n  regex: '('\n  keywords: [a]\n")
            .unwrap();
    assert!(Scanner::new(&bad).unwrap_err().to_string().contains("'x'"));
    let no_kw: SecretsConfig =
        serde_saphyr::from_str("rules:\n- id: y\n  title: t\n  regex: 'a'\n  keywords: []\n")
            .unwrap();
    assert!(Scanner::new(&no_kw)
        .unwrap_err()
        .to_string()
        .contains("keyword"));
}

#[test]
fn messages_never_hold_the_secret() {
    let s = Scanner::default();
    for (rule, pos, _, _) in cases() {
        for f in s.scan_bytes("f.txt", pos.as_bytes()) {
            let json = format!("{f:?}");
            for word in pos.split(|c: char| c.is_whitespace() || c == '=' || c == '"' || c == ',') {
                if word.len() >= 16 && !word.starts_with("https://") && !word.contains("-----") {
                    assert!(!json.contains(word), "{rule}: '{word}' leaked in {json}");
                }
            }
        }
    }
}
