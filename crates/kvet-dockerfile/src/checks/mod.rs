//! The Dockerfile catalogue. Each module holds the checks of one topic; each check is a
//! `static` [`DockerCheck`]: metadata (with a fixed Dockerfile as its example) and a pure
//! function, readable on one screen.
//!
//! Multi-stage semantics: checks about what the image *is* (its user, health check, exposed
//! ports, package caches) look only at the stages that reach the image — the final stage and
//! the stages it is built `FROM`. Stages that are only copied from (`COPY --from=builder`)
//! are builders; checks about how the build *behaves* (unpinned bases, piping curl into a
//! shell, disabled signature checks, secrets in ARG/ENV) look at every stage.

use crate::ast::{Instruction, Keyword, Stage};
use crate::check::{Ctx, DockerCheck};
use crate::shell::{self, Command};
use kvet_core::Control;

mod build;
mod image;
mod layout;
mod packages;
mod secrets;

static ALL: &[&DockerCheck] = &[
    &image::IMAGE_RUNS_AS_ROOT,
    &image::BASE_IMAGE_NOT_PINNED,
    &image::HEALTHCHECK_MISSING,
    &image::SSH_PORT_EXPOSED,
    &layout::ADD_INSTEAD_OF_COPY,
    &layout::ADD_REMOTE_URL,
    &layout::COPY_ALL_WITHOUT_DOCKERIGNORE,
    &layout::WORKDIR_RELATIVE,
    &layout::MAINTAINER_DEPRECATED,
    &layout::MULTIPLE_CMD_OR_ENTRYPOINT,
    &build::PIPE_TO_SHELL,
    &build::SUDO_USED,
    &build::WORLD_WRITABLE_CHMOD,
    &build::PACKAGE_VERIFICATION_DISABLED,
    &packages::PACKAGES_NOT_PINNED,
    &packages::PACKAGE_CACHE_NOT_CLEANED,
    &packages::APT_NO_INSTALL_RECOMMENDS,
    &packages::PACKAGE_UPGRADE_IN_BUILD,
    &secrets::SECRET_IN_ENV_OR_ARG,
];

/// Every Dockerfile check, in catalogue order.
pub fn all() -> &'static [&'static DockerCheck] {
    ALL
}

pub fn find(id: &str) -> Option<&'static DockerCheck> {
    ALL.iter().copied().find(|c| c.meta.id == id)
}

pub(crate) const fn cis_docker(id: &'static str) -> Control {
    Control {
        framework: "CIS Docker Benchmark 1.6",
        id,
    }
}

/// RUN instructions of the given stages with their simple commands.
pub(crate) fn runs<'a>(
    stages: impl Iterator<Item = &'a Stage> + 'a,
) -> impl Iterator<Item = (&'a Stage, &'a Instruction, Vec<Command>)> + 'a {
    stages.flat_map(|s| {
        s.instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Run)
            .map(move |i| (s, i, shell::commands(&i.script())))
    })
}

/// Applicability for checks that look at RUN lines: not applicable to a file without any.
pub(crate) fn has_run(ctx: &Ctx<'_>, shipped_only: bool) -> bool {
    ctx.file
        .stages
        .iter()
        .filter(|s| !shipped_only || ctx.file.is_shipped(s.index))
        .any(|s| s.instructions.iter().any(|i| i.keyword == Keyword::Run))
}

/// "stage 'builder'" or "stage 2" for messages.
pub(crate) fn stage_label(s: &Stage) -> String {
    match &s.name {
        Some(n) => format!("stage '{n}'"),
        None => format!("stage {}", s.index + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_well_formed() {
        let mut ids: HashSet<&str> = kvet_checks::all().iter().map(|c| c.meta.id).collect();
        for c in all() {
            let m = &c.meta;
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.chars().next().unwrap().is_ascii_lowercase(),
                "{}",
                m.id
            );
            assert!(!m.title.is_empty() && m.description.len() > 40, "{}", m.id);
            assert!(m.remediation.len() > 20, "{}", m.id);
            assert!(
                m.example.starts_with("FROM ") || m.example.starts_with("# syntax"),
                "{} example is a Dockerfile",
                m.id
            );
            crate::parse(m.example)
                .unwrap_or_else(|e| panic!("{}: example does not parse: {e}", m.id));
            assert_eq!(m.kinds, ["Dockerfile"], "{}", m.id);
        }
    }
}
