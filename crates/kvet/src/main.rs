//! The `kvet` command: argument parsing, wiring and exit codes. Everything it calls lives in
//! the library crates; this file only decides what to run and how to end.

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

/// Every scan allocates many small, short-lived strings (YAML scalars, audit event fields);
/// mimalloc's thread-local free lists serve them markedly faster than glibc's malloc, and
/// return memory to the OS as readily (see the README's performance section for figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for usage and input errors (clap uses it for bad arguments too).
pub const EXIT_INPUT_ERROR: u8 = 2;
/// Exit code for partial results under `--strict` (some kinds could not be collected).
pub const EXIT_PARTIAL: u8 = 3;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Config(args) => commands::config::run(args),
        cli::Command::Fs(args) => commands::fs::run(args),
        cli::Command::Checks(args) => commands::checks::run(args),
        cli::Command::Audit(args) => commands::audit::run(args),
        cli::Command::Cluster(args) => commands::cluster::run(args),
        cli::Command::Sbom(args) => commands::sbom::run(args),
        cli::Command::Image(args) => commands::image::run(args),
        cli::Command::Db(args) => commands::db::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kvet: error: {e:#}");
            ExitCode::from(EXIT_INPUT_ERROR)
        }
    }
}
