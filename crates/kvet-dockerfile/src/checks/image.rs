//! What the image is: who it runs as, what it is built on, what it exposes, whether it says
//! how to tell it is healthy.

use super::{cis_docker, stage_label};
use crate::ast::{Instruction, Keyword, Stage};
use crate::check::{DockerCheck, DOCKERFILE};
use kvet_checks::{Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

/// Whether a USER value names root: `root`, `0`, with or without a group.
fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

/// Base images whose published default user is not root (distroless and Chainguard
/// `:nonroot` / `-nonroot` tags, `rootless` variants).
fn base_is_non_root(base: &str) -> bool {
    let tag = base.rsplit('/').next().unwrap_or(base).to_ascii_lowercase();
    tag.contains("nonroot") || tag.contains("rootless")
}

/// The last USER of the final stage, looking through the stages it is built FROM.
fn effective_user(stages: &[Stage]) -> Option<(&Stage, &Instruction)> {
    let mut cur = stages.last();
    while let Some(s) = cur {
        if let Some(u) = s
            .instructions
            .iter()
            .rev()
            .find(|i| i.keyword == Keyword::User)
        {
            return Some((s, u));
        }
        cur = s.parent(stages);
    }
    None
}

pub static IMAGE_RUNS_AS_ROOT: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "imageRunsAsRoot",
        title: "Image runs as root",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "Unless the pod overrides it, a container runs as the image's USER, and \
            without one that is root: a process escaping the application then holds root in \
            the container, and root on the node if it also escapes the container. Only the \
            final stage counts (a builder stage running as root is fine): reported when its \
            last USER (looking through the stages it is built FROM) is root or 0, or when \
            there is none, unless the base image is a `nonroot`/`rootless` variant whose \
            published default user is not root.",
        remediation: "Create an unprivileged user and switch to it with a numeric `USER` \
            as the last user change of the final stage (numeric, so that Kubernetes' \
            `runAsNonRoot` can verify it).",
        example: "FROM node:20.11-alpine\nRUN addgroup -S app && adduser -S -G app -u 10001 app\nCOPY --chown=10001:10001 . /app\nUSER 10001\nCMD [\"node\", \"/app/server.js\"]\n",
        kinds: DOCKERFILE,
        controls: &[cis_docker("4.1")],
        references: &["https://docs.docker.com/build/building/best-practices/#user"],
    },
    eval: |ctx| {
        let stages = &ctx.file.stages;
        let Some(last) = stages.last() else {
            return Outcome::NotApplicable;
        };
        match effective_user(stages) {
            Some((s, u)) if is_root_user(u.text()) => Outcome::Fail(vec![Violation::at(
                u.line,
                format!("the final image runs as '{}' (USER in {})", u.text(), stage_label(s)),
            )]),
            Some(_) => Outcome::Pass,
            None => {
                let mut root = last;
                while let Some(p) = root.parent(stages) {
                    root = p;
                }
                if base_is_non_root(&root.base) {
                    Outcome::Pass
                } else {
                    Outcome::Fail(vec![Violation::at(
                        last.from.line,
                        format!(
                            "the final stage sets no USER, so the image runs as root (base '{}')",
                            root.base
                        ),
                    )])
                }
            }
        }
    },
};

/// Why a base image reference is not pinned, if it is not.
fn unpinned(base: &str, mutable_tags: &[String]) -> Option<String> {
    if base.contains('@') {
        return None;
    }
    let last = base.rsplit('/').next().unwrap_or(base);
    match last.split_once(':') {
        None => Some(format!("'{base}', which has no tag (so :latest)")),
        Some((_, tag)) if mutable_tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) => {
            Some(format!("'{base}', a moving tag"))
        }
        Some(_) => None,
    }
}

pub static BASE_IMAGE_NOT_PINNED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "baseImageNotPinned",
        title: "Base image untagged or on a moving tag",
        category: Category::Images,
        severity: Severity::Medium,
        enabled: true,
        description: "`FROM image` without a tag means `:latest`, and `latest` (or another \
            moving tag from the `mutableTags` setting) changes under you: two builds of the \
            same commit get different bases, and a compromised or broken upstream push lands \
            in your next build unreviewed. Every stage counts, builders included, since \
            their output is copied into the image. A digest (`@sha256:…`) pins an image \
            whatever its tag; `FROM scratch` and `FROM <earlier stage>` are not images; a \
            reference still holding an undefined `${VARIABLE}` is not judged.",
        remediation: "Use a specific version tag, and preferably pin the digest as well \
            (`image:tag@sha256:…`, kept current by Renovate or Dependabot).",
        example: "FROM golang:1.22.5-alpine3.20@sha256:0d3653dd6f35159ec6e3d10263a42372f6f194c3dea0b35235d72aabde86486e AS build\nRUN go build -o /out/app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\n",
        kinds: DOCKERFILE,
        controls: &[cis_docker("4.2")],
        references: &["https://docs.docker.com/build/building/best-practices/#pin-base-image-versions"],
    },
    eval: |ctx| {
        let file = ctx.file;
        let mut judged = false;
        let mut out = Vec::new();
        for s in &file.stages {
            let base = s.base.as_str();
            if base.eq_ignore_ascii_case("scratch") || file.is_stage_name(base, s.index) || base.contains('$') {
                continue;
            }
            judged = true;
            if let Some(why) = unpinned(base, &ctx.settings.mutable_tags) {
                out.push(
                    Violation::at(s.from.line, format!("{} is built on {why}", stage_label(s)))
                        .keyed(s.index.to_string()),
                );
            }
        }
        if !judged {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

pub static HEALTHCHECK_MISSING: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "healthcheckMissing",
        title: "No HEALTHCHECK in the image",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "Without a HEALTHCHECK, Docker, Compose and Swarm only know whether the \
            process exists, not whether it serves. Kubernetes ignores HEALTHCHECK (it uses \
            the pod's probes, see livenessProbeMissing), hence the low severity. Only the \
            stages that reach the image count; `HEALTHCHECK NONE` is an explicit decision \
            and passes.",
        remediation: "Add a `HEALTHCHECK` to the final stage that exercises the service, or \
            `HEALTHCHECK NONE` when the image is only run by Kubernetes with probes.",
        example: "FROM nginx:1.27-alpine\nHEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://localhost/ || exit 1\n",
        kinds: DOCKERFILE,
        controls: &[cis_docker("4.6")],
        references: &["https://docs.docker.com/reference/dockerfile/#healthcheck"],
    },
    eval: |ctx| {
        let Some(last) = ctx.file.final_stage() else {
            return Outcome::NotApplicable;
        };
        let any = ctx
            .shipped()
            .any(|s| s.instructions.iter().any(|i| i.keyword == Keyword::Healthcheck));
        if any {
            Outcome::Pass
        } else {
            Outcome::Fail(vec![Violation::at(
                last.from.line,
                "the final stage defines no HEALTHCHECK",
            )])
        }
    },
};

/// Whether an EXPOSE word (`22`, `22/tcp`, `20-25`) covers port 22.
fn exposes_ssh(word: &str) -> bool {
    let port = word.split('/').next().unwrap_or(word);
    match port.split_once('-') {
        Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(a), Ok(b)) => (a..=b).contains(&22),
            _ => false,
        },
        None => port == "22",
    }
}

pub static SSH_PORT_EXPOSED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "sshPortExposed",
        title: "Image exposes SSH (port 22)",
        category: Category::Network,
        severity: Severity::Medium,
        enabled: true,
        description: "An SSH server in a container is a second way in, with its own \
            credentials to leak and patch, and a sign that the container is administered \
            by hand. `kubectl exec` and ephemeral debug containers do that job without an \
            open port. Only the stages that reach the image count.",
        remediation: "Remove the SSH server and `EXPOSE 22`; use `kubectl exec` or \
            `kubectl debug` to get into a running container.",
        example: "FROM python:3.12-slim\nEXPOSE 8080\nCMD [\"python\", \"-m\", \"http.server\", \"8080\"]\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        for s in ctx.shipped() {
            for i in s.instructions.iter().filter(|i| i.keyword == Keyword::Expose) {
                seen = true;
                if let Some(w) = i.words().iter().find(|w| exposes_ssh(w)) {
                    out.push(Violation::at(i.line, format!("EXPOSE {w} opens the SSH port")).keyed(w.as_str()));
                }
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_tags() {
        assert!(is_root_user("root") && is_root_user("0:0") && is_root_user("root:wheel"));
        assert!(!is_root_user("1000") && !is_root_user("app") && !is_root_user("$UID"));
        let m = vec!["latest".to_string()];
        assert!(unpinned("alpine", &m).is_some());
        assert!(unpinned("alpine:latest", &m).is_some());
        assert!(
            unpinned("registry:5000/app", &m).is_some(),
            "a port is not a tag"
        );
        assert!(unpinned("registry:5000/app:1.2", &m).is_none());
        assert!(unpinned("alpine@sha256:abc", &m).is_none());
        assert!(unpinned("alpine:latest@sha256:abc", &m).is_none());
        assert!(exposes_ssh("22/tcp") && exposes_ssh("20-25") && !exposes_ssh("2222"));
    }
}
