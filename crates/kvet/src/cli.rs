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
// Parsed once per run and matched at once: boxing the larger variants would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Scan Kubernetes manifests and Dockerfiles (files, folders, stdin) for risky
    /// configuration and secrets
    Config(ConfigArgs),
    /// Scan any files of a folder for secrets (and, with --scanners misconfig, manifests and
    /// Dockerfiles for risky configuration)
    Fs(FsArgs),
    /// List the check catalogue, or show one check with `kvet checks show ID`
    Checks(ChecksArgs),
    /// Analyse API-server audit logs: who did what, sensitive operations, risky requests
    Audit(AuditArgs),
    /// Scan live clusters through the Kubernetes API (or snapshots of them)
    Cluster(ClusterArgs),
    /// List every package in a container image or root filesystem (SBOM: table, JSON,
    /// CycloneDX, SPDX)
    Sbom(SbomArgs),
    /// Find known vulnerabilities in a container image or root filesystem (OS and language
    /// packages, matched against the local OSV database: see `kvet db`)
    Image(ImageArgs),
    /// Manage the local vulnerability database (OSV advisories): update, import, status
    Db(crate::commands::db::DbArgs),
}

/// Which clusters to reach, as kubectl does.
#[derive(Args, Debug, Clone)]
pub struct ClusterTargetArgs {
    /// Kubeconfig file [default: KUBECONFIG, then ~/.kube/config, then the pod's service account]
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Context to scan (repeat for several clusters) [default: the current context]
    #[arg(long = "context", value_name = "NAME")]
    pub contexts: Vec<String>,
    /// Scan every context of the kubeconfig
    #[arg(long, conflicts_with = "contexts")]
    pub all_contexts: bool,
    /// Only this namespace (cluster-scoped objects such as ClusterRoles are still read)
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Give up on a cluster after this long: 90, 90s, 5m
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
}

pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (90, 90s, 5m, 1h)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("'{s}' is not a duration (90, 90s, 5m, 1h)")),
    };
    Ok(std::time::Duration::from_secs(secs.max(1)))
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub action: Option<ClusterAction>,
    #[command(flatten)]
    pub target: ClusterTargetArgs,
    /// Analyse these snapshot files (from `kvet cluster snapshot`) instead of live clusters
    #[arg(long = "snapshot", value_name = "FILE")]
    pub snapshots: Vec<PathBuf>,
    /// Run only these checks (comma-separated ids), including ones disabled by default
    #[arg(long, value_name = "IDS")]
    pub checks: Option<String>,
    /// Exit 3 when some kinds could not be collected (forbidden, not served) or some images
    /// could not be scanned
    #[arg(long)]
    pub strict: bool,
    /// What to look for (comma-separated): misconfig, vuln (every image the cluster runs,
    /// pulled and matched against the local vulnerability database)
    #[arg(long, value_name = "LIST", default_value = "misconfig")]
    pub scanners: String,
    #[command(flatten)]
    pub vuln: ClusterVulnArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How `kvet cluster --scanners vuln` pulls and matches images.
#[derive(Args, Debug, Clone)]
pub struct ClusterVulnArgs {
    /// Folder of the vulnerability database [default: KVET_DB_DIR, else ~/.cache/kvet/db]
    #[arg(long, value_name = "DIR", env = "KVET_DB_DIR")]
    pub db_dir: Option<PathBuf>,
    /// Report only vulnerabilities that have a fixed version
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Images pulled and scanned at the same time
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    #[command(flatten)]
    pub registry: crate::commands::image_target::RegistryArgs,
    /// Give up on a registry request that stalls this long: 60, 60s, 2m
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub image_timeout: std::time::Duration,
}

#[derive(Subcommand, Debug)]
pub enum ClusterAction {
    /// Collect only: write the clusters' objects to a compressed snapshot file
    Snapshot(SnapshotArgs),
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: ClusterTargetArgs,
    /// The snapshot file to write
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
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

#[derive(Args, Debug)]
pub struct ImageArgs {
    #[command(flatten)]
    pub target: crate::commands::image_target::ImageTargetArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Report only vulnerabilities that have a fixed version
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Folder of the vulnerability database [default: KVET_DB_DIR, else ~/.cache/kvet/db]
    #[arg(long, value_name = "DIR", env = "KVET_DB_DIR")]
    pub db_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SbomArgs {
    #[command(flatten)]
    pub target: crate::commands::image_target::ImageTargetArgs,
    /// Output format: table, json, cyclonedx, spdx
    #[arg(short, long, default_value = "table")]
    pub format: String,
    /// Write the SBOM to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress bar and no warnings on standard error (errors are still printed)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Audit log files: JSON lines or EventList documents, plain or gzip; `-` for stdin
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Only requests received at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only requests received at or before this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only requests made by (or impersonating) this user
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Only requests on objects of this namespace
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Output format: table, json, markdown, html
    #[arg(short, long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report only findings of these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW)
    #[arg(long, value_name = "LIST")]
    pub severity: Option<String>,
    /// Exit with this code when findings remain after filtering and whitelisting
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    /// Whitelist file [default: .kvetignore.yaml in the working directory, if present]
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// Print nothing but the report and errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Rows per "top" table (operations, users, namespaces) in table, markdown and html
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Longest audit log line read, in bytes; longer lines are skipped and reported
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20, hide = true)]
    pub max_line: usize,
}
