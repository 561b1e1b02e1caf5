//! How files get into the image and how the image is described: ADD vs COPY, the build
//! context, WORKDIR, MAINTAINER, CMD/ENTRYPOINT.

use super::stage_label;
use crate::ast::{Instruction, Keyword};
use crate::check::{Ctx, DockerCheck, DOCKERFILE};
use kvet_checks::{Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git@")
        || s.starts_with("ftp://")
}

/// Local archives that ADD extracts (the one thing COPY does not do).
fn is_archive(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    [
        ".tar",
        ".tar.gz",
        ".tgz",
        ".tar.bz2",
        ".tbz2",
        ".tbz",
        ".tar.xz",
        ".txz",
        ".tar.zst",
        ".tzst",
        ".tar.lz",
        ".tar.lzma",
    ]
    .iter()
    .any(|e| s.ends_with(e))
}

/// ADD instructions of every stage, with their sources (destination dropped).
fn adds<'a>(ctx: &Ctx<'a>) -> impl Iterator<Item = (&'a Instruction, &'a [String])> + 'a {
    ctx.each(Keyword::Add).map(|(_, i)| {
        let w = i.words();
        (i, &w[..w.len().saturating_sub(1)])
    })
}

pub static ADD_INSTEAD_OF_COPY: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "addInsteadOfCopy",
        title: "ADD used where COPY suffices",
        category: Category::Security,
        severity: Severity::Low,
        enabled: true,
        description: "ADD also fetches URLs and unpacks archives; used for plain local files \
            it hides which of those it does, and a file renamed to `.tar` later is silently \
            unpacked into the image. Reported for ADD whose sources are all local \
            non-archives (remote sources are addRemoteUrl's).",
        remediation: "Use `COPY` for local files and folders; keep `ADD` for local archives \
            you want extracted.",
        example: "FROM alpine:3.20\nCOPY app.conf /etc/app/app.conf\nADD rootfs.tar.gz /\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.9")],
        references: &["https://docs.docker.com/build/building/best-practices/#add-or-copy"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        for (i, srcs) in adds(ctx) {
            seen = true;
            if srcs.iter().any(|s| is_remote(s) || is_archive(s)) {
                continue;
            }
            let what = if srcs.is_empty() {
                "a here-document".to_string()
            } else {
                srcs.join(" ")
            };
            out.push(
                Violation::at(
                    i.line,
                    format!("ADD of {what}: COPY does the same, visibly"),
                )
                .keyed(what),
            );
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

pub static ADD_REMOTE_URL: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "addRemoteUrl",
        title: "ADD downloads a remote URL without a checksum",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "`ADD https://…` puts whatever the server returns at build time into \
            the image, unverified: a compromised or changed download lands in the image, and \
            the layer cache may hide that it changed. Passing `--checksum=sha256:…` makes \
            the builder verify it, and passes this check.",
        remediation: "Give ADD the expected digest (`ADD --checksum=sha256:… URL dest`), or \
            download in a RUN step that verifies a checksum or signature (`curl -fsSLo f URL \
            && echo \"<sha256>  f\" | sha256sum -c -`).",
        example: "# syntax=docker/dockerfile:1\nFROM alpine:3.20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.9")],
        references: &["https://docs.docker.com/reference/dockerfile/#add---checksum"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        for (i, srcs) in adds(ctx) {
            seen = true;
            if i.flag("checksum").is_some_and(|c| !c.is_empty()) {
                continue;
            }
            for s in srcs.iter().filter(|s| is_remote(s)) {
                out.push(Violation::at(i.line, format!("ADD fetches {s} without --checksum")).keyed(s.as_str()));
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

fn is_whole_context(src: &str) -> bool {
    matches!(src, "." | "./" | "*" | "./*" | "/")
}

pub static COPY_ALL_WITHOUT_DOCKERIGNORE: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "copyAllWithoutDockerignore",
        title: "Whole build context copied without a .dockerignore",
        category: Category::Secrets,
        severity: Severity::Medium,
        enabled: true,
        description: "`COPY . .` copies everything in the build context into a layer: with \
            no `.dockerignore`, that includes `.git` (history, sometimes credentials in \
            remotes), `.env` files, local keys and build output. Reported when a COPY or \
            ADD (not `--from` another stage) takes the whole context and no \
            `.dockerignore` (or `<Dockerfile>.dockerignore`) lies next to the Dockerfile.",
        remediation: "Add a `.dockerignore` next to the Dockerfile excluding at least \
            `.git`, `.env*`, keys and local build output, or copy only what the build needs.",
        example: "FROM node:20.11-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY src/ ./src/\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.10")],
        references: &["https://docs.docker.com/build/concepts/context/#dockerignore-files"],
    },
    eval: |ctx| {
        let mut out = Vec::new();
        let mut seen = false;
        for (_, i) in ctx.each(Keyword::Copy).chain(ctx.each(Keyword::Add)) {
            if i.flag("from").is_some() {
                continue;
            }
            seen = true;
            let w = i.words();
            let srcs = &w[..w.len().saturating_sub(1)];
            if let Some(s) = srcs.iter().find(|s| is_whole_context(s)) {
                if !ctx.facts.has_dockerignore {
                    out.push(Violation::at(
                        i.line,
                        format!("{} {s} copies the whole build context and there is no .dockerignore", i.keyword),
                    ));
                }
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

pub static WORKDIR_RELATIVE: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "workdirRelative",
        title: "WORKDIR is a relative path",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "A relative WORKDIR is resolved against the previous one, which may come \
            from the base image and change with it; the resulting paths surprise readers and \
            break when the base changes. A path still holding an undefined variable is not \
            judged; Windows drive paths (`C:\\app`) are absolute.",
        remediation: "Use an absolute path: `WORKDIR /app`.",
        example: "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/build/building/best-practices/#workdir"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        for (_, i) in ctx.each(Keyword::Workdir) {
            seen = true;
            let p = i.text().trim();
            let b = p.as_bytes();
            let windows = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
            if p.starts_with('/') || p.starts_with('$') || windows || p.starts_with('\\') {
                continue;
            }
            out.push(Violation::at(i.line, format!("WORKDIR '{p}' is relative")).keyed(p));
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

pub static MAINTAINER_DEPRECATED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "maintainerDeprecated",
        title: "MAINTAINER is deprecated",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "MAINTAINER has been deprecated since Docker 1.13; tools read the \
            `org.opencontainers.image.authors` label instead.",
        remediation:
            "Replace `MAINTAINER name` with `LABEL org.opencontainers.image.authors=\"name\"`.",
        example: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"team@example.com\"\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/reference/dockerfile/#maintainer-deprecated"],
    },
    eval: |ctx| {
        let out: Vec<Violation> = ctx
            .each(Keyword::Maintainer)
            .map(|(_, i)| {
                Violation::at(
                    i.line,
                    "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors",
                )
            })
            .collect();
        Outcome::from_violations(out)
    },
};

pub static MULTIPLE_CMD_OR_ENTRYPOINT: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "multipleCmdOrEntrypoint",
        title: "Several CMD or ENTRYPOINT in one stage",
        category: Category::Reliability,
        severity: Severity::Low,
        enabled: true,
        description: "Only the last CMD and the last ENTRYPOINT of a stage take effect; the \
            earlier ones are dead code that misleads readers about what the container runs. \
            Each ineffective one is reported.",
        remediation: "Keep one CMD and at most one ENTRYPOINT per stage.",
        example: "FROM python:3.12-slim\nENTRYPOINT [\"python\"]\nCMD [\"app.py\"]\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/reference/dockerfile/#cmd"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        for s in &ctx.file.stages {
            for kw in [Keyword::Cmd, Keyword::Entrypoint] {
                let all: Vec<&Instruction> =
                    s.instructions.iter().filter(|i| i.keyword == kw).collect();
                seen |= !all.is_empty();
                if let Some((last, earlier)) = all.split_last() {
                    for i in earlier {
                        out.push(
                            Violation::at(
                                i.line,
                                format!(
                                    "{kw} in {} is overridden by the one on line {}",
                                    stage_label(s),
                                    last.line
                                ),
                            )
                            .keyed(format!("{kw}{}", s.index)),
                        );
                    }
                }
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};
