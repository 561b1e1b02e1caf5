//! Rendering time per format for a large real-based inventory.
//!
//! A plain `harness = false` benchmark (as in kvet-inventory): it is for spotting an
//! order-of-magnitude regression (something going quadratic in the package count), not for
//! fine comparisons. The inventory is the Debian 12 python status file
//! (`dpkg/debian12-python.status`, 126 packages, with their real `.list`-less records) plus the
//! CBL-Mariner rpmdb (`rpmdb/cbl-mariner-2.0/rpmdb.sqlite`, 129 packages), each package repeated
//! at `COPIES` locations (default 40 → 10,200 packages, every PURL shared 40 times, the worst
//! case for bom-ref disambiguation), and one vulnerability per 10 packages.
//!
//! Run: `cargo bench -p kvet-sbom` (`KVET_SBOM_COPIES=N` to change the size).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use kvet_inventory::{Files, Inventory};
use kvet_sbom::{render, Affected, Format, RenderOptions, Sbom, Target, Vulnerability};

fn inventory(copies: usize) -> Inventory {
    let dir = kvet_core::testdata_dir().expect("shared testdata");
    let read = |rel: &str| std::fs::read(dir.join(rel)).expect(rel);
    let files: Files = [
        (
            "/etc/os-release".to_owned(),
            read("os-release/debian12_etc_os-release"),
        ),
        (
            "/var/lib/dpkg/status".to_owned(),
            read("dpkg/debian12-python.status"),
        ),
        (
            "/var/lib/rpm/rpmdb.sqlite".to_owned(),
            read("rpmdb/cbl-mariner-2.0/rpmdb.sqlite"),
        ),
    ]
    .into_iter()
    .collect();
    let base = kvet_inventory::catalogue(&files);
    let mut inv = base.clone();
    inv.packages.clear();
    for i in 0..copies {
        for p in &base.packages {
            let mut p = p.clone();
            p.location = format!("/copy{i}{}", p.location);
            inv.packages.push(p);
        }
    }
    inv
}

fn main() {
    let copies: usize = std::env::var("KVET_SBOM_COPIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let inv = inventory(copies);
    let vulns: Vec<Vulnerability> = inv
        .packages
        .iter()
        .step_by(10)
        .enumerate()
        .map(|(i, p)| Vulnerability {
            id: format!("KVET-BENCH-{i}"),
            aliases: vec![],
            source: None,
            severity: None,
            ratings: vec![],
            description: None,
            fixed_versions: vec![],
            affects: vec![Affected {
                purl: p.purl.clone(),
                location: Some(p.location.clone()),
            }],
            references: vec![],
            cwes: vec![],
            published: None,
            modified: None,
            analysis: None,
        })
        .collect();
    let target = Target::image("bench:latest", Some("sha256:00".into()));
    let opts = RenderOptions {
        now: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        serial: uuid::Uuid::nil(),
        tool_version: "bench".into(),
        color: false,
    };
    println!(
        "{} packages, {} vulnerabilities",
        inv.packages.len(),
        vulns.len()
    );
    for (name, format, with_vulns) in [
        ("cyclonedx", Format::CycloneDx, false),
        ("cyclonedx+vulns", Format::CycloneDx, true),
        ("spdx", Format::Spdx, false),
        ("json", Format::Json, false),
        ("table", Format::Table, false),
    ] {
        let sbom = Sbom {
            target: &target,
            inventory: &inv,
            vulnerabilities: with_vulns.then_some(vulns.as_slice()),
        };
        let mut out = Vec::new();
        render(&sbom, format, &opts, &mut out).unwrap();
        let size = out.len();
        let mut times = Vec::new();
        let budget = Instant::now();
        while budget.elapsed() < Duration::from_secs(2) || times.len() < 3 {
            let mut out = Vec::with_capacity(size);
            let t = Instant::now();
            render(black_box(&sbom), format, &opts, &mut out).unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{name:<16} median {:>8.1} ms over {:>3} runs, output {:>6.1} MiB",
            median.as_secs_f64() * 1e3,
            times.len(),
            size as f64 / (1024.0 * 1024.0)
        );
    }
}
