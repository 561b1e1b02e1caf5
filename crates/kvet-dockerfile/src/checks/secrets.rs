//! Credentials passed through ARG or ENV. Names are judged here; values that look like real
//! keys are the secret scanner's (kvet-secrets), which reads the Dockerfile as text.

use crate::ast::{Instruction, Keyword};
use crate::check::{DockerCheck, DOCKERFILE};
use crate::vars::pairs;
use kvet_checks::{credential_name, Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

/// Whether an ENV value is a credential's *value* rather than nothing at all.
fn has_value(v: Option<&str>) -> bool {
    v.is_some_and(|v| !v.trim().is_empty())
}

pub static SECRET_IN_ENV_OR_ARG: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "secretInEnvOrArg",
        title: "Credential passed through ARG or ENV",
        category: Category::Secrets,
        severity: Severity::High,
        enabled: true,
        description: "ENV values are stored in the image configuration, readable by anyone \
            who can pull the image (`docker inspect`); build arguments used by a RUN step are \
            recorded in the image history (`docker history`). Reported: an ARG whose name \
            says it holds a credential (PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, \
            PRIVATE_KEY, CREDENTIAL…; not *_FILE, *_PATH, *_URL, *_ID…), with or without a \
            default, and an ENV setting such a name to a non-empty value. Every stage counts. \
            Values are never printed; values that look like real keys are reported by the \
            secret scanner (KVET-SECRET-*) as well.",
        remediation: "Use a BuildKit secret mount (`RUN --mount=type=secret,id=npm_token \
            NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci`) at build time, and inject \
            run-time credentials from a Kubernetes Secret; rotate any credential that was \
            baked into an image.",
        example: "# syntax=docker/dockerfile:1\nFROM node:20.11-alpine\nRUN --mount=type=secret,id=npm_token NPM_TOKEN=\"$(cat /run/secrets/npm_token)\" npm ci\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.10")],
        references: &["https://docs.docker.com/build/building/secrets/"],
    },
    eval: |ctx| {
        let file = ctx.file;
        let all = file
            .global_args
            .iter()
            .chain(file.stages.iter().flat_map(|s| s.instructions.iter()))
            .filter(|i| matches!(i.keyword, Keyword::Arg | Keyword::Env));
        let mut seen = false;
        let mut out = Vec::new();
        for i in all {
            seen = true;
            for name in names(i, file.escape) {
                out.push(
                    Violation::at(i.line, format!("{} {name} passes a credential through the image", i.keyword))
                        .keyed(name),
                );
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

fn names(i: &Instruction, escape: char) -> Vec<String> {
    pairs(i.text(), escape)
        .into_iter()
        .filter(|(k, v)| {
            credential_name(k) && (i.keyword == Keyword::Arg || has_value(v.as_deref()))
        })
        .map(|(k, _)| k)
        .collect()
}
