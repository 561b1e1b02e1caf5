//! Root filesystems on disk: links are resolved inside the given root, never by the host; the
//! real Debian root filesystem gives the same view as the image made from it.

mod common_squash;

use std::os::unix::fs::symlink;

use common_squash::{test_images, LayoutBlobs};
use kvet_image::rootfs::read_rootfs;
use kvet_image::{scan_image, scan_rootfs, squash, Limits};

const OS_RELEASE: &[u8] = b"ID=debian\nVERSION_ID=\"12\"\n";

#[test]
fn links_resolve_inside_the_root_not_on_the_host() {
    let host = tempfile::tempdir().unwrap();
    std::fs::write(
        host.path().join("status"),
        b"Package: host\nStatus: install ok installed\nVersion: 1\n",
    )
    .unwrap();
    std::fs::write(host.path().join("os-release"), b"ID=host\n").unwrap();

    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::create_dir_all(r.join("etc")).unwrap();
    std::fs::create_dir_all(r.join("var/lib")).unwrap();
    std::fs::create_dir_all(r.join("usr/lib/apk/db")).unwrap();
    // Escapes by `..` and by an absolute host path, a file link and a directory link.
    symlink(
        format!("../../../../../../..{}/os-release", host.path().display()),
        r.join("etc/os-release"),
    )
    .unwrap();
    symlink(host.path(), r.join("var/lib/dpkg")).unwrap();
    // A loop, and usrmerge: /lib → usr/lib makes /usr/lib/apk/db/installed the wanted
    // /lib/apk/db/installed.
    symlink("loop-b", r.join("etc/loop-a")).unwrap();
    symlink("loop-a", r.join("etc/loop-b")).unwrap();
    symlink("usr/lib", r.join("lib")).unwrap();
    std::fs::write(
        r.join("usr/lib/apk/db/installed"),
        b"P:musl\nV:1.2.4-r2\nA:x86_64\n\n",
    )
    .unwrap();
    std::fs::write(r.join("usr/lib/os-release"), OS_RELEASE).unwrap();

    let got = read_rootfs(r, &Limits::default()).unwrap();
    assert_eq!(
        got.files.keys().collect::<Vec<_>>(),
        ["/lib/apk/db/installed", "/usr/lib/os-release"]
    );
    for bytes in got.files.values() {
        assert!(!bytes.windows(7).any(|w| w == b"ID=host" || w == b"Package"));
    }
    let w: String = got
        .warnings
        .iter()
        .map(|w| format!("{}: {}\n", w.location, w.message))
        .collect();
    assert!(
        w.contains("/etc/loop-a: symlink to \"loop-b\" is a loop"),
        "{w}"
    );
    assert!(
        w.contains("/etc/os-release: symlink to") && w.contains("points above the image root"),
        "{w}"
    );

    let inv = scan_rootfs(r, &Limits::default()).unwrap();
    assert_eq!(inv.distro.id, "debian");
    assert_eq!(inv.packages.len(), 1);
    assert_eq!(inv.packages[0].name, "musl");
    assert_eq!(inv.packages[0].location, "/lib/apk/db/installed");
    assert!(inv.packages[0].layer.is_none());
}

#[test]
fn unreadable_and_oversized_files_are_warnings() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::create_dir_all(r.join("opt")).unwrap();
    std::fs::write(r.join("opt/big.jar"), vec![0u8; 5000]).unwrap();
    // An executable header and the Go build-info magic: what the walker keeps of executables.
    let mut elf = b"\x7fELF".to_vec();
    elf.extend_from_slice(kvet_inventory::gobin::MAGIC);
    elf.resize(64, 0);
    std::fs::write(r.join("opt/tool"), &elf).unwrap();
    let limits = Limits {
        max_file_bytes: 4096,
        ..Limits::default()
    };
    let got = read_rootfs(r, &limits).unwrap();
    assert_eq!(got.files.keys().collect::<Vec<_>>(), ["/opt/tool"]);
    assert!(got
        .warnings
        .iter()
        .any(|w| w.location.ends_with("opt/big.jar")
            && w.message == "5000 bytes, over the 4096-byte file limit; not read"));

    let err = read_rootfs(&r.join("opt/tool"), &limits).unwrap_err();
    assert!(
        err.to_string().contains("opt/tool: not a directory"),
        "{err}"
    );
    let err = read_rootfs(&r.join("missing"), &limits).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    let limits = Limits {
        max_entries: 2,
        ..Limits::default()
    };
    let err = read_rootfs(r, &limits).unwrap_err();
    assert!(err.to_string().contains("entries (2)"), "{err}");
}

/// The root filesystem the real image was made from (target/test-images, see
/// scripts/make-test-images.sh) gives the same files as the squashed image, and so the same
/// inventory.
#[test]
fn real_rootfs_matches_the_squashed_image() {
    let images = test_images();
    let blobs = LayoutBlobs {
        root: images.join("debian-bookworm"),
    };
    let image = blobs.image();
    let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
    let fs = read_rootfs(&images.join("debian-bookworm.rootfs"), &Limits::default()).unwrap();
    let only_fs: Vec<&String> = fs
        .files
        .keys()
        .filter(|k| !sq.files.contains_key(*k))
        .collect();
    let only_img: Vec<&String> = sq
        .files
        .keys()
        .filter(|k| !fs.files.contains_key(*k))
        .collect();
    assert!(
        only_fs.is_empty() && only_img.is_empty(),
        "{only_fs:?} {only_img:?}"
    );
    assert!(fs.files == sq.files);

    let from_fs = scan_rootfs(&images.join("debian-bookworm.rootfs"), &Limits::default()).unwrap();
    let from_img = scan_image(&image, &blobs, &Limits::default(), None).unwrap();
    let ids = |ps: &[kvet_inventory::Package]| {
        ps.iter()
            .map(|p| (p.purl.clone(), p.location.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&from_fs.packages), ids(&from_img.inventory.packages));
    assert!(from_fs.packages.len() > 150);
}
