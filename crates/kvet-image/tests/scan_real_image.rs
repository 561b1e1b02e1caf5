//! The real Debian 12 image built by `scripts/make-test-images.sh` from Debian's packages
//! (target/test-images/debian-bookworm: layer 0 = `debootstrap --variant=minbase bookworm`,
//! layer 1 = `apt-get install liblog4j2-java python3-six runc`, layer 2 = `rm` of one jar and
//! one directory), checked against what dpkg itself says about the root filesystem the image was
//! made from (debian-bookworm.rootfs, debian-bookworm.expected/).

mod common_squash;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common_squash::{test_images, LayoutBlobs};
use kvet_image::{scan_image, squash, Image, ImageInventory, Limits};
use kvet_inventory::{Package, PackageKind};

fn layout(name: &str) -> (LayoutBlobs, Image) {
    let blobs = LayoutBlobs {
        root: test_images().join(name),
    };
    let image = blobs.image();
    (blobs, image)
}

fn scan(name: &str) -> ImageInventory {
    let (blobs, image) = layout(name);
    scan_image(&image, &blobs, &Limits::default(), None).unwrap()
}

/// `name \t version \t arch` lines.
fn tsv_set(text: &str) -> BTreeSet<(String, String, String)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

fn debs(inv: &ImageInventory) -> Vec<&Package> {
    inv.inventory
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Deb)
        .collect()
}

fn deb_set(inv: &ImageInventory) -> BTreeSet<(String, String, String)> {
    debs(inv)
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.full_version(),
                p.arch.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn expected(file: &str) -> String {
    std::fs::read_to_string(test_images().join("debian-bookworm.expected").join(file)).unwrap()
}

#[test]
fn dpkg_packages_are_exactly_what_dpkg_query_lists() {
    let inv = scan("debian-bookworm");
    let rootfs = test_images().join("debian-bookworm.rootfs");
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg("-f=${Package}\t${Version}\t${Architecture}\n")
        .arg(format!(
            "--admindir={}",
            rootfs.join("var/lib/dpkg").display()
        ))
        .output()
        .expect("dpkg-query runs");
    assert!(out.status.success());
    let oracle = tsv_set(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(oracle.len(), 123);
    assert_eq!(debs(&inv).len(), oracle.len());
    assert_eq!(deb_set(&inv), oracle);
    assert_eq!(oracle, tsv_set(&expected("packages-2.tsv")));
    assert_eq!(inv.inventory.distro.id, "debian");
    assert_eq!(inv.inventory.distro.version_id.as_deref(), Some("12"));
}

#[test]
fn debs_are_attributed_to_the_layer_that_installed_them() {
    let (_, image) = layout("debian-bookworm");
    let inv = scan("debian-bookworm");
    let base = tsv_set(&expected("packages-0.tsv"));
    assert_eq!(base.len(), 88);
    let mut per_layer: BTreeMap<usize, usize> = BTreeMap::new();
    for p in debs(&inv) {
        let l = p
            .layer
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no layer", p.name));
        let key = (
            p.name.clone(),
            p.full_version(),
            p.arch.clone().unwrap_or_default(),
        );
        let want = if base.contains(&key) { 0 } else { 1 };
        assert_eq!(l.index, want, "{key:?}");
        assert_eq!(l.digest, image.layers[want].digest);
        assert_eq!(l.diff_id, image.layers[want].diff_id);
        assert_eq!(l.created_by, image.layers[want].created_by);
        *per_layer.entry(l.index).or_default() += 1;
    }
    assert_eq!(per_layer, BTreeMap::from([(0, 88), (1, 35)]));
    let runc = debs(&inv).into_iter().find(|p| p.name == "runc").unwrap();
    assert!(runc
        .layer
        .as_ref()
        .unwrap()
        .created_by
        .as_deref()
        .unwrap()
        .contains("apt-get install"));
    // The per-layer summary agrees.
    let counts: Vec<usize> = inv.layers.iter().map(|l| l.packages).collect();
    let apps = inv.inventory.packages.len() - 123;
    assert_eq!(counts, vec![88, 35 + apps, 0]);
}

#[test]
fn jars_and_go_modules_come_from_layer_one() {
    let inv = scan("debian-bookworm");
    let maven: Vec<&Package> = inv
        .inventory
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Maven)
        .collect();
    let names: BTreeSet<(&str, &str)> = maven
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    for want in [
        ("org.apache.logging.log4j:log4j-core", "2.19.0"),
        ("org.apache.logging.log4j:log4j-api", "2.19.0"),
        ("com.google.code.gson:gson", "2.10"),
        // Jars without pom.properties (libmongodb-java, libcommons-logging-java), named from
        // MANIFEST.MF and file name.
        ("org.mongodb:bson", "3.6.3"),
        ("mongodb-driver", "3.6.3"),
        ("commons-logging:commons-logging", "1.2"),
    ] {
        assert!(names.contains(&want), "{want:?} not in {names:?}");
    }
    // The jar deleted in layer 2 is gone, and so is its package.
    assert!(
        !names.iter().any(|(n, _)| n.ends_with(":log4j-1.2-api")),
        "{names:?}"
    );
    // Every jar is read once, under its real name, even though Debian links each one to a
    // versionless name.
    let locations: Vec<&str> = maven.iter().map(|p| p.location.as_str()).collect();
    let unique: BTreeSet<(&str, &str)> = maven
        .iter()
        .map(|p| (p.name.as_str(), p.location.as_str()))
        .collect();
    assert_eq!(unique.len(), maven.len(), "{locations:?}");
    let core: Vec<&&Package> = maven
        .iter()
        .filter(|p| p.name == "org.apache.logging.log4j:log4j-core")
        .collect();
    assert_eq!(core.len(), 1);
    assert!(
        core[0]
            .location
            .starts_with("/usr/share/java/log4j-core.jar!"),
        "{}",
        core[0].location
    );
    for p in &maven {
        assert_eq!(p.layer.as_ref().unwrap().index, 1, "{}", p.location);
    }

    let go: Vec<&Package> = inv
        .inventory
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Golang)
        .collect();
    // Debian builds runc from its own packaged sources (no module versions in the build info),
    // so the toolchain is what the binary records: Go 1.19 of bookworm.
    let found: Vec<(&str, &str, &str)> = go
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.location.as_str()))
        .collect();
    assert!(
        found
            .iter()
            .any(|(n, v, l)| *n == "stdlib" && v.starts_with("v1.19.") && *l == "/usr/sbin/runc"),
        "{found:?}"
    );
    for p in &go {
        assert_eq!(
            p.layer.as_ref().unwrap().index,
            1,
            "{} {}",
            p.name,
            p.location
        );
    }
}

/// Whether `rel` is a regular file in `root` with no symlink among its parents.
fn plain_file(root: &Path, rel: &str) -> bool {
    let mut p = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
    for (i, c) in parts.iter().enumerate() {
        p.push(c);
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            return false;
        };
        if i + 1 < parts.len() && !m.is_dir() {
            return false;
        }
        if i + 1 == parts.len() {
            return m.is_file();
        }
    }
    false
}

#[test]
fn wanted_files_of_layer_one_packages_are_kept_with_their_layer() {
    let (blobs, image) = layout("debian-bookworm");
    let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
    let before = squash(&image.layers[..2], &blobs, &Limits::default(), None).unwrap();
    let rootfs = test_images().join("debian-bookworm.rootfs");
    let deleted: Vec<String> = expected("deleted.txt").lines().map(str::to_owned).collect();
    let mut checked = 0;
    for pkg in ["liblog4j2-java", "python3-six", "runc"] {
        for path in expected(&format!("files-{pkg}.txt")).lines() {
            if !kvet_inventory::is_wanted(path) {
                continue;
            }
            let gone = deleted
                .iter()
                .any(|d| path == d || path.starts_with(&format!("{d}/")));
            if gone {
                assert!(
                    !sq.files.contains_key(path),
                    "{path} was deleted in layer 2"
                );
                assert!(
                    before.files.contains_key(path),
                    "{path} was there before layer 2"
                );
                continue;
            }
            if !plain_file(&rootfs, path) {
                continue; // a symlink: its target is the kept file
            }
            let on_disk = std::fs::read(rootfs.join(path.trim_start_matches('/'))).unwrap();
            assert_eq!(sq.files.get(path), Some(&on_disk), "{path}");
            assert_eq!(sq.origin.get(path), Some(&1), "{path}");
            checked += 1;
        }
    }
    // 9 real jars of liblog4j2-java (10, less the deleted one; the other names are links) and
    // the copyright files of liblog4j2-java and runc (python3-six's directory was deleted) —
    // more once cataloguers want more (Python's egg-info).
    assert!(checked >= 11, "{checked}");
    // Executables are kept for the Go cataloguer, with their layer.
    assert!(sq.files["/usr/sbin/runc"].starts_with(b"\x7fELF"));
    assert_eq!(sq.origin["/usr/sbin/runc"], 1);
    // The dangling link left behind by the deleted jar is reported.
    assert!(sq
        .warnings
        .iter()
        .any(|w| w.location == "/usr/share/java/log4j-1.2-api-2.19.0.jar"
            && w.message.contains("target is not a file in the image")));
}

#[test]
fn zstd_layers_give_the_same_view() {
    let (gz_blobs, gz_image) = layout("debian-bookworm");
    let (zs_blobs, zs_image) = layout("debian-bookworm-zstd");
    let gz = squash(&gz_image.layers, &gz_blobs, &Limits::default(), None).unwrap();
    let zs = squash(&zs_image.layers, &zs_blobs, &Limits::default(), None).unwrap();
    assert!(zs
        .layers
        .iter()
        .all(|l| l.compression == kvet_image::layer::Compression::Zstd));
    assert!(gz
        .layers
        .iter()
        .all(|l| l.compression == kvet_image::layer::Compression::Gzip));
    assert_eq!(gz.files.len(), zs.files.len());
    assert!(gz.files == zs.files);
    assert_eq!(gz.origin, zs.origin);
    // Same uncompressed tars (skopeo recompressed them; the diff ids are unchanged).
    let sizes = |s: &kvet_image::Squashed| {
        s.layers
            .iter()
            .map(|l| l.uncompressed_bytes)
            .collect::<Vec<_>>()
    };
    assert_eq!(sizes(&gz), sizes(&zs));
    assert_eq!(
        gz_image
            .layers
            .iter()
            .map(|l| &l.diff_id)
            .collect::<Vec<_>>(),
        zs_image
            .layers
            .iter()
            .map(|l| &l.diff_id)
            .collect::<Vec<_>>()
    );
}

#[test]
fn progress_reports_every_layer() {
    let (blobs, image) = layout("debian-bookworm");
    let seen = std::sync::Mutex::new(Vec::new());
    let cb = |p: &kvet_image::ScanProgress<'_>| {
        seen.lock()
            .unwrap()
            .push((p.layer, p.bytes, p.done, p.size));
    };
    scan_image(&image, &blobs, &Limits::default(), Some(&cb)).unwrap();
    let seen = seen.into_inner().unwrap();
    for (i, l) in image.layers.iter().enumerate() {
        let mine: Vec<_> = seen.iter().filter(|s| s.0 == i).collect();
        assert!(mine.first().is_some_and(|s| s.1 == 0 && !s.2));
        let last = mine.last().unwrap();
        assert!(last.2 && Some(last.1) == l.size, "{last:?}");
        assert!(mine.windows(2).all(|w| w[0].1 <= w[1].1));
    }
    // The 60 MB base layer reports along the way, not only at the end.
    assert!(seen.iter().filter(|s| s.0 == 0).count() > 5);
}

#[test]
fn packages_with_a_linked_doc_directory_get_their_licence() {
    // Debian links some doc directories to another package's (libstdc++6 → gcc-12-base,
    // libncursesw6 → libtinfo6): the copyright is read through the link, and the file, now
    // present under two names, still yields each package once.
    let inv = scan("debian-bookworm");
    let rootfs = test_images().join("debian-bookworm.rootfs");
    for (pkg, target) in [
        ("libstdc++6", "gcc-12-base"),
        ("libgcc-s1", "gcc-12-base"),
        ("libncursesw6", "libtinfo6"),
        ("libpython3.11-stdlib", "libpython3.11-minimal"),
    ] {
        let link = rootfs.join("usr/share/doc").join(pkg);
        assert_eq!(std::fs::read_link(&link).unwrap().to_str(), Some(target));
        let text = std::fs::read_to_string(link.join("copyright")).unwrap();
        let want = kvet_inventory::dpkg::copyright_licenses(&text);
        let p = debs(&inv).into_iter().find(|p| p.name == pkg).unwrap();
        assert_eq!(p.license, want, "{pkg}");
        let t = debs(&inv).into_iter().find(|p| p.name == target).unwrap();
        assert_eq!(t.license, want, "{target}");
    }
    let (blobs, image) = layout("debian-bookworm");
    let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
    assert_eq!(
        sq.aliases
            .get("/usr/share/doc/libstdc++6/copyright")
            .map(String::as_str),
        Some("/usr/share/doc/gcc-12-base/copyright")
    );
}

/// (kind, name, version, location) of the packages found in executables: Go modules and the
/// well-known programs of the binary detector.
fn executable_packages(packages: &[Package]) -> BTreeSet<(String, String, String, String)> {
    packages
        .iter()
        .filter(|p| matches!(p.kind, PackageKind::Golang | PackageKind::Binary))
        .map(|p| {
            (
                format!("{:?}", p.kind),
                p.name.clone(),
                p.version.clone(),
                p.location.clone(),
            )
        })
        .collect()
}

/// The walker keeps an executable exactly when a cataloguer can use it, and finds every Go
/// module and well-known program that reading *every* executable finds: the reference is
/// kvet-inventory's own reader of the unpacked root filesystem the image was made from
/// (debian-bookworm.rootfs), which keeps all executables. Fails if Debian's runc (Go) or the
/// name-and-version programs of the image (python3.11, libcrypto's OpenSSL) stop being found.
#[test]
fn executables_are_kept_exactly_when_a_cataloguer_uses_them() {
    let rootfs = test_images().join("debian-bookworm.rootfs");
    let all = kvet_inventory::rootfs::read_tree(&rootfs, true).unwrap();
    let executables: Vec<(&String, &Vec<u8>)> = all
        .iter()
        .filter(|(p, b)| !kvet_inventory::is_wanted(p) && kvet_inventory::looks_like_executable(b))
        .collect();
    assert!(executables.len() > 300, "{}", executables.len());
    for variant in ["debian-bookworm", "debian-bookworm-zstd"] {
        let (blobs, image) = layout(variant);
        let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
        let mut kept = 0;
        for (path, bytes) in &executables {
            let want = kvet_inventory::executable_worth_keeping(path, bytes);
            assert_eq!(
                sq.files.contains_key(path.as_str()),
                want,
                "{variant} {path}"
            );
            if want {
                assert_eq!(
                    sq.files.get(path.as_str()),
                    Some(*bytes),
                    "{variant} {path}"
                );
                kept += 1;
            }
        }
        // runc, python3.11, libcrypto.so.3 and libssl.so.3 — a handful of the hundreds.
        assert!(
            (4..20).contains(&kept),
            "{variant}: {kept} executables kept"
        );
    }
    let reference = executable_packages(&kvet_inventory::catalogue(&all).packages);
    for want in [
        ("Golang", "stdlib", "/usr/sbin/runc"),
        ("Binary", "python", "/usr/bin/python3.11"),
        (
            "Binary",
            "openssl",
            "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        ),
    ] {
        assert!(
            reference
                .iter()
                .any(|(k, n, _, l)| (k.as_str(), n.as_str(), l.as_str()) == want),
            "{want:?} not in {reference:?}"
        );
    }
    for variant in ["debian-bookworm", "debian-bookworm-zstd"] {
        let inv = scan(variant);
        assert_eq!(
            executable_packages(&inv.inventory.packages),
            reference,
            "{variant}"
        );
    }
    let from_rootfs = kvet_image::scan_rootfs(&rootfs, &Limits::default()).unwrap();
    assert_eq!(executable_packages(&from_rootfs.packages), reference);
}

/// Real binaries of the image — Debian's runc (Go 1.19) and python3.11 — copied into a new
/// layer under other paths, as `COPY --from=build` would: the Go binary is found by its build
/// info whatever its name, python by its name and version string, and the same python bytes
/// under a name the detector does not know are not kept. A hardlink that gives a dropped
/// executable a known program's name is reported rather than silently missed.
#[test]
fn copied_in_binaries_are_found_by_content_and_name() {
    let rootfs = test_images().join("debian-bookworm.rootfs");
    let runc = std::fs::read(rootfs.join("usr/sbin/runc")).unwrap();
    let python = std::fs::read(rootfs.join("usr/bin/python3.11")).unwrap();
    let bash = std::fs::read(rootfs.join("usr/bin/bash")).unwrap();
    let layer = common_squash::tar(&[
        common_squash::E::Dir("opt/app/"),
        common_squash::E::File("opt/app/server", &runc),
        common_squash::E::File("opt/app/python3.11", &python),
        common_squash::E::File("opt/app/py", &python),
        common_squash::E::File("opt/app/tool", &bash),
        common_squash::E::Hardlink("opt/app/nginx", "opt/app/tool"),
    ]);
    let mut blobs = common_squash::MemBlobs::default();
    let image = blobs.image(vec![common_squash::zstd(&layer)]);
    let sq = squash(&image.layers, &blobs, &Limits::default(), None).unwrap();
    let kept: Vec<&str> = sq.files.keys().map(String::as_str).collect();
    assert_eq!(kept, ["/opt/app/python3.11", "/opt/app/server"]);
    let inv = scan_image(&image, &blobs, &Limits::default(), None).unwrap();
    let found: BTreeSet<(String, String)> = inv
        .inventory
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.location.clone()))
        .collect();
    assert!(
        found.contains(&("stdlib".into(), "/opt/app/server".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("python".into(), "/opt/app/python3.11".into())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(_, l)| l == "/opt/app/py"), "{found:?}");
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.location == "/opt/app/nginx" && w.message.contains("not kept")),
        "{:?}",
        inv.warnings
    );
}
