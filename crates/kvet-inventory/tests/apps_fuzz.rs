//! Robustness of the application cataloguers: every real fixture, truncated at many points
//! and with random bytes overwritten, fed to its parser and to `catalogue` must never panic.
//! Inputs: the files of `tests/data/{python,npm,ruby,composer,dotnet}` and this workspace's
//! `Cargo.lock`; binary detection gets random bytes spliced with real version banners.

mod common;

use kvet_inventory::{binary, cargo, catalogue, composer, gem, npm, nuget, python, Files};
use proptest::prelude::*;

/// (image path the file is catalogued under, fixture bytes), read once.
fn corpus() -> &'static [(String, Vec<u8>)] {
    static C: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    C.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    let site = "/usr/lib/python3/dist-packages";
    for (k, b) in common::fixture_tree("python/site-packages", site) {
        v.push((k, b));
    }
    for (k, b) in common::fixture_tree("python/dist-packages", site) {
        v.push((k, b));
    }
    for (k, b) in common::fixture_tree("npm/node_modules", "/app/node_modules") {
        v.push((k, b));
    }
    for ver in ["v1", "v2", "v3"] {
        v.push((
            format!("/{ver}/package-lock.json"),
            common::fixture(&format!("npm/{ver}/package-lock.json")),
        ));
    }
    for g in ["rake-13.0.6", "json-2.6.1", "base64-0.1.1"] {
        v.push((
            format!("/gems/specifications/{g}.gemspec"),
            common::fixture(&format!("ruby/{g}.gemspec")),
        ));
    }
    for c in ["composer_1", "composer_2"] {
        v.push((
            format!("/{c}/vendor/composer/installed.json"),
            common::fixture(&format!("composer/{c}/installed.json")),
        ));
    }
    v.push((
        "/app/Python.Runtime.deps.json".into(),
        common::fixture("dotnet/Python.Runtime.deps.json"),
    ));
    let lock = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let lock = std::fs::read(lock).expect("workspace Cargo.lock");
    // The first 8 KiB keep the cases quick; truncations cover the rest of the format.
    v.push((
        "/src/Cargo.lock".into(),
        lock[..lock.len().min(8192)].to_vec(),
    ));
    v
}

/// Every parser that could be handed `bytes`, directly and through `catalogue`.
fn feed(path: &str, bytes: &[u8]) {
    if let Some(form) = python::metadata_form(path) {
        let _ = python::catalogue_one(path, form, bytes, |_| Some(bytes));
    }
    let _ = python::parse_record(bytes, "/site");
    let _ = npm::parse_package_json(bytes, path);
    let _ = npm::parse_lockfile(bytes, path);
    let _ = gem::parse_gemspec(bytes, path);
    let _ = composer::parse_installed(bytes, path);
    let _ = nuget::parse_deps_json(bytes, path);
    let _ = cargo::parse_lockfile(bytes, path);
    let _ = cargo::parse_binary(bytes, path);
    let _ = binary::parse_java_release(bytes, path);
    let mut files = Files::new();
    files.insert(path.to_owned(), bytes.to_vec());
    let _ = catalogue(&files);
}

#[test]
fn truncations_never_panic() {
    for (path, bytes) in corpus() {
        let step = (bytes.len() / 120).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            feed(path, &bytes[..cut]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutations_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let corpus = corpus();
        let (path, bytes) = &corpus[which.index(corpus.len())];
        let mut b = bytes.clone();
        for (at, v) in &edits {
            if !b.is_empty() {
                let i = at.index(b.len());
                b[i] = *v;
            }
        }
        feed(path, &b);
    }

    /// Version banners with random bytes around and inside them, under every program name.
    #[test]
    fn binary_detection_never_panics(
        noise in prop::collection::vec(any::<u8>(), 0..512),
        banner in prop::sample::select(vec![
            &b"nginx version: nginx/1.22.1\n"[..],
            b"\x00memcached 1.6.18\x00",
            b"redis_version:%s\r\n\x007.0.15\x00",
            b"JRE (17.0.21.1+2-1",
            b"\x003.11.2\x00",
            b"OpenSSL 3.0.22 25 Aug 2026",
        ]),
        at in any::<prop::sample::Index>(),
        name in prop::sample::select(vec![
            "nginx", "apache2", "redis-server", "memcached", "postgres", "mariadbd",
            "openssl", "libcrypto.so.3", "libnode.so.108", "python3.11", "libjvm.so", "java",
        ]),
    ) {
        let mut b = noise.clone();
        let i = at.index(b.len() + 1);
        b.splice(i..i, banner.iter().copied());
        let _ = binary::parse_binary(&b, &format!("/usr/bin/{name}"));
    }
}
