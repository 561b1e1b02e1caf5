//! OS package installs: pinned versions, cleaned caches, no blanket upgrades.

use super::{has_run, runs};
use crate::ast::Instruction;
use crate::check::{Ctx, DockerCheck, DOCKERFILE};
use crate::shell::Command;
use kvet_checks::{Outcome, Violation};
use kvet_core::{Category, CheckMeta, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manager {
    Apt,
    Apk,
    Yum,
}

/// An install command: which manager, its options, the packages named.
struct Install<'a> {
    manager: Manager,
    name: &'a str,
    options: Vec<&'a str>,
    packages: Vec<&'a str>,
}

/// Options that take the next word as their value, per manager.
fn takes_value(m: Manager, opt: &str) -> bool {
    match m {
        Manager::Apt => matches!(
            opt,
            "-o" | "-t" | "-c" | "--target-release" | "--option" | "--config-file"
        ),
        Manager::Apk => matches!(
            opt,
            "-t" | "--virtual"
                | "-X"
                | "--repository"
                | "-p"
                | "--root"
                | "--arch"
                | "--cache-dir"
                | "--keys-dir"
                | "--repositories-file"
        ),
        Manager::Yum => matches!(
            opt,
            "-c" | "--config" | "--installroot" | "--releasever" | "-x" | "--exclude" | "--setopt"
        ),
    }
}

/// Reads `apt-get install …`, `apk add …`, `yum/dnf/microdnf install …` (and their
/// subcommand given after options: `apt-get -y install`).
fn install(c: &Command) -> Option<Install<'_>> {
    let (manager, verb) = match c.name() {
        "apt-get" | "apt" => (Manager::Apt, "install"),
        "apk" => (Manager::Apk, "add"),
        "yum" | "dnf" | "microdnf" | "tdnf" => (Manager::Yum, "install"),
        _ => return None,
    };
    let words = c.program();
    let mut options = Vec::new();
    let mut packages = Vec::new();
    let mut seen_verb = false;
    let mut i = 1;
    while let Some(w) = words.get(i) {
        i += 1;
        if w.starts_with('-') {
            options.push(w.as_str());
            if !w.contains('=') && takes_value(manager, w) {
                i += 1;
            }
        } else if !seen_verb {
            if w != verb {
                return None;
            }
            seen_verb = true;
        } else {
            packages.push(w.as_str());
        }
    }
    seen_verb.then_some(Install {
        manager,
        name: words
            .first()
            .map_or("", |w| w.rsplit('/').next().unwrap_or(w)),
        options,
        packages,
    })
}

fn pinned(m: Manager, pkg: &str) -> bool {
    if pkg.contains('$') || pkg.contains('/') {
        // A variable (unknown) or a local/remote package file.
        return true;
    }
    match m {
        Manager::Apt => pkg.contains('=') || pkg.ends_with(".deb"),
        Manager::Apk => pkg.contains(['=', '~', '<', '>']) || pkg.ends_with(".apk"),
        Manager::Yum => {
            pkg.ends_with(".rpm")
                || pkg.contains(['=', '<', '>'])
                || pkg.char_indices().any(|(i, ch)| {
                    ch == '-' && pkg[i + 1..].starts_with(|d: char| d.is_ascii_digit())
                })
        }
    }
}

/// Every install in the given stages' RUN lines, with the instruction and its full script.
fn installs_in<'a>(
    ctx: &Ctx<'a>,
    shipped_only: bool,
    mut f: impl FnMut(&'a Instruction, &str, &[Command], &Install<'_>),
) {
    let file = ctx.file;
    let stages = file
        .stages
        .iter()
        .filter(move |s| !shipped_only || file.is_shipped(s.index));
    for (_, i, cmds) in runs(stages) {
        let script = i.script();
        for c in &cmds {
            if let Some(inst) = install(c) {
                f(i, &script, &cmds, &inst);
            }
        }
    }
}

pub static PACKAGES_NOT_PINNED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "packagesNotPinned",
        title: "OS packages installed without versions",
        category: Category::Images,
        severity: Severity::Low,
        enabled: true,
        description: "`apt-get install curl` installs whatever version the mirror has that \
            day: rebuilds of the same commit differ, a vulnerable or broken update arrives \
            unreviewed, and a cached layer may keep an old one. Reported per install \
            command of apt-get/apt, apk and yum/dnf/microdnf naming a package without a \
            version (`curl=7.88.1-10+deb12u5`, `curl=8.9.1-r1`, `curl-8.9.1`). Package files \
            and variables are not judged.",
        remediation: "Pin versions (`apt-get install -y curl=7.88.1-10+deb12u5`, \
            `apk add curl=8.9.1-r1`, `dnf install -y curl-8.6.0`) and let Renovate or \
            Dependabot bump them; or build from a pinned base image that already has them.",
        example: "FROM debian:12.6-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u6 && rm -rf /var/lib/apt/lists/*\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        installs_in(ctx, false, |i, _, _, inst| {
            seen = true;
            let loose: Vec<&str> = inst.packages.iter().copied().filter(|p| !pinned(inst.manager, p)).collect();
            if !loose.is_empty() {
                out.push(
                    Violation::at(i.line, format!("{} installs without a version: {}", inst.name, loose.join(", ")))
                        .keyed(loose.join(",")),
                );
            }
        });
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

/// Whether a RUN cleans the manager's cache in the same layer (or keeps it in a cache mount).
fn cleans_cache(
    m: Manager,
    i: &Instruction,
    script: &str,
    cmds: &[Command],
    inst: &Install<'_>,
) -> bool {
    let cache_mount = |dirs: &[&str]| {
        i.flags
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| f.value.as_deref())
            .any(|v| v.contains("type=cache") && dirs.iter().any(|d| v.contains(d)))
    };
    let cleaned = |verb: &[&str]| {
        cmds.iter()
            .any(|c| verb.contains(&c.name()) && c.program().get(1).is_some_and(|w| w == "clean"))
    };
    match m {
        Manager::Apt => {
            script.contains("/var/lib/apt/lists")
                || cache_mount(&["/var/lib/apt", "/var/cache/apt"])
        }
        Manager::Apk => {
            inst.options.contains(&"--no-cache")
                || script.contains("/var/cache/apk")
                || cmds
                    .iter()
                    .any(|c| c.name() == "apk" && c.program().get(1).is_some_and(|w| w == "cache"))
                || cache_mount(&["/var/cache/apk", "/etc/apk/cache"])
        }
        Manager::Yum => {
            cleaned(&["yum", "dnf", "microdnf", "tdnf"])
                || script.contains("/var/cache/yum")
                || script.contains("/var/cache/dnf")
                || cache_mount(&["/var/cache/yum", "/var/cache/dnf"])
        }
    }
}

pub static PACKAGE_CACHE_NOT_CLEANED: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "packageCacheNotCleaned",
        title: "Package manager cache left in the image",
        category: Category::Efficiency,
        severity: Severity::Low,
        enabled: true,
        description: "Package indexes and downloaded archives left in a layer add tens of \
            megabytes to every pull and keep stale metadata in the image. They must be \
            removed in the same RUN as the install (a later RUN cannot shrink the earlier \
            layer). Only stages that reach the image count: a builder's cache is thrown \
            away. A cache mount (`RUN --mount=type=cache,target=/var/cache/apk`) passes.",
        remediation: "apt: end the RUN with `&& rm -rf /var/lib/apt/lists/*`; apk: use \
            `apk add --no-cache`; yum/dnf: end with `&& dnf clean all` (or `rm -rf \
            /var/cache/dnf`).",
        example: "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r1\n",
        kinds: DOCKERFILE,
        controls: &[],
        references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        installs_in(ctx, true, |i, script, cmds, inst| {
            seen = true;
            if !cleans_cache(inst.manager, i, script, cmds, inst) {
                let fix = match inst.manager {
                    Manager::Apt => "rm -rf /var/lib/apt/lists/*",
                    Manager::Apk => "--no-cache",
                    Manager::Yum => "clean all",
                };
                out.push(
                    Violation::at(
                        i.line,
                        format!("{} leaves its cache in the layer (no {fix})", inst.name),
                    )
                    .keyed(inst.name),
                );
            }
        });
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

pub static APT_NO_INSTALL_RECOMMENDS: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "aptNoInstallRecommends",
        title: "apt installs recommended packages",
        category: Category::Efficiency,
        severity: Severity::Low,
        enabled: true,
        description: "By default apt also installs every *recommended* package: often \
            dozens of packages nobody asked for, each one more thing to patch and to scan. \
            Only stages that reach the image count.",
        remediation: "Add `--no-install-recommends` to `apt-get install` and name what you \
            need explicitly.",
        example: "FROM debian:12.6-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 && rm -rf /var/lib/apt/lists/*\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.3")],
        references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    },
    eval: |ctx| {
        let mut seen = false;
        let mut out = Vec::new();
        installs_in(ctx, true, |i, script, _, inst| {
            if inst.manager != Manager::Apt {
                return;
            }
            seen = true;
            let off = inst.options.contains(&"--no-install-recommends")
                || script.contains("Install-Recommends=false")
                || script.contains("Install-Recommends \"false\"")
                || script.contains("Install-Recommends=0");
            if !off {
                out.push(Violation::at(i.line, format!("{} install without --no-install-recommends", inst.name)));
            }
        });
        if !seen {
            return Outcome::NotApplicable;
        }
        Outcome::from_violations(out)
    },
};

/// `apt-get upgrade`, `apt dist-upgrade`, `apk upgrade`, `yum update` (no packages named).
fn upgrade(c: &Command) -> Option<String> {
    let p = c.program();
    let verb = p.iter().skip(1).find(|w| !w.starts_with('-'))?;
    let named = p.iter().skip(1).filter(|w| !w.starts_with('-')).count() > 1;
    let hit = match c.name() {
        "apt-get" | "apt" => matches!(verb.as_str(), "upgrade" | "dist-upgrade" | "full-upgrade"),
        "apk" => verb == "upgrade" && !named,
        "yum" | "dnf" | "microdnf" => {
            matches!(verb.as_str(), "upgrade" | "update" | "distro-sync") && !named
        }
        _ => false,
    };
    hit.then(|| format!("{} {verb}", c.name()))
}

pub static PACKAGE_UPGRADE_IN_BUILD: DockerCheck = DockerCheck {
    meta: CheckMeta {
        id: "packageUpgradeInBuild",
        title: "Blanket package upgrade in the build",
        category: Category::Images,
        severity: Severity::Low,
        enabled: true,
        description: "`apt-get upgrade`/`dist-upgrade` (or `apk upgrade`, `dnf update`) \
            upgrades whatever the mirror has today: the image no longer matches its base \
            tag, builds are not reproducible, and essential packages that the base image \
            maintainers hold back may be replaced. Only stages that reach the image count.",
        remediation: "Rebuild on a newer base image tag instead, and install named, pinned \
            packages (`apt-get install -y --only-upgrade openssl=…` for a targeted fix).",
        example: "FROM debian:12.6-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssl=3.0.13-1~deb12u1 && rm -rf /var/lib/apt/lists/*\n",
        kinds: DOCKERFILE,
        controls: &[super::cis_docker("4.7")],
        references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    },
    eval: |ctx| {
        if !has_run(ctx, true) {
            return Outcome::NotApplicable;
        }
        let file = ctx.file;
        let mut out = Vec::new();
        for (_, i, cmds) in runs(file.stages.iter().filter(|s| file.is_shipped(s.index))) {
            if let Some(u) = cmds.iter().find_map(upgrade) {
                out.push(Violation::at(i.line, format!("{u} upgrades every package")).keyed(u));
            }
        }
        Outcome::from_violations(out)
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::commands;

    #[test]
    fn reads_installs() {
        let c = commands("apt-get -o Dpkg::Options::=--force-confold -y install curl=7 jq");
        let i = install(&c[0]).unwrap();
        assert_eq!(i.packages, ["curl=7", "jq"]);
        let c = commands("apk add --no-cache --virtual .build-deps gcc=13 musl-dev");
        let i = install(&c[0]).unwrap();
        assert_eq!(i.packages, ["gcc=13", "musl-dev"]);
        assert!(install(&commands("apt-get update")[0]).is_none());
        assert!(pinned(Manager::Yum, "httpd-2.4.57"));
        assert!(!pinned(Manager::Yum, "python3-pip"));
        assert!(pinned(Manager::Apk, "curl~8.9"));
        assert_eq!(
            upgrade(&commands("apt-get -y dist-upgrade")[0]).as_deref(),
            Some("apt-get dist-upgrade")
        );
        assert!(upgrade(&commands("apk upgrade openssl")[0]).is_none());
    }
}
