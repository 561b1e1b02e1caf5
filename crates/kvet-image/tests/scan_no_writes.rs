//! "Nothing from an image is written to disk": a whole scan of the real image (from
//! scripts/make-test-images.sh) runs with an empty temporary directory as the working directory
//! and as TMPDIR, and both are still empty afterwards; the image itself is unchanged. One test
//! in this binary, as it changes the process's working directory.

mod common_squash;

use std::time::SystemTime;

use common_squash::{list_dir, test_images, LayoutBlobs};
use kvet_image::{scan_image, scan_rootfs, Limits};

#[test]
fn a_scan_writes_nothing() {
    let images = test_images();
    let blobs = LayoutBlobs {
        root: images.join("debian-bookworm"),
    };
    let image = blobs.image();
    let stamp = |dir: &std::path::Path| -> Vec<(String, SystemTime, u64)> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(|e| e.ok())
            .map(|e| {
                let m = e.path().symlink_metadata().unwrap();
                (
                    e.path().display().to_string(),
                    m.modified().unwrap(),
                    m.len(),
                )
            })
            .collect()
    };
    let layout_before = stamp(&images.join("debian-bookworm"));

    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_current_dir(cwd.path()).unwrap();
    // SAFETY: the only test in this binary; no other thread reads the environment.
    unsafe { std::env::set_var("TMPDIR", tmp.path()) };

    let inv = scan_image(&image, &blobs, &Limits::default(), None).unwrap();
    assert!(inv.inventory.packages.len() > 150);
    let fs = scan_rootfs(&images.join("debian-bookworm.rootfs"), &Limits::default()).unwrap();
    assert_eq!(fs.packages.len(), inv.inventory.packages.len());

    assert_eq!(list_dir(cwd.path()), Vec::<String>::new());
    assert_eq!(list_dir(tmp.path()), Vec::<String>::new());
    assert_eq!(stamp(&images.join("debian-bookworm")), layout_before);
}
