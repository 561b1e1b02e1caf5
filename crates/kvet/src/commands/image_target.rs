//! What `kvet sbom` and `kvet image` scan: a registry image, a `docker save` / OCI archive or
//! layout (`--input`), or an unpacked root filesystem (`--rootfs`) — turned into an inventory.
//! The commands differ only in what they do with it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kvet_image::{
    scan_image, scan_rootfs, Credentials, Limits, Platform, SourceOptions, SourceSpec,
};
use kvet_inventory::{Inventory, Warning};
use kvet_sbom::Target;

/// Where the image comes from, as Trivy and docker spell it.
#[derive(Args, Debug, Clone)]
pub struct ImageTargetArgs {
    /// Image reference: nginx:1.25.3, registry.local:5000/app@sha256:… (Docker Hub by default)
    #[arg(value_name = "IMAGE", required_unless_present_any = ["input", "rootfs"])]
    pub image: Option<String>,
    /// A `docker save` tarball, an OCI archive, or an OCI image layout directory
    #[arg(long, value_name = "PATH", conflicts_with_all = ["image", "rootfs"])]
    pub input: Option<PathBuf>,
    /// An unpacked root filesystem (symlinks are resolved inside it, never on the host)
    #[arg(long, value_name = "DIR", conflicts_with_all = ["image", "input"])]
    pub rootfs: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Which image of an archive or layout holding several (a tag or ref name)
    #[arg(long, value_name = "NAME")]
    pub image_name: Option<String>,
    /// Give up on a registry request that stalls this long: 60, 60s, 2m
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::cli::parse_duration)]
    pub timeout: Duration,
}

/// How images are pulled from registries: shared by `kvet sbom`, `kvet image` and `kvet cluster
/// --scanners vuln`, so the flags mean the same everywhere.
#[derive(Args, Debug, Clone)]
pub struct RegistryArgs {
    /// Platform of a multi-platform image: os/arch[/variant]
    #[arg(long, value_name = "PLATFORM", default_value = "linux/amd64")]
    pub platform: String,
    /// Registry user name (wins over ~/.docker/config.json; for `kvet cluster`, used for
    /// images no readable pull secret covers)
    #[arg(long, env = "KVET_USERNAME", requires = "password")]
    pub username: Option<String>,
    /// Registry password or token
    #[arg(
        long,
        env = "KVET_PASSWORD",
        requires = "username",
        hide_env_values = true
    )]
    pub password: Option<String>,
    /// Talk plain HTTP to the registry (for registries without TLS)
    #[arg(long)]
    pub insecure: bool,
    /// Extra CA certificates (PEM) to trust for the registry
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Where pulled layers are cached by digest [default: ~/.cache/kvet/blobs]
    #[arg(long, value_name = "DIR", env = "KVET_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl RegistryArgs {
    /// `--username/--password`, when given.
    pub fn credentials(&self) -> Option<Credentials> {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Some(Credentials {
                username: u.clone(),
                password: p.clone(),
            }),
            _ => None,
        }
    }

    /// The source options these flags set, with `timeout` per registry request.
    pub fn source_options(&self, timeout: Duration) -> anyhow::Result<SourceOptions> {
        Ok(SourceOptions {
            platform: Platform::parse(&self.platform)?,
            credentials: self.credentials(),
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            cache_dir: self.cache_dir.clone(),
            timeout,
            ..SourceOptions::default()
        })
    }
}

/// One scanned target.
pub struct Scanned {
    pub target: Target,
    pub inventory: Inventory,
}

/// Resolves, pulls (when needed) and inventories the target. Squash and cataloguer warnings are
/// printed to standard error unless `quiet`; they are also kept in the inventory.
pub fn scan(args: &ImageTargetArgs, quiet: bool) -> anyhow::Result<Scanned> {
    let limits = Limits::default();
    if let Some(dir) = &args.rootfs {
        anyhow::ensure!(dir.is_dir(), "{}: not a directory", dir.display());
        let inventory = scan_rootfs(dir, &limits)?;
        print_warnings(&inventory.warnings, quiet);
        return Ok(Scanned {
            target: Target::filesystem(dir.display().to_string()),
            inventory,
        });
    }
    let spec = match (&args.image, &args.input) {
        (_, Some(path)) => SourceSpec::input(path)?,
        (Some(reference), None) => SourceSpec::registry(reference)?,
        (None, None) => anyhow::bail!("name an image, or use --input or --rootfs"),
    };
    let bar = progress_bar(quiet);
    let download_bar = bar.clone();
    let opts = SourceOptions {
        limits,
        image: args.image_name.clone(),
        progress: Some(Arc::new(move |p: kvet_image::Progress<'_>| {
            download_bar.set_message(format!("pulling {}", short(p.digest)));
            if let Some(t) = p.total {
                download_bar.set_length(t);
            }
            download_bar.set_position(p.done);
        })),
        ..args.registry.source_options(args.timeout)?
    };
    let (image, blobs) =
        kvet_image::open(&spec, &opts).with_context(|| format!("cannot open image {spec}"))?;
    let scan_bar = bar.clone();
    let on_layer = move |p: &kvet_image::ScanProgress<'_>| {
        scan_bar.set_message(format!(
            "layer {}/{} {}",
            p.layer + 1,
            p.layers,
            short(p.digest)
        ));
        if let Some(size) = p.size {
            scan_bar.set_length(size);
        }
        scan_bar.set_position(p.bytes);
    };
    let scanned = scan_image(&image, blobs.as_ref(), &limits, Some(&on_layer))
        .with_context(|| format!("cannot read image {spec}"))?;
    bar.finish_and_clear();
    let mut inventory = scanned.inventory;
    let mut warnings = scanned.warnings;
    warnings.append(&mut inventory.warnings);
    inventory.warnings = warnings;
    print_warnings(&inventory.warnings, quiet);
    let digest = image
        .manifest_digest
        .clone()
        .or(image.config_digest.clone());
    let name = image.reference.clone().unwrap_or(image.name.clone());
    Ok(Scanned {
        target: Target::image(name, digest),
        inventory,
    })
}

fn short(digest: &str) -> &str {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    hex.get(..12).unwrap_or(hex)
}

fn progress_bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        None,
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// At most this many warnings are printed one by one; the rest are counted.
const SHOWN_WARNINGS: usize = 10;

fn print_warnings(warnings: &[Warning], quiet: bool) {
    if quiet {
        return;
    }
    for w in warnings.iter().take(SHOWN_WARNINGS) {
        eprintln!("kvet: warning: {}: {}", w.location, w.message);
    }
    if warnings.len() > SHOWN_WARNINGS {
        eprintln!(
            "kvet: warning: {} more (see the JSON output)",
            warnings.len() - SHOWN_WARNINGS
        );
    }
}
