//! Comparisons per second for each scheme, on real-looking version pairs.
//! Run: `cargo bench -p kvet-version` (a plain timing loop; no benchmark framework needed).

use std::hint::black_box;
use std::time::{Duration, Instant};

use kvet_version::Scheme;

fn pairs(scheme: Scheme) -> Vec<(&'static str, &'static str)> {
    match scheme {
        Scheme::Dpkg => vec![
            ("1:2.36-9+deb12u4", "1:2.36-9+deb12u10"),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12"),
            ("1.0~rc1-1", "1.0-1"),
        ],
        Scheme::Rpm => vec![
            ("2.34-2.cm2", "2.34-10.cm2"),
            ("1:1.1.1k-7.el8_6", "1:1.1.1k-12.el8_9"),
            ("1.0~rc1", "1.0^git1"),
        ],
        Scheme::Apk => vec![
            ("3.1.4-r5", "3.1.4-r6"),
            ("1.36.1_p1-r0", "1.36.1-r15"),
            ("2.9.11_pre20061021-r2", "5.36-r1"),
        ],
        Scheme::Pep440 => vec![
            ("2.31.0", "2.32.0rc1"),
            ("1.0.post1", "1.0a1.dev3"),
            ("4.2.0+local.5", "4.2"),
        ],
        Scheme::Npm => vec![
            ("4.17.21", "4.17.20"),
            ("1.2.3-beta.10", "1.2.3-beta.9"),
            ("v2.0.0", "=2.0.0"),
        ],
        Scheme::Go => vec![
            ("1.20.5", "1.21.0-rc.1"),
            ("0.0.0-20230101120000-abcdef123456", "0.1.0"),
            ("2.0.0+incompatible", "2.1.0"),
        ],
        Scheme::SemVer => vec![
            ("1.0.0", "1.0.1"),
            ("0.12.3-alpha.1", "0.12.3"),
            ("2.0.0+build", "2.0.0"),
        ],
        Scheme::NuGet => vec![
            ("13.0.1", "13.0.3"),
            ("1.0.0-BETA", "1.0.0-beta.2"),
            ("4.3.0.1", "4.3"),
        ],
        Scheme::Maven => vec![
            ("2.14.0-rc1", "2.14.0"),
            ("1.0.0.Final", "1.0.0-SNAPSHOT"),
            ("5.3.18", "5.3.9"),
        ],
        Scheme::RubyGems => vec![
            ("7.0.4.1", "7.0.4"),
            ("1.13.10", "1.14.0.rc1"),
            ("3.2.0.pre", "3.2"),
        ],
        Scheme::Composer => vec![
            ("v5.4.21", "5.4.22"),
            ("2.0.0-RC1", "2.0.0"),
            ("1.x-dev", "1.9.3"),
        ],
    }
}

fn main() {
    let budget = Duration::from_millis(300);
    println!("{:<10} {:>14}", "scheme", "comparisons/s");
    for scheme in Scheme::ALL {
        let ps = pairs(scheme);
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < budget {
            for (a, b) in &ps {
                black_box(scheme.compare(black_box(a), black_box(b)));
                n += 1;
            }
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        println!("{:<10} {:>14.0}", scheme.name(), rate);
    }
}
