//! `kvet sbom`: every package in an image or root filesystem, as a table, kvet JSON,
//! CycloneDX or SPDX.

use super::{image_target, output};
use crate::cli::SbomArgs;
use kvet_sbom::{Format, RenderOptions, Sbom};

pub fn run(args: SbomArgs) -> anyhow::Result<u8> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let scanned = image_target::scan(&args.target, args.quiet)?;
    let sbom = Sbom {
        target: &scanned.target,
        inventory: &scanned.inventory,
        vulnerabilities: None,
    };
    let mut opts = RenderOptions::new(env!("CARGO_PKG_VERSION"));
    opts.color = args.output.is_none() && output::stdout_is_terminal();
    output::write_report(&args.output, &|w| {
        kvet_sbom::render(&sbom, format, &opts, w).map_err(std::io::Error::other)
    })?;
    Ok(0)
}
