//! How RUN steps behave: what they download and execute, with which privileges and which
//! verification switched off. Every stage counts: a builder's output is copied into the
//! image.

use super::{has_run, runs};
use crate::ast::Keyword;
use crate::check::{DockerCheck, DOCKERFILE};
use crate::shell::Command;
use kvet_checks::{Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};
use regex::Regex;
use std::sync::LazyLock;

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python3", "perl", "ruby", "node",
];

/// `sh -c "$(curl …)"` and `bash <(curl …)`: downloads executed without a pipe.
static SUBSTITUTED_DOWNLOAD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"\b(?:ba|z|da|k)?sh\s+(?:-c\s+)?["']?(?:\$\(|<\(|`)\s*(?:curl|wget)\b"#).ok()
});

pub static PIPE_TO_SHELL: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "pipeToShell",
        title: "Downloaded script piped into a shell",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "`curl … | sh` (or wget, or `sh -c \"$(curl …)\"`) runs whatever the \
            server sends at build time, as the build user, unverified: a compromised server, \
            DNS or mirror owns the image, and the step is not reproducible.",
        remediation: "Download to a file, verify its checksum or signature, then run it; or \
            install the tool from a package repository or a pinned, verified release.",
        example: "FROM debian:12-slim\nADD --checksum=sha256:f2d12c94e7b4ccbf4a2e3c6a0aa5a9b2b01b1e0b60e0b4fa6f0b69f3d5c6a2e1 https://example.com/install.sh /tmp/install.sh\nRUN sh /tmp/install.sh && rm /tmp/install.sh\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.11")],
        references: &["https://docs.docker.com/build/building/best-practices/#using-pipes"],
    },
    eval: |ctx| {
        if !has_run(ctx, false) {
            return Outcome::NotApplicable;
        }
        let mut out = Vec::new();
        for (_, i, cmds) in runs(ctx.file.stages.iter()) {
            let piped = cmds.windows(2).find(|w| {
                w[0].piped && matches!(w[0].name(), "curl" | "wget") && SHELLS.contains(&w[1].name())
            });
            let substituted = SUBSTITUTED_DOWNLOAD.as_ref().is_some_and(|r| r.is_match(&i.script()));
            if let Some(w) = piped {
                out.push(Violation::at(i.line, format!("{} output is piped into {}", w[0].name(), w[1].name())));
            } else if substituted {
                out.push(Violation::at(i.line, "a downloaded script is executed by a shell"));
            }
        }
        Outcome::from_violations(out)
    },
};

/// Whether the command is run through sudo.
fn via_sudo(c: &Command) -> bool {
    let prefix = c.words.len() - c.program().len();
    c.words[..prefix]
        .iter()
        .any(|w| w == "sudo" || w.ends_with("/sudo"))
}

pub static SUDO_USED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "sudoUsed",
        title: "sudo used in a RUN step",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "sudo in a Dockerfile means the image ships sudo (and usually a \
            sudoers rule) so that an unprivileged user can become root again; it also has \
            unpredictable TTY and signal behaviour in containers. Build steps that need root \
            should run before the `USER` switch instead.",
        remediation: "Run privileged steps as root before `USER app`, and do not install \
            sudo; if a step really needs to drop privileges at run time, use `gosu` or \
            `su-exec`.",
        example: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 && rm -rf /var/lib/apt/lists/*\nUSER 10001\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/build/building/best-practices/#user"],
    },
    eval: |ctx| {
        if !has_run(ctx, false) {
            return Outcome::NotApplicable;
        }
        let out = runs(ctx.file.stages.iter())
            .filter(|(_, _, cmds)| cmds.iter().any(via_sudo))
            .map(|(_, i, cmds)| {
                let what = cmds.iter().find(|c| via_sudo(c)).map_or("", |c| c.name()).to_string();
                Violation::at(i.line, format!("runs '{what}' through sudo"))
            })
            .collect();
        Outcome::from_violations(out)
    },
};

/// Whether a chmod mode makes files writable by everyone (`777`, `o+w`, `a+rwx`), except the
/// sticky-bit modes of shared temporary folders (`1777`).
fn world_writable(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_ascii_digit()) && (3..=4).contains(&mode.len()) {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let sticky = mode.len() == 4 && digits.first().is_some_and(|d| d & 1 == 1);
        return digits.last().is_some_and(|o| o & 2 == 2) && !sticky;
    }
    mode.split(',').any(|clause| {
        let (who, perms) = match clause.find(['+', '=']) {
            Some(i) => (&clause[..i], &clause[i + 1..]),
            None => return false,
        };
        (who.contains('o') || who.contains('a')) && perms.contains('w') && !perms.contains('t')
    })
}

pub static WORLD_WRITABLE_CHMOD: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "worldWritableChmod",
        title: "Files made world-writable (chmod 777)",
        category: Category::Security,
        severity: Severity::Medium,
        enabled: true,
        description: "`chmod 777` (or `o+w`, `a+rwx`, `COPY --chmod=777`) lets any user in the \
            container replace the files, often the application's own code or configuration: \
            a foothold as any user becomes code execution as the application. Sticky-bit \
            modes for shared temporary folders (`1777`) are fine.",
        remediation: "Give ownership to the user that needs to write (`COPY --chown=10001:10001`, \
            `chown`) and use `755`/`644` (or `775` for a shared group).",
        example: "FROM alpine:3.20\nCOPY --chown=10001:10001 --chmod=755 app /app\nUSER 10001\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/reference/dockerfile/#copy---chmod"],
    },
    eval: |ctx| {
        let mut out = Vec::new();
        let mut seen = has_run(ctx, false);
        for (_, i, cmds) in runs(ctx.file.stages.iter()) {
            for c in cmds.iter().filter(|c| c.name() == "chmod") {
                if let Some(m) = c.program()[1..]
                    .iter()
                    .find(|w| !w.starts_with('-') && world_writable(w))
                {
                    out.push(
                        Violation::at(i.line, format!("chmod {m} makes files world-writable"))
                            .keyed(m.as_str()),
                    );
                }
            }
        }
        for (_, i) in ctx.each(Keyword::Copy).chain(ctx.each(Keyword::Add)) {
            if let Some(m) = i.flag("chmod") {
                seen = true;
                if world_writable(m) {
                    out.push(
                        Violation::at(
                            i.line,
                            format!("{} --chmod={m} makes files world-writable", i.keyword),
                        )
                        .keyed(m),
                    );
                }
            }
        }
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

/// The option that disables verification in this command, if any.
fn insecure_option(c: &Command) -> Option<String> {
    let p = c.program();
    let args = p.get(1..).unwrap_or(&[]);
    let has = |o: &str| {
        args.iter()
            .any(|a| a == o || a.starts_with(&format!("{o}=")))
    };
    let found = |o: &str| Some(format!("{} {o}", c.name()));
    match c.name() {
        "curl" => {
            if has("--insecure") {
                return found("--insecure");
            }
            // `-k` alone or among combined short options (`-fsSLk`).
            args.iter()
                .find(|a| a.starts_with('-') && !a.starts_with("--") && a[1..].contains('k'))
                .map(|a| format!("curl {a}"))
        }
        "wget" if has("--no-check-certificate") => found("--no-check-certificate"),
        "apk" if has("--allow-untrusted") => found("--allow-untrusted"),
        "yum" | "dnf" | "microdnf" | "tdnf" | "rpm"
            if has("--nogpgcheck") || has("--nosignature") =>
        {
            found(if has("--nogpgcheck") {
                "--nogpgcheck"
            } else {
                "--nosignature"
            })
        }
        "apt-get" | "apt"
            if has("--allow-unauthenticated") || has("--allow-insecure-repositories") =>
        {
            found(if has("--allow-unauthenticated") {
                "--allow-unauthenticated"
            } else {
                "--allow-insecure-repositories"
            })
        }
        "pip" | "pip3" if has("--trusted-host") => found("--trusted-host"),
        "git" if args.iter().any(|a| a == "http.sslVerify=false") => {
            found("-c http.sslVerify=false")
        }
        _ => None,
    }
}

pub static PACKAGE_VERIFICATION_DISABLED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "packageVerificationDisabled",
        title: "Download or package verification switched off",
        category: Category::Security,
        severity: Severity::High,
        enabled: true,
        description: "`--no-check-certificate` (wget), `-k`/`--insecure` (curl), \
            `--allow-untrusted` (apk), `--nogpgcheck` (yum/dnf), `--allow-unauthenticated` \
            (apt), `--trusted-host` (pip) accept whatever a network attacker or a \
            compromised mirror serves: TLS or signature verification is what makes a \
            download the one the publisher released.",
        remediation: "Remove the option; install the missing CA certificates or repository \
            keys instead (`ca-certificates`, `rpm --import`, `apk add --allowed-keys`…).",
        example: "FROM alpine:3.20\nRUN apk add --no-cache ca-certificates=20240705-r0 curl=8.9.1-r1 && curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.11")],
        references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    },
    eval: |ctx| {
        if !has_run(ctx, false) {
            return Outcome::NotApplicable;
        }
        let mut out = Vec::new();
        for (_, i, cmds) in runs(ctx.file.stages.iter()) {
            if let Some(o) = cmds.iter().find_map(insecure_option) {
                out.push(Violation::at(i.line, format!("{o} disables verification")).keyed(o));
            }
        }
        Outcome::from_violations(out)
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        for yes in ["777", "0777", "666", "a+rwx", "o+w", "u+x,o+w", "ugo=rwx"] {
            assert!(world_writable(yes), "{yes}");
        }
        for no in [
            "755", "0644", "1777", "u+w", "g+w", "+w", "+x", "o+t", "a+r",
        ] {
            assert!(!world_writable(no), "{no}");
        }
    }
}
