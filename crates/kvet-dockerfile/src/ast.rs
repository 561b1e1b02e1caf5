//! The Dockerfile as kvet's checks see it: one uniform [`Instruction`] shape for all eighteen
//! instructions, every one with its 1-based line, grouped into build stages, with `ARG`/`ENV`
//! references already substituted where the builder substitutes them.

use std::fmt;

/// The instruction keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--name[=value]` option of an instruction (`COPY --from=builder`, `RUN --mount=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// The arguments of an instruction, in the form it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// JSON (exec) form: `CMD ["node", "server.js"]`, `SHELL [...]`, `VOLUME [...]`.
    Exec(Vec<String>),
    /// Shell form of RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD: the logical line, continuations
    /// joined and comment lines inside them removed. Not substituted: the shell does that.
    Shell(String),
    /// Space-separated words: COPY/ADD sources then destination, EXPOSE ports, VOLUME paths.
    Words(Vec<String>),
    /// The argument text of ARG, ENV, LABEL, USER, WORKDIR, MAINTAINER, STOPSIGNAL.
    Text(String),
    /// `FROM image [AS name]`.
    Image {
        image: String,
        alias: Option<String>,
    },
    /// `HEALTHCHECK NONE`.
    None,
}

/// A here-document (`RUN <<EOF … EOF`, `COPY <<A <<B /dest/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// Line of the first body line.
    pub line: u32,
    pub body: String,
    /// False for a quoted delimiter (`<<"EOF"`): the body is taken literally.
    pub expand: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// 1-based line of the keyword.
    pub line: u32,
    /// Last line of the instruction (continuations and here-documents included).
    pub end_line: u32,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The instruction an `ONBUILD` defers.
    pub onbuild: Option<Box<Instruction>>,
}

impl Instruction {
    /// The value of flag `--name`, if given (the last one wins, as in the builder).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// The words of a Words or Exec argument list (empty otherwise).
    pub fn words(&self) -> &[String] {
        match &self.args {
            Args::Words(w) | Args::Exec(w) => w,
            _ => &[],
        }
    }

    /// The argument text of a Text instruction (empty otherwise).
    pub fn text(&self) -> &str {
        match &self.args {
            Args::Text(t) => t,
            _ => "",
        }
    }

    /// What a RUN (or CMD/ENTRYPOINT/HEALTHCHECK) executes, as shell text: the shell-form
    /// line or the exec-form words joined by spaces, followed by every here-document body
    /// (`RUN <<EOF` runs its body as a script).
    pub fn script(&self) -> String {
        let mut s = match &self.args {
            Args::Shell(t) => t.clone(),
            Args::Exec(w) => w.join(" "),
            _ => String::new(),
        };
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(&h.body);
        }
        s
    }
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// The `FROM` instruction (its image already substituted with the global ARGs).
    pub from: Instruction,
    /// The base image reference as written after substitution (`golang:1.22`, `builder`).
    pub base: String,
    /// `AS name`, lower-cased as the builder compares it.
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// Index of the earlier stage this one is built `FROM`, if any.
    pub fn parent<'a>(&self, all: &'a [Stage]) -> Option<&'a Stage> {
        let base = self.base.to_ascii_lowercase();
        all[..self.index]
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(base.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// `# syntax=` directive.
    pub syntax: Option<String>,
    /// The escape character (`\` unless `# escape=` says `` ` ``).
    pub escape: char,
    /// ARGs declared before the first FROM (usable in FROM lines).
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage whose result is the image.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Whether stage `i` ends up in the final image: the final stage and the stages it is
    /// built `FROM`, transitively. Stages that are only copied from (`COPY --from`) are
    /// builders: their users, caches and health checks never reach the image.
    pub fn is_shipped(&self, i: usize) -> bool {
        let mut cur = self.final_stage();
        while let Some(s) = cur {
            if s.index == i {
                return true;
            }
            cur = s.parent(&self.stages);
        }
        false
    }

    /// Whether `name` is the name of a stage before stage `before` (so `FROM name` and
    /// `COPY --from=name` refer to it rather than to an image).
    pub fn is_stage_name(&self, name: &str, before: usize) -> bool {
        let n = name.to_ascii_lowercase();
        self.stages[..before.min(self.stages.len())]
            .iter()
            .any(|s| s.name.as_deref() == Some(n.as_str()) || s.index.to_string() == n)
    }
}
