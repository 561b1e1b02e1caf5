//! Layer semantics on hand-made layers carrying real package databases from the shared test data
//! (`kvet_core::testdata_dir()`: rpmdb/mariner-bdb/Packages, rpmdb/cbl-mariner-2.0/rpmdb.sqlite,
//! apk/trivy-alpine.installed, dpkg/debian12-minbase.status and dpkg/debian12-python.status —
//! see the testdata README for their origin): whiteouts, opaque directories, overrides,
//! symlinked database directories, hardlinks across layers, layer attribution.

mod common_squash;

use std::collections::{BTreeMap, BTreeSet};

use common_squash::{gzip, tar, zstd, MemBlobs, E};
use kvet_image::{scan_image, squash, Limits};
use kvet_inventory::PackageKind;

fn testdata(rel: &str) -> Vec<u8> {
    let dir = kvet_core::testdata_dir().expect("shared test data");
    std::fs::read(dir.join(rel)).unwrap()
}

fn run(layers: Vec<Vec<u8>>) -> (kvet_image::Squashed, kvet_image::ImageInventory) {
    let mut blobs = MemBlobs::default();
    let image = blobs.image(layers);
    let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
    let inv = scan_image(&image, &blobs, &Limits::default(), None).unwrap();
    (sq, inv)
}

#[test]
fn rpmdb_reached_through_a_symlinked_directory() {
    // rpmdb/mariner-bdb/Packages: 129 packages, BerkeleyDB. /var/lib/rpm is a link (layer 0)
    // to a directory no cataloguer asks for; layer 1 writes the database there.
    let db = testdata("rpmdb/mariner-bdb/Packages");
    let layer0 = tar(&[
        E::Dir("var/lib/"),
        E::Symlink("var/lib/rpm", "../../opt/rpmdb"),
    ]);
    let layer1 = tar(&[E::Dir("opt/rpmdb/"), E::File("opt/rpmdb/Packages", &db)]);
    let (sq, inv) = run(vec![gzip(&layer0), zstd(&layer1)]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        ["/var/lib/rpm/Packages"]
    );
    let rpms: Vec<_> = inv
        .inventory
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Rpm)
        .collect();
    assert_eq!(rpms.len(), 129);
    assert!(rpms.iter().all(|p| p.layer.as_ref().unwrap().index == 1));
}

#[test]
fn rpmdb_in_the_new_place_with_the_old_link_is_read_once() {
    // rpmdb/cbl-mariner-2.0/rpmdb.sqlite (129 packages); in tar order the file (usr/…) comes
    // before the link (var/…), as Docker and umoci write them.
    let db = testdata("rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let layer = tar(&[
        E::File("usr/lib/sysimage/rpm/rpmdb.sqlite", &db),
        E::Symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    ]);
    let (sq, inv) = run(vec![gzip(&layer)]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        ["/usr/lib/sysimage/rpm/rpmdb.sqlite"]
    );
    assert_eq!(inv.inventory.packages.len(), 129);
}

#[test]
fn usrmerge_lib_link_finds_the_apk_database() {
    // apk/trivy-alpine.installed under /usr/lib, reached as /lib/apk/db/installed.
    let db = testdata("apk/trivy-alpine.installed");
    // What the cataloguer finds in the file read directly.
    let mut direct = kvet_inventory::Files::new();
    direct.insert("/lib/apk/db/installed".into(), db.clone());
    let expected = kvet_inventory::catalogue(&direct).packages.len();
    let layer0 = tar(&[E::Symlink("lib", "usr/lib")]);
    let layer1 = tar(&[E::File("usr/lib/apk/db/installed", &db)]);
    let (sq, inv) = run(vec![layer0.clone(), gzip(&layer1)]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        ["/lib/apk/db/installed"]
    );
    assert_eq!(inv.inventory.packages.len(), expected);
    assert!(expected > 10);

    // A later layer replacing the link with a real directory: the old file is no longer
    // reachable as /lib/…, the new one is.
    let layer2 = tar(&[
        E::Dir("lib/"),
        E::File("lib/apk/db/installed", b"P:musl\nV:1.2.4-r2\n\n"),
    ]);
    let (sq, inv) = run(vec![layer0.clone(), gzip(&layer1), layer2]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        ["/lib/apk/db/installed"]
    );
    assert_eq!(inv.inventory.packages.len(), 1);
    assert_eq!(sq.origin["/lib/apk/db/installed"], 2);
}

#[test]
fn whiteouts_opaque_directories_and_overrides() {
    let layer0 = tar(&[
        E::File("etc/os-release", b"ID=debian\nVERSION_ID=\"11\"\n"),
        E::File("usr/share/doc/a/copyright", b"a"),
        E::File("usr/share/doc/b/copyright", b"b"),
        E::File("opt/x.jar", b"not a zip"),
        E::File("opt/y.jar", b"not a zip either"),
        E::File("srv/app.jar", b"file, then a directory"),
    ]);
    let layer1 = tar(&[
        // This layer's own entries survive its whiteouts, whatever their order in the tar.
        E::File("usr/share/doc/c/copyright", b"c"),
        E::File("usr/share/doc/.wh..wh..opq", b""),
        E::File("opt/.wh.x.jar", b""),
        E::File("etc/.wh.os-release", b""),
        E::File("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        E::Dir("srv/app.jar/"),
        E::File("srv/app.jar/inner.txt", b""),
        // Whiteouts of paths that never existed, and AUFS bookkeeping, change nothing.
        E::File("nowhere/.wh.ghost", b""),
        E::File(".wh..wh.plnk", b""),
    ]);
    let (sq, inv) = run(vec![gzip(&layer0), gzip(&layer1)]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        [
            "/etc/os-release",
            "/opt/y.jar",
            "/usr/share/doc/c/copyright"
        ]
    );
    assert_eq!(
        sq.files["/etc/os-release"],
        b"ID=debian\nVERSION_ID=\"12\"\n"
    );
    assert_eq!(sq.origin["/etc/os-release"], 1);
    assert_eq!(sq.origin["/opt/y.jar"], 0);
    assert_eq!(inv.inventory.distro.version_id.as_deref(), Some("12"));
    // The earlier os-release is in the history, ended by the whiteout.
    let h = &sq.history["/etc/os-release"];
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].layer, 0);
}

#[test]
fn hardlinks_across_layers_share_the_target_bytes() {
    let elf = common_squash::marked_elf(200, 7);
    let layer0 = tar(&[
        E::File("usr/lib/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        E::File("usr/bin/tool", &elf),
    ]);
    let layer1 = tar(&[
        E::Hardlink("etc/os-release", "usr/lib/os-release"),
        E::Hardlink("usr/bin/tool2", "./usr/bin/tool"),
        E::Hardlink("etc/lsb-release", "usr/lib/missing"),
    ]);
    let (sq, _) = run(vec![layer0, layer1]);
    assert_eq!(
        sq.files["/etc/os-release"],
        b"ID=debian\nVERSION_ID=\"12\"\n"
    );
    assert_eq!(sq.origin["/etc/os-release"], 1);
    assert_eq!(sq.files["/usr/bin/tool2"], elf);
    assert!(sq.warnings.iter().any(|w| w.location == "/etc/lsb-release"
        && w.message
            .contains("hardlink to /usr/lib/missing, which is not a kept file")));
}

fn identities(status: &[u8]) -> BTreeSet<(String, String)> {
    let mut files = kvet_inventory::Files::new();
    files.insert("/var/lib/dpkg/status".into(), status.to_vec());
    kvet_inventory::catalogue(&files)
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

#[test]
fn dpkg_packages_go_to_the_layer_that_installed_them() {
    // A base layer with dpkg/debian12-minbase.status (88 packages), a layer installing python
    // (dpkg/debian12-python.status, 126), a layer rewriting the status unchanged.
    let base = testdata("dpkg/debian12-minbase.status");
    let python = testdata("dpkg/debian12-python.status");
    let base_ids = identities(&base);
    assert_eq!(base_ids.len(), 88);
    let l0 = gzip(&tar(&[E::File("var/lib/dpkg/status", &base)]));
    let l1 = gzip(&tar(&[E::File("var/lib/dpkg/status", &python)]));
    let l2 = gzip(&tar(&[
        E::File("var/lib/dpkg/status", &python),
        E::File("etc/motd", b"hi"),
    ]));
    let (_, inv) = run(vec![l0.clone(), l1.clone(), l2]);
    let mut per_layer: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &inv.inventory.packages {
        let want = if base_ids.contains(&(p.name.clone(), p.version.clone())) {
            0
        } else {
            1
        };
        let got = p.layer.as_ref().unwrap();
        assert_eq!(got.index, want, "{} {}", p.name, p.version);
        assert_eq!(
            got.created_by.as_deref(),
            Some(format!("layer {want}").as_str())
        );
        *per_layer.entry(want).or_default() += 1;
    }
    assert_eq!(inv.inventory.packages.len(), 126);
    assert_eq!(per_layer[&1], 126 - per_layer[&0]);
    assert!(per_layer[&0] >= 80, "{per_layer:?}");

    // The status deleted in layer 2 and written again in layer 3: every package is new there.
    let l2 = gzip(&tar(&[E::File("var/lib/dpkg/.wh.status", b"")]));
    let l3 = gzip(&tar(&[E::File("var/lib/dpkg/status", &python)]));
    let (_, inv) = run(vec![l0, l1, l2, l3]);
    assert!(inv
        .inventory
        .packages
        .iter()
        .all(|p| p.layer.as_ref().unwrap().index == 3));
    let counts: Vec<usize> = inv.layers.iter().map(|l| l.packages).collect();
    assert_eq!(counts, vec![0, 0, 0, 126]);
}

#[test]
fn a_database_reached_by_two_names_counts_once() {
    // Distroless keeps one status file per package in /var/lib/dpkg/status.d/; here one is
    // also linked under a second name. Both names are handed to the cataloguer (lookups by
    // name work through links), the package is reported once, from the real file.
    let para = b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
    let layer = tar(&[
        E::File("var/lib/dpkg/status.d/tzdata", para),
        E::Symlink("var/lib/dpkg/status.d/tzdata-legacy", "tzdata"),
    ]);
    let (sq, inv) = run(vec![gzip(&layer)]);
    assert_eq!(
        sq.files.keys().collect::<Vec<_>>(),
        [
            "/var/lib/dpkg/status.d/tzdata",
            "/var/lib/dpkg/status.d/tzdata-legacy"
        ]
    );
    assert_eq!(
        sq.aliases
            .get("/var/lib/dpkg/status.d/tzdata-legacy")
            .map(String::as_str),
        Some("/var/lib/dpkg/status.d/tzdata")
    );
    assert_eq!(inv.inventory.packages.len(), 1);
    assert_eq!(
        inv.inventory.packages[0].location,
        "/var/lib/dpkg/status.d/tzdata"
    );
    assert_eq!(inv.inventory.packages[0].layer.as_ref().unwrap().index, 0);
}
