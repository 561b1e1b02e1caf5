//! Version detection of well-known binaries, and cargo-auditable binaries, on real files:
//! Debian 12's own packages, downloaded and unpacked by `scripts/setup/appcat.sh` into
//! `target/test-debs/root`, and a tiny crate built there with `cargo auditable`. Each expected
//! version is the upstream version of the `.deb` the file came from (`dpkg-deb -f`), so the
//! tests follow whatever security update Debian ships next.

mod common;

use std::path::PathBuf;
use std::process::Command;

use kvet_inventory::{binary, cargo, catalogue, rootfs, PackageKind};

fn root() -> PathBuf {
    common::test_debs().join("root")
}

/// The upstream part of a `.deb`'s version: no epoch, no Debian revision, no `+dfsg`/`+ds`
/// repack marker (`5:7.0.15-1~deb12u10` → `7.0.15`, `18.20.4+dfsg-1~deb12u3` → `18.20.4`).
fn upstream_version(package: &str) -> String {
    let debs = common::test_debs().join("debs");
    let deb = std::fs::read_dir(&debs)
        .expect("debs dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{package}_")))
        })
        .unwrap_or_else(|| {
            panic!(
                "no {package}_*.deb in {}: run scripts/setup/appcat.sh",
                debs.display()
            )
        });
    let out = Command::new("dpkg-deb")
        .args(["-f"])
        .arg(&deb)
        .arg("Version")
        .output()
        .expect("dpkg-deb runs");
    let full = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let no_epoch = full.split_once(':').map(|(_, v)| v).unwrap_or(&full);
    let upstream = no_epoch
        .rsplit_once('-')
        .map(|(u, _)| u)
        .unwrap_or(no_epoch);
    let upstream = upstream.split("+dfsg").next().unwrap_or(upstream);
    upstream.split("+ds").next().unwrap_or(upstream).to_owned()
}

fn detect(rel: &str) -> Option<(String, String)> {
    let path = root().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    binary::parse_binary(&bytes, &format!("/{rel}")).map(|p| {
        assert_eq!(p.kind, PackageKind::Binary);
        // The purl percent-encodes `+` (`17.0.21.1%2B2`).
        assert_eq!(
            p.purl,
            format!("pkg:generic/{}@{}", p.name, p.version.replace('+', "%2B"))
        );
        (p.name, p.version)
    })
}

/// (file in the unpacked root, .deb it came from, program reported).
const CASES: &[(&str, &str, &str)] = &[
    ("usr/sbin/nginx", "nginx", "nginx"),
    ("usr/sbin/apache2", "apache2-bin", "httpd"),
    // Debian's redis-server is a symlink to redis-check-rdb (one binary, three names).
    ("usr/bin/redis-server", "redis-tools", "redis"),
    ("usr/bin/redis-check-rdb", "redis-tools", "redis"),
    ("usr/bin/memcached", "memcached", "memcached"),
    (
        "usr/lib/postgresql/15/bin/postgres",
        "postgresql-15",
        "postgresql",
    ),
    ("usr/sbin/mariadbd", "mariadb-server-core", "mariadb"),
    ("usr/bin/openssl", "openssl", "openssl"),
    (
        "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        "libssl3",
        "openssl",
    ),
    (
        "usr/lib/x86_64-linux-gnu/libnode.so.108",
        "libnode108",
        "node",
    ),
    ("usr/bin/python3.11", "python3.11-minimal", "python"),
    (
        "usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
        "openjdk-17-jre-headless",
        "openjdk",
    ),
    (
        "usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        "openjdk-17-jre-headless",
        "openjdk",
    ),
];

#[test]
fn debian_binaries_report_their_upstream_version() {
    for (rel, deb, program) in CASES {
        let want = upstream_version(deb);
        assert_eq!(
            detect(rel),
            Some(((*program).to_owned(), want.clone())),
            "{rel} from {deb} (upstream {want})"
        );
    }
}

#[test]
fn jdk_release_file() {
    let rel = "usr/lib/jvm/java-17-openjdk-amd64/release";
    let bytes = std::fs::read(root().join(rel)).expect("release file");
    let p = binary::parse_java_release(&bytes, rel).expect("a Java release file");
    assert_eq!(p.name, "openjdk");
    assert_eq!(p.version, upstream_version("openjdk-17-jre-headless"));
    // Another file named `release` says nothing.
    assert!(binary::parse_java_release(b"NAME=\"Debian\"\n", "/etc/release").is_none());
}

/// No version string, no package — whatever the file is called.
#[test]
fn name_alone_is_never_evidence() {
    // libssl keeps no version text (libcrypto has it); Debian's /usr/bin/node is a thin
    // launcher linked against libnode.
    assert_eq!(detect("usr/lib/x86_64-linux-gnu/libssl.so.3"), None);
    assert_eq!(detect("usr/bin/node"), None);
    // A real binary under another program's name: memcached's bytes called nginx.
    let bytes = std::fs::read(root().join("usr/bin/memcached")).expect("memcached");
    assert!(binary::parse_binary(&bytes, "/usr/sbin/nginx").is_none());
    // And python's bytes under a name with another minor version.
    let bytes = std::fs::read(root().join("usr/bin/python3.11")).expect("python");
    assert!(binary::parse_binary(&bytes, "/usr/bin/python3.12").is_none());
}

/// The whole pipeline on the unpacked packages: read like the image walker (wanted files and
/// executables), catalogue, and get exactly the programs above — once per file.
#[test]
fn catalogue_of_unpacked_debs() {
    let files = rootfs::read_tree(&root(), true).expect("readable tree");
    let inv = catalogue(&files);
    let mut got: Vec<(String, String)> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Binary)
        .map(|p| (p.location.clone(), p.name.clone()))
        .collect();
    got.sort();
    // read_tree does not follow symlinks, so redis-server (a link) is not there on its own.
    let mut want: Vec<(String, String)> = CASES
        .iter()
        .filter(|(rel, ..)| *rel != "usr/bin/redis-server")
        .map(|(rel, _, program)| (format!("/{rel}"), (*program).to_owned()))
        .collect();
    // redis-check-aof is the same binary again; the JDK's release file is a package too.
    want.push(("/usr/bin/redis-check-aof".into(), "redis".into()));
    want.push((
        "/usr/lib/jvm/java-17-openjdk-amd64/release".into(),
        "openjdk".into(),
    ));
    want.sort();
    assert_eq!(got, want);
}

fn auditable_binary() -> PathBuf {
    common::test_debs().join("auditable/target/release/kvet-auditable-probe")
}

/// A binary built by `cargo auditable` from the probe crate `scripts/setup/appcat.sh` writes
/// (itoa 1.0.11 and memchr 2.7.4, pinned).
#[test]
fn cargo_auditable_binary() {
    let bytes = std::fs::read(auditable_binary()).expect("auditable binary");
    let pkgs = cargo::parse_binary(&bytes, "/usr/local/bin/probe").expect("audit data");
    let mut purls: Vec<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
    purls.sort();
    assert_eq!(
        purls,
        [
            "pkg:cargo/itoa@1.0.11",
            "pkg:cargo/kvet-auditable-probe@0.3.1",
            "pkg:cargo/memchr@2.7.4",
        ]
    );
    // Through catalogue(), as an executable the walker kept.
    let mut files = kvet_inventory::Files::new();
    files.insert("/usr/local/bin/probe".into(), bytes.clone());
    assert_eq!(catalogue(&files).packages.len(), 3);

    // A damaged section is a warning, never a panic: flip bytes inside the zlib stream.
    let Some((at, len)) = find_section(&bytes) else {
        panic!("no .dep-v0 section found by offset");
    };
    let mut bad = bytes.clone();
    for b in &mut bad[at + 2..at + 12] {
        *b ^= 0x5a;
    }
    let err = cargo::parse_binary(&bad, "/bad").unwrap_err();
    assert!(err.contains("cargo-auditable"), "{err}");

    // Truncated anywhere (headers, section table, the section itself): no panic; the section
    // is near the end, so most cuts simply lose it.
    for cut in (0..bytes.len()).step_by(997).chain(at..at + len) {
        let _ = cargo::parse_binary(&bytes[..cut.min(bytes.len())], "/cut");
        let _ = binary::parse_binary(&bytes[..cut.min(bytes.len())], "/usr/bin/node");
    }
}

/// File offset and size of the `.dep-v0` section (ELF), found with `object` the same way as
/// the cataloguer but independently of it.
fn find_section(bytes: &[u8]) -> Option<(usize, usize)> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).ok()?;
    let s = file.section_by_name(".dep-v0")?;
    s.file_range()
        .map(|(off, len)| (off as usize, len as usize))
}
