//! Scans an OCI image layout directory and prints a summary (or, with `--layers`, the layer
//! blob paths, for bench/image_bench.sh to decompress the same bytes with gzip/zstd). The
//! layout is read with the tests' small reader: the real one is `kvet_image::source`'s.
//!
//!     cargo run --release -p kvet-image --example scan_oci_layout -- target/test-images/debian-bookworm

#[path = "../tests/common_squash/mod.rs"]
mod common_squash;

use std::path::PathBuf;
use std::time::Instant;

use kvet_image::{scan_image, Limits};

fn main() {
    let mut args = std::env::args().skip(1);
    let (list, dir) = match (args.next(), args.next()) {
        (Some(flag), Some(dir)) if flag == "--layers" => (true, dir),
        (Some(dir), None) => (false, dir),
        _ => {
            eprintln!("usage: scan_oci_layout [--layers] OCI_LAYOUT_DIR");
            std::process::exit(2);
        }
    };
    let blobs = common_squash::LayoutBlobs {
        root: PathBuf::from(&dir),
    };
    let image = blobs.image();
    if list {
        for l in &image.layers {
            let (alg, hex) = l.digest.split_once(':').unwrap_or(("sha256", &l.digest));
            println!("{}", blobs.root.join("blobs").join(alg).join(hex).display());
        }
        return;
    }
    let start = Instant::now();
    match scan_image(&image, &blobs, &Limits::default(), None) {
        Ok(inv) => {
            let secs = start.elapsed().as_secs_f64();
            let stored: u64 = inv.layers.iter().map(|l| l.stored_bytes).sum();
            let raw: u64 = inv.layers.iter().map(|l| l.uncompressed_bytes).sum();
            println!(
                "{dir}: {} packages ({} distro {}), {} layers, {:.1} MB stored, {:.1} MB tar, {} warnings, {:.3} s",
                inv.inventory.packages.len(),
                inv.inventory.distro.id,
                inv.inventory.distro.version_id.as_deref().unwrap_or("?"),
                inv.layers.len(),
                stored as f64 / 1e6,
                raw as f64 / 1e6,
                inv.warnings.len() + inv.inventory.warnings.len(),
                secs
            );
            for w in inv.warnings.iter().chain(&inv.inventory.warnings) {
                eprintln!("  warning: {}: {}", w.location, w.message);
            }
            for l in &inv.layers {
                eprintln!(
                    "  layer {} {} {:?}: {} entries, {} files kept, {} packages — {}",
                    l.index,
                    l.digest,
                    l.compression,
                    l.entries,
                    l.kept_files,
                    l.packages,
                    l.created_by.as_deref().unwrap_or("")
                );
            }
        }
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    }
}
