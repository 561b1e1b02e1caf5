//! Distro detection on every file in `testdata/os-release/` and `testdata/os-release/more/`.
//! Each file is put alone at the image path its name encodes and detected; the table gives the
//! expected (id, version) for every file, so a new file without a row fails the test.

mod common;

use std::path::Path;

use kvet_inventory::{distro, Files};

/// Image path for a top-level file: names end in `_etc_<file>` or `_usr_lib_<file>`.
fn image_path_of_flat(name: &str) -> String {
    for (marker, prefix) in [("_usr_lib_", "/usr/lib/"), ("_etc_", "/etc/")] {
        if let Some(i) = name.rfind(marker) {
            return format!("{prefix}{}", &name[i + marker.len()..]);
        }
    }
    panic!("cannot place {name}");
}

fn detect_one(image_path: &str, bytes: Vec<u8>) -> (String, Option<String>) {
    let mut files = Files::new();
    files.insert(image_path.to_owned(), bytes);
    let d = distro::detect(&files);
    (d.id, d.version_id)
}

fn all_files() -> Vec<(String, String, Vec<u8>)> {
    let root = common::testdata().join("os-release");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&root).expect("dir").flatten() {
        if e.path().is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            out.push((
                name.clone(),
                image_path_of_flat(&name),
                std::fs::read(e.path()).expect("read"),
            ));
        }
    }
    walk(&root.join("more"), &root, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, root, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            let i = rel.find("/etc/").expect("an etc/ file");
            out.push((
                rel.clone(),
                rel[i..].to_owned(),
                std::fs::read(&p).expect("read"),
            ));
        }
    }
}

/// (file relative to testdata/os-release, expected id, expected version). `etc/issue` files are
/// not release files (free text): they must give `unknown`, not a guess.
const EXPECTED: &[(&str, &str, Option<&str>)] = &[
    (
        "almalinux_from-redhat-release_etc_redhat-release",
        "almalinux",
        Some("8.10"),
    ),
    ("alpine_etc_os-release", "alpine", Some("3.11.6")),
    ("centos5_etc_redhat-release", "centos", Some("5.7")),
    ("debian12_etc_os-release", "debian", Some("12")),
    (
        "debian_with-point-release_etc_os-release",
        "debian",
        Some("13"),
    ),
    ("more/claircore/alpine/3.10/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.10/etc/os-release",
        "alpine",
        Some("3.10.9"),
    ),
    ("more/claircore/alpine/3.11/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.11/etc/os-release",
        "alpine",
        Some("3.11.13"),
    ),
    ("more/claircore/alpine/3.12/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.12/etc/os-release",
        "alpine",
        Some("3.12.9"),
    ),
    ("more/claircore/alpine/3.13/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.13/etc/os-release",
        "alpine",
        Some("3.13.7"),
    ),
    ("more/claircore/alpine/3.14/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.14/etc/os-release",
        "alpine",
        Some("3.14.3"),
    ),
    ("more/claircore/alpine/3.15/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.15/etc/os-release",
        "alpine",
        Some("3.15.0"),
    ),
    ("more/claircore/alpine/3.16/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.16/etc/os-release",
        "alpine",
        Some("3.16.0"),
    ),
    ("more/claircore/alpine/3.17/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.17/etc/os-release",
        "alpine",
        Some("3.17.5"),
    ),
    ("more/claircore/alpine/3.18/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.18/etc/os-release",
        "alpine",
        Some("3.18.4"),
    ),
    ("more/claircore/alpine/3.3/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.3/etc/os-release",
        "alpine",
        Some("3.3.3"),
    ),
    ("more/claircore/alpine/3.4/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.4/etc/os-release",
        "alpine",
        Some("3.4.6"),
    ),
    ("more/claircore/alpine/3.5/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.5/etc/os-release",
        "alpine",
        Some("3.5.3"),
    ),
    ("more/claircore/alpine/3.6/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.6/etc/os-release",
        "alpine",
        Some("3.6.5"),
    ),
    ("more/claircore/alpine/3.7/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.7/etc/os-release",
        "alpine",
        Some("3.7.3"),
    ),
    ("more/claircore/alpine/3.8/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.8/etc/os-release",
        "alpine",
        Some("3.8.5"),
    ),
    ("more/claircore/alpine/3.9/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/3.9/etc/os-release",
        "alpine",
        Some("3.9.6"),
    ),
    ("more/claircore/alpine/edge/etc/issue", "unknown", None),
    (
        "more/claircore/alpine/edge/etc/os-release",
        "alpine",
        Some("3.19_alpha20230901"),
    ),
    (
        "more/claircore/debian/dist/10/etc/os-release",
        "debian",
        Some("10"),
    ),
    (
        "more/claircore/debian/dist/11/etc/os-release",
        "debian",
        Some("11"),
    ),
    (
        "more/claircore/debian/dist/12/etc/os-release",
        "debian",
        Some("12"),
    ),
    (
        "more/claircore/debian/dist/7/etc/os-release",
        "debian",
        Some("7"),
    ),
    (
        "more/claircore/debian/dist/8/etc/os-release",
        "debian",
        Some("8"),
    ),
    (
        "more/claircore/debian/dist/9/etc/os-release",
        "debian",
        Some("9"),
    ),
    (
        "more/claircore/debian/distroless_dist/10/etc/os-release",
        "debian",
        Some("10"),
    ),
    (
        "more/claircore/debian/distroless_dist/11/etc/os-release",
        "debian",
        Some("11"),
    ),
    (
        "more/claircore/debian/distroless_dist/9/etc/os-release",
        "debian",
        Some("9"),
    ),
    (
        "more/claircore/rhel/releasefiles/7/etc/os-release",
        "rhel",
        Some("7.7"),
    ),
    (
        "more/claircore/rhel/releasefiles/7/etc/redhat-release",
        "rhel",
        Some("7.4"),
    ),
    (
        "more/claircore/rhel/releasefiles/8/etc/os-release",
        "rhel",
        Some("8.1"),
    ),
    (
        "more/claircore/rhel/releasefiles/8/etc/redhat-release",
        "rhel",
        Some("8.1"),
    ),
    (
        "more/claircore/rhel/releasefiles/9/etc/os-release",
        "rhel",
        Some("9.0"),
    ),
    (
        "more/claircore/rhel/releasefiles/9/etc/redhat-release",
        "rhel",
        Some("9.0"),
    ),
    (
        "more/claircore/rhel/releasefiles/atomichost-7/etc/os-release",
        "rhel",
        Some("7.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/atomichost-7/etc/redhat-release",
        "rhel",
        Some("7.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/hummingbird/etc/os-release",
        "hummingbird",
        Some("20251124"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-6/etc/oracle-release",
        "ol",
        Some("6.10"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-6/etc/redhat-release",
        "rhel",
        Some("6.10"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-7/etc/oracle-release",
        "ol",
        Some("7.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-7/etc/redhat-release",
        "rhel",
        Some("7.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-8/etc/oracle-release",
        "ol",
        Some("8.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-8/etc/redhat-release",
        "rhel",
        Some("8.9"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-9/etc/oracle-release",
        "ol",
        Some("9.3"),
    ),
    (
        "more/claircore/rhel/releasefiles/oracle-9/etc/redhat-release",
        "rhel",
        Some("9.3"),
    ),
    (
        "more/claircore/ubuntu/dist/10.04/etc/lsb-release",
        "ubuntu",
        Some("10.04"),
    ),
    (
        "more/claircore/ubuntu/dist/11/etc/os-release",
        "debian",
        Some("11"),
    ),
    (
        "more/claircore/ubuntu/dist/12.04/etc/lsb-release",
        "ubuntu",
        Some("12.04"),
    ),
    (
        "more/claircore/ubuntu/dist/12.04/etc/os-release",
        "ubuntu",
        Some("12.04"),
    ),
    (
        "more/claircore/ubuntu/dist/12.10/etc/lsb-release",
        "ubuntu",
        Some("12.10"),
    ),
    (
        "more/claircore/ubuntu/dist/12.10/etc/os-release",
        "ubuntu",
        Some("12.10"),
    ),
    (
        "more/claircore/ubuntu/dist/13.04/etc/lsb-release",
        "ubuntu",
        Some("13.04"),
    ),
    (
        "more/claircore/ubuntu/dist/13.04/etc/os-release",
        "ubuntu",
        Some("13.04"),
    ),
    (
        "more/claircore/ubuntu/dist/13.10/etc/lsb-release",
        "ubuntu",
        Some("13.10"),
    ),
    (
        "more/claircore/ubuntu/dist/13.10/etc/os-release",
        "ubuntu",
        Some("13.10"),
    ),
    (
        "more/claircore/ubuntu/dist/14.04/etc/lsb-release",
        "ubuntu",
        Some("14.04"),
    ),
    (
        "more/claircore/ubuntu/dist/14.04/etc/os-release",
        "ubuntu",
        Some("14.04"),
    ),
    (
        "more/claircore/ubuntu/dist/14.10/etc/lsb-release",
        "ubuntu",
        Some("14.10"),
    ),
    (
        "more/claircore/ubuntu/dist/14.10/etc/os-release",
        "ubuntu",
        Some("14.10"),
    ),
    (
        "more/claircore/ubuntu/dist/15.04/etc/lsb-release",
        "ubuntu",
        Some("15.04"),
    ),
    (
        "more/claircore/ubuntu/dist/15.04/etc/os-release",
        "ubuntu",
        Some("15.04"),
    ),
    (
        "more/claircore/ubuntu/dist/15.10/etc/lsb-release",
        "ubuntu",
        Some("15.10"),
    ),
    (
        "more/claircore/ubuntu/dist/15.10/etc/os-release",
        "ubuntu",
        Some("15.10"),
    ),
    (
        "more/claircore/ubuntu/dist/16.04/etc/lsb-release",
        "ubuntu",
        Some("16.04"),
    ),
    (
        "more/claircore/ubuntu/dist/16.04/etc/os-release",
        "ubuntu",
        Some("16.04"),
    ),
    (
        "more/claircore/ubuntu/dist/16.10/etc/lsb-release",
        "ubuntu",
        Some("16.10"),
    ),
    (
        "more/claircore/ubuntu/dist/16.10/etc/os-release",
        "ubuntu",
        Some("16.10"),
    ),
    (
        "more/claircore/ubuntu/dist/17.04/etc/lsb-release",
        "ubuntu",
        Some("17.04"),
    ),
    (
        "more/claircore/ubuntu/dist/17.04/etc/os-release",
        "ubuntu",
        Some("17.04"),
    ),
    (
        "more/claircore/ubuntu/dist/17.10/etc/lsb-release",
        "ubuntu",
        Some("17.10"),
    ),
    (
        "more/claircore/ubuntu/dist/17.10/etc/os-release",
        "ubuntu",
        Some("17.10"),
    ),
    (
        "more/claircore/ubuntu/dist/18.04/etc/lsb-release",
        "ubuntu",
        Some("18.04"),
    ),
    (
        "more/claircore/ubuntu/dist/18.04/etc/os-release",
        "ubuntu",
        Some("18.04"),
    ),
    (
        "more/claircore/ubuntu/dist/18.10/etc/lsb-release",
        "ubuntu",
        Some("18.10"),
    ),
    (
        "more/claircore/ubuntu/dist/18.10/etc/os-release",
        "ubuntu",
        Some("18.10"),
    ),
    (
        "more/claircore/ubuntu/dist/19.04/etc/lsb-release",
        "ubuntu",
        Some("19.04"),
    ),
    (
        "more/claircore/ubuntu/dist/19.04/etc/os-release",
        "ubuntu",
        Some("19.04"),
    ),
    (
        "more/claircore/ubuntu/dist/19.10/etc/lsb-release",
        "ubuntu",
        Some("19.10"),
    ),
    (
        "more/claircore/ubuntu/dist/19.10/etc/os-release",
        "ubuntu",
        Some("19.10"),
    ),
    (
        "more/claircore/ubuntu/dist/20.04/etc/lsb-release",
        "ubuntu",
        Some("20.04"),
    ),
    (
        "more/claircore/ubuntu/dist/20.04/etc/os-release",
        "ubuntu",
        Some("20.04"),
    ),
    (
        "more/claircore/ubuntu/dist/20.10/etc/lsb-release",
        "ubuntu",
        Some("20.10"),
    ),
    (
        "more/claircore/ubuntu/dist/20.10/etc/os-release",
        "ubuntu",
        Some("20.10"),
    ),
    (
        "more/claircore/ubuntu/dist/21.04/etc/lsb-release",
        "ubuntu",
        Some("21.04"),
    ),
    (
        "more/claircore/ubuntu/dist/21.04/etc/os-release",
        "ubuntu",
        Some("21.04"),
    ),
    (
        "more/claircore/ubuntu/dist/21.10/etc/lsb-release",
        "ubuntu",
        Some("21.10"),
    ),
    (
        "more/claircore/ubuntu/dist/21.10/etc/os-release",
        "ubuntu",
        Some("21.10"),
    ),
    (
        "more/claircore/ubuntu/dist/22.04/etc/lsb-release",
        "ubuntu",
        Some("22.04"),
    ),
    (
        "more/claircore/ubuntu/dist/22.04/etc/os-release",
        "ubuntu",
        Some("22.04"),
    ),
    (
        "more/claircore/ubuntu/dist/22.10/etc/lsb-release",
        "ubuntu",
        Some("22.10"),
    ),
    (
        "more/claircore/ubuntu/dist/22.10/etc/os-release",
        "ubuntu",
        Some("22.10"),
    ),
    (
        "more/claircore/ubuntu/dist/23.04/etc/lsb-release",
        "ubuntu",
        Some("23.04"),
    ),
    (
        "more/claircore/ubuntu/dist/23.04/etc/os-release",
        "ubuntu",
        Some("23.04"),
    ),
    (
        "more/claircore/ubuntu/dist/23.10/etc/lsb-release",
        "ubuntu",
        Some("23.10"),
    ),
    (
        "more/claircore/ubuntu/dist/23.10/etc/os-release",
        "ubuntu",
        Some("23.10"),
    ),
    (
        "redhat_from-os-release_usr_lib_os-release",
        "rhel",
        Some("7.3"),
    ),
    (
        "rockylinux_from-redhat-release_etc_redhat-release",
        "rocky",
        Some("8.10"),
    ),
];

#[test]
fn every_release_file_detects_as_expected() {
    let files = all_files();
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "a file without a row in EXPECTED (or a row without a file)"
    );
    let mut failures = Vec::new();
    for ((name, path, bytes), (want_name, want_id, want_version)) in files.into_iter().zip(EXPECTED)
    {
        assert_eq!(&name, want_name);
        let got = detect_one(&path, bytes);
        if (got.0.as_str(), got.1.as_deref()) != (*want_id, *want_version) {
            failures.push(format!(
                "{name}: got {got:?}, want ({want_id}, {want_version:?})"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Whole claircore directories through `rootfs::read_wanted`: precedence between the files.
#[test]
fn directories_use_the_documented_precedence() {
    let base = common::testdata().join("os-release/more/claircore");
    let cases = [
        // oracle-release beats redhat-release (which says "Red Hat Enterprise Linux").
        ("rhel/releasefiles/oracle-8", "ol", Some("8.9")),
        // os-release beats redhat-release.
        ("rhel/releasefiles/7", "rhel", Some("7.7")),
        // lsb-release only.
        ("ubuntu/dist/10.04", "ubuntu", Some("10.04")),
        ("ubuntu/dist/22.04", "ubuntu", Some("22.04")),
        ("alpine/3.18", "alpine", Some("3.18.4")),
        ("debian/distroless_dist/11", "debian", Some("11")),
    ];
    for (dir, id, version) in cases {
        let files = kvet_inventory::rootfs::read_wanted(&base.join(dir)).expect("read");
        let d = distro::detect(&files);
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            (id, version),
            "{dir}"
        );
    }
    // Codenames and pretty names are kept.
    let files = kvet_inventory::rootfs::read_wanted(&base.join("ubuntu/dist/22.04")).expect("read");
    let d = distro::detect(&files);
    assert_eq!(d.version_codename.as_deref(), Some("jammy"));
    assert_eq!(d.source, "/etc/os-release");
}
