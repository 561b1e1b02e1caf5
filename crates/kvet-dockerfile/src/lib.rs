//! Dockerfiles: parsing with line numbers, and the Dockerfile checks.
//!
//! [`parse`] turns text into a [`Dockerfile`] (stages of uniform [`Instruction`]s, each with
//! its line, variables substituted); [`analyse`] runs the catalogue on it and returns
//! findings. Both are pure: the collector (the CLI) reads files and passes in the facts a
//! check cannot see in the text, such as whether a `.dockerignore` sits next to the file.

pub mod ast;
pub mod check;
pub mod checks;
pub mod engine;
mod error;
pub mod files;
pub mod parse;
pub mod shell;
pub mod vars;

pub use ast::{Args, Dockerfile, Flag, Heredoc, Instruction, Keyword, Stage};
pub use check::{Ctx, DockerCheck, Facts};
pub use checks::{all, find};
pub use engine::{analyse, Analysis};
pub use error::DockerfileError;
pub use files::is_dockerfile_name;
pub use parse::parse;
