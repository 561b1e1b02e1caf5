//! Throughput figures for the README (ignored by default; run with
//! `cargo test --release -p kvet-image --test source_bench -- --ignored --nocapture`):
//! pulling a 128 MiB layer from a local registry into the cache (download + hash + write),
//! and indexing a `docker save` archive of it. The layer holds the real dpkg status
//! (testdata/dpkg/debian12-minbase.status) plus incompressible filler.

mod common_source;

use std::time::Instant;

use common_source::oci::*;
use common_source::registry::*;
use common_source::{opts, read_layer};
use kvet_image::{open, SourceOptions, SourceSpec};

const FILLER: usize = 128 << 20;

fn filler() -> Vec<u8> {
    // xorshift: incompressible, deterministic, no dependency.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut v = Vec::with_capacity(FILLER);
    while v.len() < FILLER {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

#[test]
#[ignore]
fn bench_pull_and_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let built = build_image(
        &layout,
        "linux",
        "amd64",
        None,
        &[Layer {
            files: vec![
                ("var/lib/dpkg/status", debian_dpkg_status()),
                ("opt/blob.bin", filler()),
            ],
            comp: Comp::Plain,
            created_by: "ADD big /",
        }],
    );
    write_single_index(&layout, &built, "big");
    let size = built.layers[0].size;

    let storage = tmp.path().join("storage");
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    reg.push(&layout, "big", "bench/big");
    let cache = tmp.path().join("cache");
    let o = SourceOptions {
        insecure: true,
        ..opts(&cache)
    };
    let spec = SourceSpec::registry(&format!("{}/bench/big:big", reg.host())).unwrap();
    let t = Instant::now();
    let (image, blobs) = open(&spec, &o).unwrap();
    let resolve = t.elapsed();
    let t = Instant::now();
    let bytes = read_layer(blobs.as_ref(), &image.layers[0]);
    let pull = t.elapsed();
    assert_eq!(bytes.len() as u64, size);
    let t = Instant::now();
    let (_, blobs) = open(&spec, &o).unwrap();
    let again = read_layer(blobs.as_ref(), &image.layers[0]);
    let cached = t.elapsed();
    assert_eq!(again.len() as u64, size);
    println!(
        "registry: resolve {:.1} ms; pull {} MiB into the cache {:.2} s = {:.0} MiB/s; cached open+read {:.2} s",
        resolve.as_secs_f64() * 1e3,
        size >> 20,
        pull.as_secs_f64(),
        (size as f64 / (1 << 20) as f64) / pull.as_secs_f64(),
        cached.as_secs_f64()
    );

    // A docker save of the same image, and an OCI archive of the layout.
    let archive = tmp.path().join("big.tar");
    let out = std::process::Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--quiet"])
        .arg(format!("oci:{}:big", layout.display()))
        .arg(format!("docker-archive:{}:bench/big:1", archive.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let oci_archive = tmp.path().join("big-oci.tar");
    tar_dir(&layout, &oci_archive);
    for a in [&archive, &oci_archive] {
        let t = Instant::now();
        let (image, blobs) = open(&SourceSpec::Archive(a.clone()), &opts(&cache)).unwrap();
        let index = t.elapsed();
        let t = Instant::now();
        let n = read_layer(blobs.as_ref(), &image.layers[0]).len();
        let read = t.elapsed();
        println!(
            "{}: open (index the tar, read manifest and config) {:.2} ms; read the {} MiB layer {:.3} s",
            a.file_name().unwrap().to_string_lossy(),
            index.as_secs_f64() * 1e3,
            n >> 20,
            read.as_secs_f64()
        );
    }
}
