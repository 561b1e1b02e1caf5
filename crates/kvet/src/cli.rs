use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "kvet",
    version,
    about = "Kubernetes security scanner: manifests, clusters, images and audit logs",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan Kubernetes manifests and Dockerfiles (files, folders, stdin) for risky
    /// configuration and secrets
    Config(ConfigArgs),
    /// Scan any files of a folder for secrets (and, with --scanners misconfig, manifests and
    /// Dockerfiles for risky configuration)
    Fs(FsArgs),
    /// List the check catalogue, or show one check with `kvet checks show ID`
    Checks(ChecksArgs),
}

/// Flags shared by every scanning command (Trivy's names where users expect them).
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Report only these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN)
    #[arg(long, value_name = "LIST")]
    pub severity: Option<String>,
    /// Exit with this code when findings remain after filtering and whitelisting
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    /// Output format: table, json, sarif, junit
    #[arg(short, long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print nothing but the report and errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Whitelist file [default: .kvetignore.yaml in the working directory, if present]
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// Configuration file [default: kvet.yaml in the working directory, if present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// List passed (check × object) evaluations too (JSON and JUnit)
    #[arg(long)]
    pub include_passed: bool,
    /// Never colour the table (also: NO_COLOR environment variable)
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Files and folders to scan (`-` for standard input) [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Report invalid files but do not exit 2 because of them
    #[arg(long)]
    pub skip_invalid: bool,
    /// Run only these checks (comma-separated ids), including ones disabled by default
    #[arg(long, value_name = "IDS")]
    pub checks: Option<String>,
    /// What to look for (comma-separated): misconfig, secret
    #[arg(long, value_name = "LIST", default_value = "misconfig,secret")]
    pub scanners: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct FsArgs {
    /// Folders or files to scan [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// What to look for (comma-separated): secret, misconfig
    #[arg(long, value_name = "LIST", default_value = "secret")]
    pub scanners: String,
    /// Skip files larger than this many MiB
    #[arg(long, value_name = "MIB", default_value_t = 10)]
    pub max_file_size: u64,
    /// Report unreadable files but do not exit 2 because of them
    #[arg(long)]
    pub skip_invalid: bool,
    /// Run only these checks (comma-separated ids) for the misconfig scanner
    #[arg(long, value_name = "IDS")]
    pub checks: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub action: Option<ChecksAction>,
    /// Output format of the list: table, json, markdown
    #[arg(short, long, default_value = "table")]
    pub format: String,
}

#[derive(Subcommand, Debug)]
pub enum ChecksAction {
    /// Show one check: risk, remediation, example, framework mappings
    Show {
        /// The check id, e.g. runAsRootAllowed
        id: String,
    },
}
