//! Parse throughput of the package-database readers, on the real files in `testdata/`.
//!
//! A plain `harness = false` benchmark timed with `std::time::Instant` rather than criterion:
//! these numbers are for spotting order-of-magnitude regressions (a parser going quadratic), and
//! a dependency-free harness keeps the workspace's offline build small. Each case runs for about
//! a second after a warm-up and reports the median iteration time, MiB/s and packages/s.
//!
//! Run: `cargo bench -p kvet-inventory` (set `KVET_TESTDATA` if the data is not in
//! `/work/shared/testdata`; pass a substring to run only matching cases).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kvet_inventory::{apk, dpkg, rpm, Distro};

fn testdata() -> PathBuf {
    std::env::var_os("KVET_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/testdata"))
}

fn bench(name: &str, filter: Option<&str>, rel: &str, f: impl Fn(&[u8]) -> usize) {
    if filter.is_some_and(|flt| !name.contains(flt)) {
        return;
    }
    let Ok(bytes) = std::fs::read(testdata().join(rel)) else {
        println!("{name:<28} skipped: {rel} not found");
        return;
    };
    let count = f(&bytes);
    for _ in 0..3 {
        black_box(f(black_box(&bytes)));
    }
    let mut times = Vec::new();
    let budget = Instant::now();
    while budget.elapsed() < Duration::from_secs(1) || times.len() < 5 {
        let t = Instant::now();
        black_box(f(black_box(&bytes)));
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    println!(
        "{name:<28} {:>9.3} ms  {:>8.1} MiB/s  {:>10.0} packages/s  ({count} packages, {} bytes, {} runs)",
        median * 1e3,
        bytes.len() as f64 / median / (1024.0 * 1024.0),
        count as f64 / median,
        bytes.len(),
        times.len()
    );
}

fn rpmdb(bytes: &[u8]) -> usize {
    match rpm::parse_rpmdb(bytes, "bench", &Distro::unknown()) {
        Ok((p, _)) => p.len(),
        Err(e) => panic!("bench input does not parse: {e}"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a name filter.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let filter = filter.as_deref();
    let d = Distro::new("debian", Some("12"));
    bench(
        "dpkg/debian12-python",
        filter,
        "dpkg/debian12-python.status",
        |b| dpkg::parse_status(b, "bench", false, &d).0.len(),
    );
    bench(
        "dpkg/claircore-texlive",
        filter,
        "dpkg/more/claircore/texlive.status",
        |b| dpkg::parse_status(b, "bench", false, &d).0.len(),
    );
    bench(
        "apk/syft-multiple-2",
        filter,
        "apk/syft-multiple-2.installed",
        |b| apk::parse_installed(b, "bench", &d).0.len(),
    );
    bench(
        "rpm/sqlite-mariner",
        filter,
        "rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
        rpmdb,
    );
    bench(
        "rpm/bdb-mariner-4k",
        filter,
        "rpmdb/mariner-bdb/Packages",
        rpmdb,
    );
    bench(
        "rpm/bdb-mariner-512",
        filter,
        "rpmdb/mariner-bdb-512/Packages",
        rpmdb,
    );
    bench(
        "rpm/ndb-sle15",
        filter,
        "rpmdb/sle15-bci/Packages.db",
        rpmdb,
    );
}
