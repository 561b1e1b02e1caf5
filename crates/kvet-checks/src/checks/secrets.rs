//! Credentials written in clear into manifests. Messages name the variable or key, never its
//! value.

use super::{cis, nsa, WORKLOADS};
use crate::check::{all_containers, per_container, Check, Eval, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use kvet_k8s::Node;

/// Fragments of a name that says it holds a credential, compared on the upper-cased name with
/// words joined by `_` (`apiKey` → `API_KEY`).
const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Last words of names that hold something about a credential, not the credential itself:
/// `DB_PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`, `AWS_ACCESS_KEY_ID`, `TOKEN_TTL`…
const NOT_THE_CREDENTIAL: &[&str] = &[
    "FILE", "FILENAME", "PATH", "DIR", "NAME", "REF", "URL", "URI", "ENDPOINT", "HOST", "PORT",
    "ID", "TTL", "TIMEOUT", "ENABLED", "MODE", "TYPE", "VERSION", "LENGTH",
];

/// Words that make a name a switch or a count rather than a credential:
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `ENABLE_SECRET_FILTERING`, `MAX_TOTAL_TOKENS`, `TOKENIZER`.
const NOT_A_CREDENTIAL_WORD: &[&str] = &[
    "ALLOW",
    "ENABLE",
    "DISABLE",
    "SKIP",
    "REQUIRE",
    "TOKENS",
    "TOKENIZER",
];

/// Splits a name into upper-cased words at separators and camelCase boundaries.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = ch.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(ch.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a variable or key name says it holds a credential (`DB_PASSWORD`, `apiKey`,
/// `github-token`), and not a reference to one (`DB_PASSWORD_FILE`, `TOKEN_URL`).
pub fn credential_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else {
        return false;
    };
    if NOT_THE_CREDENTIAL.contains(&last.as_str())
        || w.iter()
            .any(|x| NOT_A_CREDENTIAL_WORD.contains(&x.as_str()))
    {
        return false;
    }
    let joined = w.join("_");
    CREDENTIAL_WORDS.iter().any(|c| joined.contains(c))
}

/// Whether text holds a PEM private key (`-----BEGIN RSA PRIVATE KEY-----`,
/// `-----BEGIN OPENSSH PRIVATE KEY-----`, `-----BEGIN ENCRYPTED PRIVATE KEY-----`…).
pub(crate) fn has_private_key(text: &str) -> bool {
    let up = text.to_ascii_uppercase();
    up.match_indices("-----BEGIN ").any(|(i, m)| {
        let rest = &up[i + m.len()..];
        rest.find("-----")
            .is_some_and(|end| rest[..end].trim_end().ends_with("PRIVATE KEY"))
    })
}

/// Whether text is PEM with only public material (certificates, public keys).
fn public_pem_only(text: &str) -> bool {
    text.contains("-----BEGIN ") && !has_private_key(text)
}

/// Whether a value is a placeholder or a reference rather than a credential.
fn placeholder(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || v.starts_with(['$', '{', '<', '%', '*'])
        || [
            "null", "none", "~", "true", "false", "yes", "no", "on", "off", "\"\"", "''",
        ]
        .iter()
        .any(|p| v.eq_ignore_ascii_case(p))
}

/// Whether a value stored under a credential-like name may be the credential itself: not a
/// placeholder or reference (`${VAR}`, `$(VAR)`, `<your-token>`), not a switch (`true`,
/// `yes`), not a file path (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json`), not the
/// name repeated (`HF_TOKEN=HF_TOKEN`).
fn credential_value(name: &str, value: &str) -> bool {
    let v = value.trim();
    !placeholder(v) && !v.starts_with('/') && !v.eq_ignore_ascii_case(name.trim())
}

/// Whether text assigns a password a value (`password=…`, `db_password: …`, `"password": "…"`),
/// ignoring empty values, placeholders and references (`${DB_PASSWORD}`, `<password>`).
pub(crate) fn has_password_assignment(text: &str) -> bool {
    // Only `password`: `passwd:` is also a database of nsswitch.conf.
    let low = text.to_ascii_lowercase();
    ["password"].iter().any(|word| {
        low.match_indices(word).any(|(i, m)| {
            let rest = low[i + m.len()..].trim_start_matches(['"', '\'']);
            let rest = rest.trim_start_matches([' ', '\t']);
            let Some(rest) = rest.strip_prefix(['=', ':']) else {
                return false;
            };
            let value: String = rest
                .trim_start_matches([' ', '\t'])
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '\n' | '\r' | '"' | '\'' | ',' | ';' | ' ' | '\t'))
                .collect();
            !placeholder(&value)
        })
    })
}

pub static SENSITIVE_CONTAINER_ENV_VAR: Check = Check {
    meta: CheckMeta {
        id: "sensitiveContainerEnvVar",
        title: "Credential written in an environment variable",
        category: Category::Secrets,
        severity: Severity::High,
        enabled: true,
        description: "A credential given as a literal `env[].value` lives in clear in the \
            manifest, its Git history, the workload object (readable by anyone who can read \
            Deployments) and `kubectl describe` output. Reported: variables whose name says \
            they hold a credential (PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY, \
            ACCESS_KEY, PRIVATE_KEY, CREDENTIAL; not names ending in _FILE, _PATH, _NAME, _URL, \
            _ID, _VERSION…, nor switches and counts such as ALLOW_EMPTY_PASSWORD or \
            MAX_TOKENS) with a literal value that can be the credential (not empty, not a \
            placeholder or reference such as ${VAR}, $(VAR) or <token>, not true/yes, not a \
            file path), and any literal value holding a PEM private key. Values taken from \
            `valueFrom` are fine.",
        remediation: "Move the value into a Secret and reference it with \
            `env[].valueFrom.secretKeyRef` (or mount the Secret as a file); rotate the \
            credential, since it has been exposed.",
        example: "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n",
        kinds: WORKLOADS,
        controls: &[nsa("secrets")],
        references: &["https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            c.get("env")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|e| {
                    let name = e.get("name").and_then(Node::as_str)?;
                    let value = e.get("value")?;
                    let text = value.scalar_text()?;
                    let why = if has_private_key(&text) {
                        "a PEM private key"
                    } else if credential_name(name) && credential_value(name, &text) {
                        "a credential"
                    } else {
                        return None;
                    };
                    Some(
                        Violation::in_container(
                            c,
                            value.line,
                            format!(
                                "container '{}' sets {name} to a literal value that looks like {why}",
                                c.name
                            ),
                        )
                        .keyed(name),
                    )
                })
                .collect()
        })
    }),
};

/// Why a ConfigMap entry looks sensitive, if it does.
fn sensitive_entry(key: &str, value: &Node, binary: bool) -> Option<&'static str> {
    let text = value.scalar_text().unwrap_or_default();
    if text.trim().is_empty() {
        return None;
    }
    let k = key.to_ascii_lowercase();
    let key_file = k.ends_with(".pem")
        || k.ends_with(".key")
        || ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
            .iter()
            .any(|f| k.contains(f));
    if !binary && has_private_key(&text) {
        return Some("holds a PEM private key");
    }
    if key_file && (binary || !public_pem_only(&text)) {
        return Some("is named like a private key file");
    }
    if credential_name(key) && (binary || credential_value(key, &text)) {
        return Some("is named like a credential");
    }
    if !binary && has_password_assignment(&text) {
        return Some("assigns a password");
    }
    None
}

pub static SENSITIVE_CONFIGMAP_CONTENT: Check = Check {
    meta: CheckMeta {
        id: "sensitiveConfigmapContent",
        title: "ConfigMap holds credentials",
        category: Category::Secrets,
        severity: Severity::High,
        enabled: true,
        description: "ConfigMaps are not meant for secrets: they are readable by far more \
            subjects than Secrets, are not encrypted at rest, and end up in Git and in logs of \
            tools that print configuration. Reported per key: a name that says it holds a \
            credential (PASSWORD, SECRET, TOKEN, API_KEY…; not *_FILE, *_URL…; with the same \
            value exceptions as sensitiveContainerEnvVar) or a private \
            key file (*.pem, *.key, id_rsa…, unless its value is only certificates or public \
            keys), a value holding a PEM private key, or a value assigning a password \
            (`password=…`, `password: …`; placeholders such as ${VAR} are ignored). Values are \
            never printed.",
        remediation: "Move the entry from the ConfigMap's `data`/`binaryData` into a Secret \
            (or an external secret store) and mount or reference that; keep only \
            non-sensitive settings in the ConfigMap. Rotate the credential.",
        example: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-db\ntype: Opaque\nstringData:\n  password: <from your secret store>\n",
        kinds: &["ConfigMap"],
        controls: &[nsa("secrets")],
        references: &["https://kubernetes.io/docs/concepts/configuration/configmap/"],
    },
    eval: Eval::Object(|ctx| {
        let obj = ctx.obj;
        if obj.kind != "ConfigMap" {
            return Outcome::NotApplicable;
        }
        let mut out = Vec::new();
        for (section, binary) in [("data", false), ("binaryData", true)] {
            for (key, value) in obj.root.get(section).map_or(&[][..], Node::as_map) {
                if let Some(why) = sensitive_entry(key, value, binary) {
                    out.push(
                        Violation::at(value.line, format!("ConfigMap key '{key}' {why}"))
                            .keyed(key.as_str()),
                    );
                }
            }
        }
        Outcome::from_violations(out)
    }),
};

pub static SECRET_EXPOSED_AS_ENV: Check = Check {
    meta: CheckMeta {
        id: "secretExposedAsEnv",
        title: "Secret is passed as environment variables",
        category: Category::Secrets,
        severity: Severity::Low,
        enabled: true,
        description: "Environment variables leak: they are inherited by every child process, \
            printed by crash handlers and debug endpoints, visible in /proc to anything sharing \
            the process namespace, and never updated when the Secret rotates. Secrets mounted as \
            files avoid all of that. Reported for `env[].valueFrom.secretKeyRef` and \
            `envFrom[].secretRef`.",
        remediation: "Mount the Secret as a volume (optionally with `items` and `defaultMode: \
            0400`) and have the application read the file.",
        example: "volumes:\n- name: db\n  secret:\n    secretName: db-credentials\n    defaultMode: 0400\ncontainers:\n- name: app\n  volumeMounts:\n  - name: db\n    mountPath: /var/run/secrets/db\n    readOnly: true\n",
        kinds: WORKLOADS,
        controls: &[cis("5.4.1"), nsa("secrets")],
        references: &["https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            let from_env = c
                .get("env")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|e| {
                    let r = e.path(&["valueFrom", "secretKeyRef"])?;
                    let var = e.get("name").and_then(Node::as_str).unwrap_or("?");
                    let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                    Some(
                        Violation::in_container(
                            c,
                            r.line,
                            format!("container '{}' reads Secret '{secret}' into env var {var}", c.name),
                        )
                        .keyed(var),
                    )
                });
            let from_env_from = c
                .get("envFrom")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(|e| {
                    let r = e.get("secretRef")?;
                    let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                    Some(
                        Violation::in_container(
                            c,
                            r.line,
                            format!("container '{}' loads every key of Secret '{secret}' as env vars", c.name),
                        )
                        .keyed(format!("envFrom:{secret}")),
                    )
                });
            from_env.chain(from_env_from).collect()
        })
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for yes in [
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "apiKey",
            "ApiKey",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "ACCESS_KEY",
            "client-secret",
            "credentials.json",
            "smtp.passwd",
        ] {
            assert!(credential_name(yes), "{yes}");
        }
        for no in [
            "DB_PASSWORD_FILE",
            "METALLB_ML_SECRET_NAME",
            "SECRETS_PATH",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "secretName",
            "ENABLE_SECRET_INFORMER_FILTERING",
            "tokenizer_config.json",
            "MAX_TOTAL_TOKENS",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "SECRET_VERSION",
            "LOG_LEVEL",
            "",
        ] {
            assert!(!credential_name(no), "{no}");
        }
    }

    #[test]
    fn private_keys_and_password_assignments() {
        assert!(has_private_key("x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE"));
        assert!(has_private_key("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert!(has_private_key("-----BEGIN PRIVATE KEY-----"));
        assert!(!has_private_key(
            "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"
        ));
        assert!(!has_private_key("-----BEGIN PUBLIC KEY-----"));
        assert!(has_password_assignment(
            "spring.datasource.password=s3cr3t\n"
        ));
        assert!(has_password_assignment(
            "[security]\nadmin_password = hunter2\n"
        ));
        assert!(has_password_assignment("{\"password\": \"hunter2\"}"));
        assert!(has_password_assignment("redis:\n  password: hunter2\n"));
        assert!(!has_password_assignment("password=\n"));
        assert!(!has_password_assignment("password: ${DB_PASSWORD}\n"));
        assert!(!has_password_assignment("password: <your password>\n"));
        assert!(!has_password_assignment(
            "password_min_length: 8\npasswordless: true\n"
        ));
        assert!(!has_password_assignment(
            "password:\n  file: /etc/app/password\n"
        ));
        assert!(!has_password_assignment(
            "passwd:  compat\nshadow:  compat\n"
        ));
        assert!(credential_value("DB_PASSWORD", "hunter2"));
        for no in [
            "",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "<your-token>",
            "yes",
            "/var/secrets/key.json",
            "db_password",
        ] {
            assert!(!credential_value("DB_PASSWORD", no), "{no}");
        }
    }
}
