//! OCI image layouts and OCI archives, built in the test from real files
//! (testdata/os-release/debian12_etc_os-release, testdata/dpkg/debian12-minbase.status,
//! testdata/os-release/alpine_etc_os-release), and hostile variants of them.

mod common_source;

use std::path::Path;

use common_source::oci::*;
use common_source::{opts, read_layer};
use kvet_image::{open, Error, Platform, SourceSpec};

fn assert_image_matches(image: &kvet_image::Image, built: &Built) {
    assert_eq!(
        image.config_digest.as_deref(),
        Some(built.config_digest.as_str())
    );
    assert_eq!(image.layers.len(), built.layers.len());
    for (got, want) in image.layers.iter().zip(&built.layers) {
        assert_eq!(got.digest, want.digest);
        assert_eq!(got.diff_id.as_deref(), Some(want.diff_id.as_str()));
        assert_eq!(got.media_type.as_deref(), Some(want.media_type.as_str()));
        assert_eq!(got.size, Some(want.size));
        assert_eq!(got.created_by.as_deref(), Some(want.created_by.as_str()));
    }
}

#[test]
fn layout_directory_single_image() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let built = debian_image(&dir, "amd64", None);
    write_single_index(&dir, &built, "bookworm");

    let spec = SourceSpec::input(&dir).unwrap();
    assert_eq!(spec, SourceSpec::Layout(dir.clone()));
    let (image, blobs) = open(&spec, &opts(tmp.path())).unwrap();
    assert_eq!(image.name, dir.display().to_string());
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(built.manifest_digest.as_str())
    );
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(image.repo_tags, vec!["bookworm".to_string()]);
    assert_eq!(image.reference, None);
    assert_image_matches(&image, &built);
    // History alignment skipped the empty ENV / CMD entries: layer 1 is the ADD.
    assert!(image.layers[0]
        .created_by
        .as_deref()
        .unwrap()
        .contains("ADD file:debian12"));

    // Layer bytes are the blobs, byte for byte, in manifest order.
    for layer in &image.layers {
        let got = read_layer(blobs.as_ref(), layer);
        assert_eq!(sha256(&got), layer.digest);
    }
    // The first layer really holds the dpkg status (gzip of a tar with the real file).
    let first = read_layer(blobs.as_ref(), &image.layers[0]);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&first[..]));
    let names: Vec<String> = tar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(
        names.contains(&"var/lib/dpkg/status".to_string()),
        "{names:?}"
    );
}

fn multi_layout(dir: &Path) -> (Built, Built, Built, String) {
    let amd = debian_image(dir, "amd64", None);
    let arm = debian_image(dir, "arm64", Some("v8"));
    let armv7 = build_image(
        dir,
        "linux",
        "arm",
        Some("v7"),
        &[Layer {
            files: vec![("etc/os-release", alpine_os_release())],
            comp: Comp::Gzip,
            created_by: "ADD alpine-minirootfs.tar.gz /",
        }],
    );
    let index = write_multi_index(dir, &[&amd, &arm, &armv7], "multi");
    (amd, arm, armv7, index)
}

#[test]
fn layout_multi_platform_selection() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let (amd, arm, armv7, _) = multi_layout(&dir);
    let spec = SourceSpec::Layout(dir.clone());

    let (image, _) = open(&spec, &opts(tmp.path())).unwrap();
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(amd.manifest_digest.as_str())
    );
    assert_image_matches(&image, &amd);

    for (want, built, shown) in [
        ("linux/arm64", &arm, "linux/arm64"),
        ("linux/arm64/v8", &arm, "linux/arm64"),
        ("linux/aarch64", &arm, "linux/arm64"),
        ("linux/arm", &armv7, "linux/arm/v7"),
    ] {
        let mut o = opts(tmp.path());
        o.platform = Platform::parse(want).unwrap();
        let (image, _) = open(&spec, &o).unwrap();
        assert_eq!(
            image.manifest_digest.as_deref(),
            Some(built.manifest_digest.as_str()),
            "{want}"
        );
        assert_eq!(image.platform.as_deref(), Some(shown));
        assert_image_matches(&image, built);
    }

    let mut o = opts(tmp.path());
    o.platform = Platform::parse("linux/s390x").unwrap();
    let err = common_source::open_err(&spec, &o).to_string();
    assert!(err.contains("no image for platform linux/s390x"), "{err}");
    assert!(
        err.contains("available: linux/amd64, linux/arm64, linux/arm/v7"),
        "{err}"
    );
    assert!(err.contains("index.json"), "{err}");
}

#[test]
fn oci_archive_is_read_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let (_, arm, _, _) = multi_layout(&dir);
    let archive = tmp.path().join("multi.tar");
    tar_dir(&dir, &archive);

    let spec = SourceSpec::input(&archive).unwrap();
    assert_eq!(spec, SourceSpec::Archive(archive.clone()));
    let mut o = opts(tmp.path());
    o.platform = Platform::parse("linux/arm64").unwrap();
    let (image, blobs) = open(&spec, &o).unwrap();
    assert_eq!(image.name, archive.display().to_string());
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(arm.manifest_digest.as_str())
    );
    assert_eq!(image.repo_tags, vec!["multi".to_string()]);
    assert_image_matches(&image, &arm);
    for layer in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), layer)), layer.digest);
    }
    // Nothing was extracted next to the archive or into the cache.
    let mut entries: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    entries.sort();
    assert_eq!(entries, ["layout", "multi.tar"]);
}

fn expect_invalid(spec: &SourceSpec, cache: &Path, needles: &[&str]) -> String {
    let err = match open(spec, &opts(cache)) {
        Ok(_) => panic!("{spec} opened"),
        Err(e) => e,
    };
    let msg = err.to_string();
    for n in needles {
        assert!(msg.contains(n), "{msg:?} lacks {n:?}");
    }
    msg
}

#[test]
fn missing_blob_and_mismatched_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let built = debian_image(&dir, "amd64", None);
    write_single_index(&dir, &built, "t");
    let layer = &built.layers[1];
    let blob = dir.join("blobs/sha256").join(&layer.digest[7..]);
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() - 1]).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &[&dir.display().to_string(), "the manifest says"],
    );
    std::fs::remove_file(&blob).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &[&layer.digest, "not in the layout"],
    );
    // Same in an archive.
    let archive = tmp.path().join("a.tar");
    tar_dir(&dir, &archive);
    expect_invalid(
        &SourceSpec::Archive(archive.clone()),
        tmp.path(),
        &[
            &archive.display().to_string(),
            &layer.digest,
            "not in the layout",
        ],
    );
}

#[test]
fn tampered_manifest_blob_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let built = debian_image(&dir, "amd64", None);
    write_single_index(&dir, &built, "t");
    let path = dir.join("blobs/sha256").join(&built.manifest_digest[7..]);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(b' ');
    std::fs::write(&path, bytes).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["does not match its digest", &built.manifest_digest[7..]],
    );
}

#[test]
fn hostile_index_digests_cannot_name_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    write_layout_marker(&dir);
    for (digest, why) in [
        ("sha256:../../../../etc/passwd", "64 lowercase hex"),
        ("../../etc/passwd", "algorithm:hex"),
        ("/etc/passwd", "algorithm:hex"),
        ("sha256/../../x:abc", "invalid digest algorithm"),
    ] {
        let index = serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 10}
        ]});
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        expect_invalid(
            &SourceSpec::Layout(dir.clone()),
            tmp.path(),
            &["index.json", why],
        );
    }
}

#[test]
fn symlinked_blob_leading_outside_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let built = debian_image(&dir, "amd64", None);
    write_single_index(&dir, &built, "t");
    // Replace the config blob by a link to a file outside the layout with the same bytes.
    let config = dir.join("blobs/sha256").join(&built.config_digest[7..]);
    let outside = tmp.path().join("outside.json");
    std::fs::rename(&config, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &config).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["symbolic link leading outside", &built.config_digest[7..]],
    );
}

#[test]
fn huge_index_json_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    write_layout_marker(&dir);
    let f = std::fs::File::create(dir.join("index.json")).unwrap();
    f.set_len(64 << 20).unwrap(); // sparse: 64 MiB
    let msg = expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["index.json", "limit"],
    );
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
}

#[test]
fn not_a_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("empty");
    std::fs::create_dir(&dir).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["not an OCI image layout", &dir.display().to_string()],
    );
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"2.0.0"}"#).unwrap();
    std::fs::write(dir.join("index.json"), br#"{"manifests":[]}"#).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["imageLayoutVersion"],
    );
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["lists no manifests"],
    );
    std::fs::write(dir.join("index.json"), b"{not json").unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["index.json", "not a manifest or index"],
    );
    let missing = tmp.path().join("missing");
    let err = SourceSpec::input(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("missing"));
}

#[test]
fn schema1_manifest_is_unsupported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    write_layout_marker(&dir);
    // A schema 1 manifest as old registries served it (docker/distribution docs example).
    let schema1 = br#"{"schemaVersion":1,"name":"hello-world","tag":"latest","architecture":"amd64","fsLayers":[{"blobSum":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}],"history":[{"v1Compatibility":"{}"}]}"#;
    let (digest, size) = write_blob(&dir, schema1);
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws", "digest": digest, "size": size}
    ]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    expect_invalid(
        &SourceSpec::Layout(dir.clone()),
        tmp.path(),
        &["schema 1 is not supported"],
    );
}

#[test]
fn layout_with_several_images_is_chosen_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layout");
    let deb = debian_image(&dir, "amd64", None);
    let alp = build_image(
        &dir,
        "linux",
        "amd64",
        None,
        &[Layer {
            files: vec![("etc/os-release", alpine_os_release())],
            comp: Comp::Gzip,
            created_by: "ADD alpine-minirootfs.tar.gz /",
        }],
    );
    // As `docker save` (25+) writes index.json: one entry per tag, full names.
    let entry = |b: &Built, full: &str, tag: &str| {
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": b.manifest_digest, "size": b.manifest_size,
            "annotations": {"io.containerd.image.name": full, "org.opencontainers.image.ref.name": tag}
        })
    };
    write_layout_marker(&dir);
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        entry(&deb, "docker.io/library/debian:12", "12"),
        entry(&deb, "docker.io/library/debian:bookworm", "bookworm"),
        entry(&alp, "docker.io/library/alpine:3.19", "3.19"),
    ]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let spec = SourceSpec::Layout(dir.clone());

    let e = common_source::open_err(&spec, &opts(tmp.path())).to_string();
    assert!(
        e.contains("the layout holds 2 images; choose one by name"),
        "{e}"
    );
    assert!(e.contains("docker.io/library/alpine:3.19"), "{e}");

    for (name, built) in [
        ("alpine:3.19", &alp),
        ("debian:bookworm", &deb),
        ("docker.io/library/debian:12", &deb),
        ("3.19", &alp),
    ] {
        let mut o = opts(tmp.path());
        o.image = Some(name.to_string());
        let (image, _) = open(&spec, &o).unwrap();
        assert_eq!(
            image.manifest_digest.as_deref(),
            Some(built.manifest_digest.as_str()),
            "{name}"
        );
    }
    let mut o = opts(tmp.path());
    o.image = Some("debian:12".into());
    let (image, _) = open(&spec, &o).unwrap();
    assert_eq!(image.repo_tags, ["docker.io/library/debian:12"]);
    o.image = Some("nginx:1".into());
    let e = common_source::open_err(&spec, &o).to_string();
    assert!(e.contains("no image named \"nginx:1\""), "{e}");
}
