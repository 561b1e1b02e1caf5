//! Lists what the cataloguers find in an unpacked root filesystem: one `purl  location` line
//! per package, then the warnings. Reads the files the image walker would keep (wanted paths
//! and executables), so it shows what `kvet sbom` will report for the same image.
//!
//! Run: `cargo run -p kvet-inventory --example inventory -- ROOT`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: inventory ROOT");
        return ExitCode::from(2);
    };
    let files = match kvet_inventory::rootfs::read_tree(&root, true) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let inv = kvet_inventory::catalogue(&files);
    println!("distro: {}", inv.distro.purl_qualifier());
    for p in &inv.packages {
        println!("{:<60} {}", p.purl, p.location);
    }
    for w in &inv.warnings {
        println!("warning: {}: {}", w.location, w.message);
    }
    ExitCode::SUCCESS
}
