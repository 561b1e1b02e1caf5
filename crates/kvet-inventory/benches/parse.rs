//! Parse throughput of the package-database readers, on the real files in `testdata/`.
//!
//! A plain `harness = false` benchmark timed with `std::time::Instant` rather than criterion:
//! these numbers are for spotting order-of-magnitude regressions (a parser going quadratic), and
//! a dependency-free harness keeps the workspace's offline build small. Each case runs for about
//! a second after a warm-up and reports the median iteration time, MiB/s and packages/s.
//!
//! Run: `cargo bench -p kvet-inventory` (set `KVET_TESTDATA` if the data is not in
//! `/work/shared/testdata`; pass a substring to run only matching cases).
//!
//! The `wanted` case times [`kvet_inventory::is_wanted`], which the image walker calls on every
//! path of every layer, over 1M paths shaped like a real image's (system libraries, Python
//! and node_modules trees, a few wanted files) and reports ns/path.

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

/// 1M image-like paths: mostly files nobody wants, in the directories where wanted ones live.
fn image_paths() -> Vec<String> {
    let dirs = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/share/doc/libc6",
        "/usr/lib/python3.11/site-packages/requests",
        "/usr/lib/python3.11/site-packages/requests-2.32.3.dist-info",
        "/usr/lib/python3/dist-packages",
        "/app/node_modules/lodash",
        "/app/node_modules/@babel/core/lib/config",
        "/app/node_modules/a/node_modules/b",
        "/usr/share/zoneinfo/America",
        "/var/lib/dpkg/info",
        "/usr/local/bundle/specifications",
        "/etc",
    ];
    let names = [
        "libssl.so.3",
        "copyright",
        "__init__.py",
        "METADATA",
        "RECORD",
        "six.py",
        "package.json",
        "index.js",
        "README.md",
        "New_York",
        "libc6:amd64.list",
        "libc6:amd64.md5sums",
        "rack-3.0.8.gemspec",
        "passwd",
        "os-release",
        "util.js",
    ];
    (0..1_000_000)
        .map(|i| {
            format!(
                "{}/{}",
                dirs[i % dirs.len()],
                names[(i / dirs.len()) % names.len()]
            )
        })
        .collect()
}

fn bench_wanted(filter: Option<&str>) {
    if filter.is_some_and(|flt| !"wanted".contains(flt)) {
        return;
    }
    let paths = image_paths();
    let count = paths
        .iter()
        .filter(|p| kvet_inventory::is_wanted(p))
        .count();
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..5 {
        let cpu = thread_cpu_ns();
        let t = Instant::now();
        let n = paths
            .iter()
            .filter(|p| kvet_inventory::is_wanted(black_box(p)))
            .count();
        best = best.min(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu, thread_cpu_ns()) {
            best_cpu = best_cpu.min((b - a) as f64 / 1e9);
        }
        assert_eq!(n, count);
    }
    // On a shared machine wall time includes waiting for a core; the thread's own CPU time
    // (Linux schedstat) does not.
    println!(
        "{:<28} {:>9.1} ns/path wall  {:>7.1} ns/path on-CPU  ({} paths, {count} wanted, best of 5)",
        "wanted/is_wanted",
        best * 1e9 / paths.len() as f64,
        best_cpu * 1e9 / paths.len() as f64,
        paths.len()
    );
}

/// Nanoseconds this thread has run on a CPU (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a name filter.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let filter = filter.as_deref();
    bench_wanted(filter);
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
