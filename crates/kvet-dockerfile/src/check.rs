//! What a Dockerfile check is: metadata plus a pure function of the parsed file and the
//! facts the collector gathered around it.

use crate::ast::{Dockerfile, Instruction, Keyword, Stage};
use kvet_checks::{Outcome, Settings};
use kvet_core::CheckMeta;

/// Facts about a Dockerfile that are not in its text; the collector finds them, the checks
/// only read them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// A `.dockerignore` (or `<name>.dockerignore`) lies next to the Dockerfile.
    pub has_dockerignore: bool,
}

pub struct Ctx<'a> {
    pub file: &'a Dockerfile,
    pub facts: &'a Facts,
    pub settings: &'a Settings,
}

impl<'a> Ctx<'a> {
    /// Stages whose result reaches the image (the final stage and what it is built FROM).
    pub fn shipped(&self) -> impl Iterator<Item = &'a Stage> + 'a {
        let file = self.file;
        file.stages.iter().filter(move |s| file.is_shipped(s.index))
    }

    /// Every instruction with this keyword in every stage, with its stage.
    pub fn each(
        &self,
        keyword: Keyword,
    ) -> impl Iterator<Item = (&'a Stage, &'a Instruction)> + 'a {
        self.file.stages.iter().flat_map(move |s| {
            s.instructions
                .iter()
                .filter(move |i| i.keyword == keyword)
                .map(move |i| (s, i))
        })
    }
}

pub struct DockerCheck {
    pub meta: CheckMeta,
    /// `NotApplicable` when the file has nothing the check looks at (no RUN, no ADD…).
    pub eval: fn(&Ctx<'_>) -> Outcome,
}

/// The kinds every Dockerfile check lists.
pub const DOCKERFILE: &[&str] = &["Dockerfile"];
