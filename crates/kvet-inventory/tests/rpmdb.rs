//! rpmdb readers on real databases from `testdata/rpmdb/` (see testdata/README.md for origins),
//! compared with the `expected.tsv` lists made by `rpm -qa`.

mod common;

use std::time::{Duration, Instant};

use kvet_inventory::rpm::{self, bdb, header, ndb, sqlite, DbFormat};
use kvet_inventory::{Distro, Package};

/// `name<TAB>epoch<TAB>version<TAB>release<TAB>arch<TAB>sourcerpm<TAB>license` lines.
fn expected(dir: &str) -> Vec<String> {
    let text =
        String::from_utf8(common::read(&format!("rpmdb/{dir}/expected.tsv"))).expect("utf-8");
    text.lines().map(str::to_owned).collect()
}

fn row(p: &Package) -> String {
    let srpm = match (&p.source_name, &p.source_version) {
        (Some(n), Some(v)) => format!("{n}-{v}.src.rpm"),
        _ => String::new(),
    };
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
        p.name,
        p.epoch.map(|e| e.to_string()).unwrap_or_default(),
        p.version,
        p.release.clone().unwrap_or_default(),
        p.arch.clone().unwrap_or_default(),
        srpm,
        p.license.clone().unwrap_or_default()
    )
}

fn parse(rel: &str) -> Vec<Package> {
    let bytes = common::read(rel);
    let (pkgs, warnings) = rpm::parse_rpmdb(&bytes, rel, &Distro::new("mariner", Some("2.0")))
        .expect("readable rpmdb");
    assert!(warnings.is_empty(), "{rel}: {warnings:?}");
    pkgs
}

/// Compares as multisets: BerkeleyDB and NDB iteration order is the container's, not `rpm -qa`'s.
fn assert_same_set(rel: &str, dir: &str) -> Vec<Package> {
    let pkgs = parse(rel);
    let mut got: Vec<String> = pkgs.iter().map(row).collect();
    let mut want = expected(dir);
    got.sort();
    want.sort();
    assert_eq!(got, want, "{rel}");
    pkgs
}

#[test]
fn sqlite_cbl_mariner_matches_rpm_qa_in_order() {
    // testdata/rpmdb/cbl-mariner-2.0/rpmdb.sqlite (WAL-mode database, 129 packages)
    let pkgs = parse("rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let got: Vec<String> = pkgs.iter().map(row).collect();
    assert_eq!(got, expected("cbl-mariner-2.0"));
    let glibc = pkgs.iter().find(|p| p.name == "glibc").expect("glibc");
    assert!(
        glibc.files.iter().any(|f| f == "/etc/ld.so.conf"),
        "{:?}",
        &glibc.files[..5]
    );
    assert_eq!(
        glibc.purl,
        "pkg:rpm/mariner/glibc@2.34-2.cm2?arch=x86_64&distro=mariner-2.0"
    );
    let ca = pkgs
        .iter()
        .find(|p| p.name == "ca-certificates-base")
        .expect("epoch package");
    assert!(ca.purl.ends_with("&epoch=1"), "{}", ca.purl);
}

#[test]
fn sqlite_empty_database() {
    // testdata/rpmdb/more/no_packages.sqlite (claircore): a SQLite file that
    // has no Packages table at all: an error naming the problem, not a crash or a silent 0.
    let bytes = common::read("rpmdb/more/no_packages.sqlite");
    let err =
        rpm::parse_rpmdb(&bytes, "no_packages.sqlite", &Distro::unknown()).expect_err("no table");
    assert!(err.to_string().contains("Packages table"), "{err}");
}

#[test]
fn ndb_sle15_bci() {
    // testdata/rpmdb/sle15-bci/Packages.db (35 packages)
    let bytes = common::read("rpmdb/sle15-bci/Packages.db");
    assert_eq!(DbFormat::sniff(&bytes), Some(DbFormat::Ndb));
    assert_eq!(
        assert_same_set("rpmdb/sle15-bci/Packages.db", "sle15-bci").len(),
        35
    );
}

#[test]
fn bdb_libuuid() {
    // testdata/rpmdb/libuuid/Packages (el8)
    let bytes = common::read("rpmdb/libuuid/Packages");
    assert_eq!(DbFormat::sniff(&bytes), Some(DbFormat::BerkeleyDb));
    let p = assert_same_set("rpmdb/libuuid/Packages", "libuuid");
    assert_eq!(p[0].source_name.as_deref(), Some("util-linux"));
}

#[test]
fn bdb_syft_coverage() {
    // testdata/rpmdb/syft-coverage/Packages
    assert_same_set("rpmdb/syft-coverage/Packages", "syft-coverage");
}

#[test]
fn bdb_mariner_4k_pages() {
    // testdata/rpmdb/mariner-bdb/Packages (129 packages, 4 KiB pages)
    assert_eq!(
        assert_same_set("rpmdb/mariner-bdb/Packages", "mariner-bdb").len(),
        129
    );
}

#[test]
fn bdb_mariner_512_byte_pages() {
    // testdata/rpmdb/mariner-bdb-512/Packages (129 packages, long overflow chains)
    assert_eq!(
        assert_same_set("rpmdb/mariner-bdb-512/Packages", "mariner-bdb-512").len(),
        129
    );
}

#[test]
fn bdb_epoch_package() {
    // testdata/rpmdb/more/Packages_epoch (osv-scalibr): one package with epoch 1
    let pkgs = parse("rpmdb/more/Packages_epoch");
    assert_eq!(pkgs.len(), 1);
    assert_eq!(pkgs[0].epoch, Some(1), "{:?}", pkgs[0]);
}

#[test]
fn single_blob() {
    // testdata/rpmdb/blob.bin
    let blob = common::read("rpmdb/blob.bin");
    let info = header::read_info(&blob).expect("blob parses");
    assert!(!info.name.is_empty());
    assert_eq!(info.name, "publicsuffix-list-dafsa");
    assert_eq!(info.version, "20210518");
    assert_eq!(info.release, "2.fc35");
    // Its fourth DIRINDEXES value points past DIRNAMES: that file is dropped, the rest kept.
    assert_eq!(info.files.len(), 3, "{:?}", info.files);
}

/// Hostile inputs: every one must fail (or succeed) quickly and without panicking.
#[test]
fn hostile_containers_fail_cleanly() {
    let started = Instant::now();
    let mut inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        (
            "random",
            (0..100_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ];
    for rel in [
        "rpmdb/libuuid/Packages",
        "rpmdb/mariner-bdb-512/Packages",
        "rpmdb/sle15-bci/Packages.db",
        "rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
    ] {
        let b = common::read(rel);
        for cut in [1, 16, 100, 600, 4096, 5000, b.len() / 2, b.len() - 1] {
            inputs.push(("truncated", b[..cut.min(b.len())].to_vec()));
        }
        // Flip header fields: page size, last page, slot pages, counts.
        for at in [12usize, 20, 24, 32, 4096 + 20, 4096 + 26, 44, 48] {
            let mut m = b.clone();
            if at + 4 <= m.len() {
                m[at..at + 4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
                inputs.push(("patched", m));
            }
        }
    }
    for (what, input) in &inputs {
        let _ = rpm::parse_rpmdb(input, what, &Distro::unknown());
        let _ = bdb::blobs(input);
        let _ = ndb::blobs(input);
        let _ = sqlite::blobs(input);
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn hostile_blobs_return_errors() {
    let blob = common::read("rpmdb/blob.bin");
    // Truncated at every length up to the index end, and a sample beyond.
    for cut in (0..blob.len()).step_by(7) {
        let _ = header::read_info(&blob[..cut]);
    }
    assert!(header::read_info(&blob[..blob.len() / 2]).is_err());
    // Huge index count and data length.
    let mut m = blob.clone();
    m[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(header::read_info(&m).is_err());
    let mut m = blob.clone();
    m[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(header::read_info(&m).is_err());
    // Every entry's offset pointing past the end, then every count made huge.
    let il = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    for i in 0..il {
        let mut m = blob.clone();
        m[8 + i * 16 + 8..8 + i * 16 + 12].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        assert!(header::read_info(&m).is_err(), "entry {i}");
        let mut m = blob.clone();
        m[8 + i * 16 + 12..8 + i * 16 + 16].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        let _ = header::read_info(&m);
    }
}

/// Converts a little-endian BerkeleyDB hash file into the big-endian layout a big-endian host
/// writes: metadata fields, page headers, hash item indexes and off-page item references swap;
/// the rpm header blobs (always big-endian) do not.
fn to_big_endian(le: &[u8]) -> Vec<u8> {
    fn swap32(b: &mut [u8], at: usize) {
        b[at..at + 4].reverse();
    }
    fn swap16(b: &mut [u8], at: usize) {
        b[at..at + 2].reverse();
    }
    let mut b = le.to_vec();
    let page_size = u32::from_le_bytes([le[20], le[21], le[22], le[23]]) as usize;
    // Metadata page: generic header fields, then max_bucket, masks, ffactor, nelem, h_charkey
    // and the 32 spares.
    for at in [8, 12, 16, 20, 28, 32, 36, 40, 44, 48] {
        swap32(&mut b, at);
    }
    for at in (72..96 + 32 * 4).step_by(4) {
        swap32(&mut b, at);
    }
    for pgno in 1..le.len() / page_size {
        let base = pgno * page_size;
        let page = &le[base..base + page_size];
        let entries = u16::from_le_bytes([page[20], page[21]]) as usize;
        let ty = page[25];
        let out = &mut b[base..base + page_size];
        for at in [8, 12, 16] {
            swap32(out, at);
        }
        swap16(out, 20);
        swap16(out, 22);
        if ty == 2 || ty == 13 {
            for i in 0..entries {
                let off = u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize;
                swap16(out, 26 + 2 * i);
                if page[off] == 3 {
                    swap32(out, off + 4);
                    swap32(out, off + 8);
                }
            }
        }
    }
    b
}

#[test]
fn bdb_big_endian() {
    // testdata/rpmdb/mariner-bdb-512/Packages converted to big-endian byte order in memory.
    let le = common::read("rpmdb/mariner-bdb-512/Packages");
    let be = to_big_endian(&le);
    assert_eq!(&be[12..16], &[0x00, 0x06, 0x15, 0x61]);
    assert_eq!(
        bdb::blobs(&be).expect("big-endian"),
        bdb::blobs(&le).expect("little-endian")
    );
}

#[test]
fn catalogue_finds_rpmdb_and_reports_bad_ones_as_warnings() {
    use kvet_inventory::{catalogue, Files};
    // testdata/os-release/redhat_from-os-release_usr_lib_os-release + testdata/rpmdb/libuuid/Packages
    let mut files = Files::new();
    files.insert(
        "/usr/lib/os-release".into(),
        common::read("os-release/redhat_from-os-release_usr_lib_os-release"),
    );
    files.insert(
        "/var/lib/rpm/Packages".into(),
        common::read("rpmdb/libuuid/Packages"),
    );
    let inv = catalogue(&files);
    assert_eq!(inv.packages.len(), 1);
    assert_eq!(
        inv.packages[0].purl,
        "pkg:rpm/rhel/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-7.3"
    );
    assert_eq!(inv.packages[0].location, "/var/lib/rpm/Packages");
    // A truncated database is one warning naming the file; the inventory still comes back.
    let cut = common::read("rpmdb/libuuid/Packages")[..5000].to_vec();
    files.insert("/var/lib/rpm/Packages".into(), cut);
    let inv = catalogue(&files);
    assert!(inv.packages.is_empty());
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert_eq!(inv.warnings[0].location, "/var/lib/rpm/Packages");
}

#[test]
fn bdb_overflow_page_reuse_is_refused() {
    // testdata/rpmdb/mariner-bdb-512/Packages with a second off-page item pointed at the first
    // item's overflow chain (amplification attempt).
    let mut b = common::read("rpmdb/mariner-bdb-512/Packages");
    let ps = 512;
    let mut firsts = Vec::new();
    for pgno in 1..b.len() / ps {
        let page = &b[pgno * ps..(pgno + 1) * ps];
        if page[25] != 13 && page[25] != 2 {
            continue;
        }
        let entries = u16::from_le_bytes([page[20], page[21]]) as usize;
        for i in (1..entries).step_by(2) {
            let off = u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize;
            if page[off] == 3 {
                firsts.push(pgno * ps + off + 4);
            }
        }
    }
    assert!(firsts.len() > 2);
    let target: [u8; 4] = b[firsts[0]..firsts[0] + 4].try_into().expect("4 bytes");
    b[firsts[1]..firsts[1] + 4].copy_from_slice(&target);
    let e = bdb::blobs(&b).expect_err("reuse refused");
    assert!(e.to_string().contains("used twice"), "{e}");
}
