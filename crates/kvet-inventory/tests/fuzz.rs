//! Fuzz-style property tests: real headers and databases with random mutations must never
//! panic, hang or allocate without bound. Inputs: `testdata/rpmdb/blob.bin`, the header blobs of
//! `testdata/rpmdb/cbl-mariner-2.0/rpmdb.sqlite`, `testdata/rpmdb/libuuid/Packages` and
//! `testdata/rpmdb/sle15-bci/Packages.db`, `testdata/apk/syft-base.installed`,
//! `testdata/dpkg/debian12-minbase.status`.

mod common;

use std::sync::OnceLock;

use kvet_inventory::rpm::{bdb, header, ndb, sqlite};
use kvet_inventory::{apk, dpkg, Distro};
use proptest::prelude::*;

fn blobs() -> &'static Vec<Vec<u8>> {
    static BLOBS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    BLOBS.get_or_init(|| {
        let db = common::read("rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
        let mut v = sqlite::blobs(&db).expect("real db");
        v.truncate(20);
        v.push(common::read("rpmdb/blob.bin"));
        v
    })
}

/// A mutation: overwrite `len` bytes at a relative position with `value`, or truncate.
#[derive(Debug, Clone)]
enum Mutation {
    Set { at: f64, bytes: Vec<u8> },
    Truncate { at: f64 },
    BigInt { at: f64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Set { at, bytes }),
        (0.0..1.0f64).prop_map(|at| Mutation::Truncate { at }),
        (0.0..1.0f64).prop_map(|at| Mutation::BigInt { at }),
    ]
}

/// Mutations biased to the start (index / metadata), where structure lives.
fn apply(mut b: Vec<u8>, muts: &[Mutation], head_bias: bool) -> Vec<u8> {
    for m in muts {
        let span = if head_bias {
            b.len().min(4096)
        } else {
            b.len()
        };
        let pos = |at: f64| ((at * span as f64) as usize).min(b.len().saturating_sub(1));
        match m {
            Mutation::Set { at, bytes } => {
                let p = pos(*at);
                for (i, v) in bytes.iter().enumerate() {
                    if let Some(slot) = b.get_mut(p + i) {
                        *slot = *v;
                    }
                }
            }
            Mutation::Truncate { at } => {
                let p = pos(*at);
                b.truncate(p);
            }
            Mutation::BigInt { at } => {
                let p = pos(*at) & !3;
                if p + 4 <= b.len() {
                    b[p..p + 4].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
                }
            }
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn header_parser_survives_mutations(
        which in 0usize..21,
        muts in prop::collection::vec(mutation(), 1..6),
        head_bias in any::<bool>(),
    ) {
        let all = blobs();
        let blob = apply(all[which % all.len()].clone(), &muts, head_bias);
        if let Ok(h) = header::Header::parse(&blob) {
            let _ = h.files();
        }
        let _ = header::read_info(&blob);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = header::read_info(&bytes);
        let _ = bdb::blobs(&bytes);
        let _ = ndb::blobs(&bytes);
        let d = Distro::unknown();
        let _ = apk::parse_installed(&bytes, "x", &d);
        let _ = dpkg::parse_status(&bytes, "x", false, &d);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn containers_survive_mutations(
        muts in prop::collection::vec(mutation(), 1..4),
        head_bias in any::<bool>(),
    ) {
        static DBS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        let (bdb_bytes, ndb_bytes) = DBS.get_or_init(|| {
            (common::read("rpmdb/libuuid/Packages"), common::read("rpmdb/sle15-bci/Packages.db"))
        });
        let _ = bdb::blobs(&apply(bdb_bytes.clone(), &muts, head_bias));
        let _ = ndb::blobs(&apply(ndb_bytes.clone(), &muts, head_bias));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The real manifests of `tests/data/java/` (Debian 12 jars, see `tests/data/SOURCES.md`)
    /// mutated, and the mutated bytes as a jar path: naming a jar never panics, and whatever
    /// name it gives is non-empty text.
    #[test]
    fn jar_manifests_survive_mutations(
        which in 0usize..4,
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        use kvet_inventory::java::manifest::{self, Manifest};
        let name = [
            "bson-3.6.3.MANIFEST.MF",
            "commons-logging-1.2.MANIFEST.MF",
            "mongodb-driver-3.6.3.MANIFEST.MF",
            "mongodb-driver-async-3.6.3.MANIFEST.MF",
        ][which];
        let bytes = apply(common::fixture(&format!("java/{name}")), &muts, false);
        let text = String::from_utf8_lossy(&bytes);
        let m = Manifest::parse(&text);
        let (file_name, _) = manifest::name_and_version_from_file_name(&text);
        let artifact = manifest::name_from_manifest(&m).unwrap_or(&file_name).to_owned();
        let _ = manifest::version_from_manifest(&m);
        if let Some(g) = manifest::group_from_manifest(&m, &artifact) {
            prop_assert!(!g.is_empty());
        }
    }
}
