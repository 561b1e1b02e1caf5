//! `docker save` tarballs: a real one written by `skopeo copy … docker-archive:` from an image
//! built from real files (testdata/os-release/debian12_etc_os-release,
//! testdata/dpkg/debian12-minbase.status), hand-made ones in the legacy (`<id>/layer.tar`) and
//! Docker 25 (`blobs/sha256/`, links) layouts, and hostile archives.

mod common_source;

use std::path::{Path, PathBuf};
use std::process::Command;

use common_source::oci::*;
use common_source::{open_err, opts, read_layer};
use kvet_image::{open, Error, SourceSpec};

fn skopeo_docker_archive(tmp: &Path) -> (Built, PathBuf) {
    let dir = tmp.join("layout");
    let built = debian_image_for_docker(&dir, "amd64");
    write_single_index(&dir, &built, "bookworm");
    let out = tmp.join("saved.tar");
    let out_ = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--quiet"])
        .arg(format!("oci:{}:bookworm", dir.display()))
        .arg(format!(
            "docker-archive:{}:example.com/team/app:1.0",
            out.display()
        ))
        .output()
        .expect("skopeo (scripts/setup/img-source.sh)");
    assert!(
        out_.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out_.stderr)
    );
    (built, out)
}

#[test]
fn skopeo_docker_archive_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (built, archive) = skopeo_docker_archive(tmp.path());
    let spec = SourceSpec::input(&archive).unwrap();
    let (image, blobs) = open(&spec, &opts(tmp.path())).unwrap();
    assert_eq!(
        image.repo_tags,
        vec!["example.com/team/app:1.0".to_string()]
    );
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(image.manifest_digest, None);
    assert_eq!(image.layers.len(), 2);
    for (got, want) in image.layers.iter().zip(&built.layers) {
        assert_eq!(got.diff_id.as_deref(), Some(want.diff_id.as_str()));
        assert_eq!(got.created_by.as_deref(), Some(want.created_by.as_str()));
        // Whatever skopeo stored, the digest we report is what the bytes hash to, so the
        // squash's verification passes.
        let bytes = read_layer(blobs.as_ref(), got);
        assert_eq!(sha256(&bytes), got.digest);
        assert_eq!(got.size, Some(bytes.len() as u64));
    }
    // The config is carried over byte for byte: its digest is the image id.
    assert_eq!(
        image.config_digest.as_deref(),
        Some(built.config_digest.as_str())
    );
}

/// A `docker save` as Docker before 25 wrote it: `<id>/layer.tar` (uncompressed), the
/// config as `<hex>.json`, `repositories`.
fn legacy_save(dir: &Path) -> (Vec<(String, String)>, String) {
    std::fs::create_dir_all(dir).unwrap();
    let layers = [
        layer_tar(&[("etc/os-release", &debian_os_release())]),
        layer_tar(&[("var/lib/dpkg/status", &debian_dpkg_status())]),
    ];
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = serde_json::json!({
        "architecture": "arm64", "variant": "v8", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [
            {"created_by": "ADD rootfs.tar /"},
            {"created_by": "ENV A=1", "empty_layer": true},
            {"created_by": "RUN apt-get install"}
        ]
    });
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_digest = sha256(&config_bytes);
    std::fs::write(
        dir.join(format!("{}.json", &config_digest[7..])),
        &config_bytes,
    )
    .unwrap();
    let mut paths = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let id = format!("{:064x}", i + 1);
        std::fs::create_dir_all(dir.join(&id)).unwrap();
        std::fs::write(dir.join(&id).join("layer.tar"), l).unwrap();
        std::fs::write(dir.join(&id).join("VERSION"), "1.0").unwrap();
        paths.push((format!("{id}/layer.tar"), diff_ids[i].clone()));
    }
    let manifest = serde_json::json!([{
        "Config": format!("{}.json", &config_digest[7..]),
        "RepoTags": ["debian:legacy", "debian:old"],
        "Layers": paths.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
    }]);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("repositories"), br#"{"debian":{"legacy":"x"}}"#).unwrap();
    (paths, config_digest)
}

#[test]
fn legacy_docker_save_tarball_and_extracted_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let (paths, config_digest) = legacy_save(&dir);
    let archive = tmp.path().join("legacy.tar");
    tar_dir(&dir, &archive);
    for spec in [
        SourceSpec::Archive(archive.clone()),
        SourceSpec::Layout(dir.clone()),
    ] {
        let (image, blobs) = open(&spec, &opts(tmp.path())).unwrap();
        assert_eq!(image.repo_tags, ["debian:legacy", "debian:old"]);
        assert_eq!(image.platform.as_deref(), Some("linux/arm64"));
        assert_eq!(image.config_digest.as_deref(), Some(config_digest.as_str()));
        let digests: Vec<&str> = image.layers.iter().map(|l| l.digest.as_str()).collect();
        let want: Vec<&str> = paths.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(digests, want, "{spec}: legacy layers are named by diff_id");
        assert_eq!(
            image.layers[0].created_by.as_deref(),
            Some("ADD rootfs.tar /")
        );
        assert_eq!(
            image.layers[1].created_by.as_deref(),
            Some("RUN apt-get install")
        );
        for l in &image.layers {
            assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
            assert_eq!(l.media_type, None);
        }
    }
}

/// Docker 25+: blobs under `blobs/sha256/`, legacy `<id>/layer.tar` kept as symbolic links
/// into them, plus `index.json`/`oci-layout`. `manifest.json` wins (it has RepoTags).
#[test]
fn docker25_save_with_links() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let built = debian_image(&dir, "amd64", None); // writes blobs/sha256/…
    write_single_index(&dir, &built, "latest");
    // Docker stores layers uncompressed; use the plain third layer through a link.
    let plain = &built.layers[2];
    let id = "a".repeat(64);
    std::fs::create_dir_all(dir.join(&id)).unwrap();
    std::os::unix::fs::symlink(
        format!("../blobs/sha256/{}", &plain.digest[7..]),
        dir.join(&id).join("layer.tar"),
    )
    .unwrap();
    let manifest = serde_json::json!([{
        "Config": format!("blobs/sha256/{}", &built.config_digest[7..]),
        "RepoTags": ["app:25"],
        "Layers": [
            format!("blobs/sha256/{}", &built.layers[0].digest[7..]),
            format!("blobs/sha256/{}", &built.layers[1].digest[7..]),
            format!("{id}/layer.tar"),
        ],
        "LayerSources": {
            built.layers[0].diff_id.clone(): {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": built.layers[0].size, "digest": built.layers[0].digest}
        }
    }]);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let archive = tmp.path().join("d25.tar");
    tar_dir(&dir, &archive);
    let (image, blobs) = open(&SourceSpec::Archive(archive), &opts(tmp.path())).unwrap();
    assert_eq!(image.repo_tags, ["app:25"]);
    let digests: Vec<&str> = image.layers.iter().map(|l| l.digest.as_str()).collect();
    assert_eq!(
        digests,
        [
            built.layers[0].digest.as_str(),
            built.layers[1].digest.as_str(),
            plain.diff_id.as_str() // uncompressed: digest == diff_id
        ]
    );
    assert_eq!(
        image.layers[0].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
}

fn write_manifest_json(dir: &Path, config: &str, layers: &[&str]) {
    let manifest = serde_json::json!([{"Config": config, "RepoTags": ["x:y"], "Layers": layers}]);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

fn archive_err(tmp: &Path, dir: &Path) -> (String, String) {
    let archive = tmp.join(format!(
        "{}.tar",
        dir.file_name().unwrap().to_string_lossy()
    ));
    tar_dir(dir, &archive);
    let e = open_err(&SourceSpec::Archive(archive.clone()), &opts(tmp));
    (e.to_string(), archive.display().to_string())
}

#[test]
fn hostile_paths_in_manifest_json_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let (paths, config_digest) = legacy_save(&dir);
    let config = format!("{}.json", &config_digest[7..]);
    for (cfg, layer, why) in [
        ("../../etc/passwd", paths[0].0.as_str(), "'..'"),
        ("/etc/passwd", paths[0].0.as_str(), "absolute path"),
        (config.as_str(), "../../../../etc/passwd", "'..'"),
        (config.as_str(), "/etc/shadow", "absolute path"),
        (config.as_str(), "x/../../etc/passwd", "'..'"),
    ] {
        write_manifest_json(&dir, cfg, &[layer]);
        let (msg, archive) = archive_err(tmp.path(), &dir);
        assert!(
            msg.contains(why) && msg.contains("refusing to read outside"),
            "{msg}"
        );
        assert!(
            msg.starts_with(&format!("{archive}: manifest.json")),
            "{msg}"
        );
        // The same manifest in an extracted directory.
        let e = open_err(&SourceSpec::Layout(dir.clone()), &opts(tmp.path())).to_string();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn links_leading_outside_the_archive_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let (_, config_digest) = legacy_save(&dir);
    std::fs::create_dir_all(dir.join("evil")).unwrap();
    std::os::unix::fs::symlink("../../../../../../etc/passwd", dir.join("evil/layer.tar")).unwrap();
    write_manifest_json(
        &dir,
        &format!("{}.json", &config_digest[7..]),
        &["evil/layer.tar"],
    );
    let (msg, archive) = archive_err(tmp.path(), &dir);
    assert!(
        msg.contains(&archive) && msg.contains("evil/layer.tar"),
        "{msg}"
    );
    assert!(msg.contains("outside the archive"), "{msg}");
    // In a directory the link resolves outside the root and is refused too.
    let e = open_err(&SourceSpec::Layout(dir.clone()), &opts(tmp.path())).to_string();
    assert!(e.contains("symbolic link leading outside"), "{e}");
}

#[test]
fn missing_layer_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let (paths, config_digest) = legacy_save(&dir);
    write_manifest_json(
        &dir,
        &format!("{}.json", &config_digest[7..]),
        &[paths[0].0.as_str(), "nothere/layer.tar"],
    );
    let (msg, archive) = archive_err(tmp.path(), &dir);
    assert!(msg.starts_with(&archive), "{msg}");
    assert!(
        msg.contains("nothere/layer.tar is not in the archive"),
        "{msg}"
    );
    assert!(msg.contains("layer 2"), "{msg}");
}

#[test]
fn huge_manifest_json_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    legacy_save(&dir);
    let mut big = b"[".to_vec();
    big.extend(std::iter::repeat_n(b' ', 5 << 20));
    big.push(b']');
    std::fs::write(dir.join("manifest.json"), big).unwrap();
    let (msg, archive) = archive_err(tmp.path(), &dir);
    assert!(msg.contains(&format!("{archive}: manifest.json")), "{msg}");
    assert!(
        msg.contains("exceeds the 4194304-byte document limit"),
        "{msg}"
    );
}

#[test]
fn truncated_compressed_and_non_tar_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, archive) = skopeo_docker_archive(tmp.path());
    let bytes = std::fs::read(&archive).unwrap();

    // Cut in the middle of the archive: some entry's data runs past the end.
    let cut = tmp.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(&SourceSpec::Archive(cut.clone()), &opts(tmp.path())).to_string();
    assert!(e.starts_with(&cut.display().to_string()), "{e}");
    assert!(
        e.contains("truncated") || e.contains("not a valid tar"),
        "{e}"
    );

    // Cut in a header block.
    let cut2 = tmp.path().join("cut2.tar");
    std::fs::write(&cut2, &bytes[..700]).unwrap();
    let e = open_err(&SourceSpec::Archive(cut2.clone()), &opts(tmp.path())).to_string();
    assert!(e.starts_with(&cut2.display().to_string()), "{e}");

    let gz = tmp.path().join("saved.tar.gz");
    std::fs::write(&gz, compress(&bytes, Comp::Gzip)).unwrap();
    let e = open_err(&SourceSpec::Archive(gz.clone()), &opts(tmp.path())).to_string();
    assert!(
        e.contains("gzip-compressed tarball; decompress it first"),
        "{e}"
    );

    let junk = tmp.path().join("junk.tar");
    std::fs::write(&junk, debian_dpkg_status()).unwrap();
    let e = open_err(&SourceSpec::Archive(junk.clone()), &opts(tmp.path()));
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert!(
        e.to_string().starts_with(&junk.display().to_string()),
        "{e}"
    );

    let tiny = tmp.path().join("tiny.tar");
    std::fs::write(&tiny, b"hello").unwrap();
    let e = open_err(&SourceSpec::Archive(tiny.clone()), &opts(tmp.path())).to_string();
    assert!(e.contains("not a tar archive"), "{e}");

    // A tar with neither manifest.json nor oci-layout.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("README"), b"hi").unwrap();
    let other_tar = tmp.path().join("other.tar");
    tar_dir(&other, &other_tar);
    let e = open_err(&SourceSpec::Archive(other_tar), &opts(tmp.path())).to_string();
    assert!(e.contains("neither a docker save archive"), "{e}");
}

#[test]
fn layer_file_shrinking_after_indexing_is_an_error_not_a_short_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, archive) = skopeo_docker_archive(tmp.path());
    let (image, blobs) = open(&SourceSpec::Archive(archive.clone()), &opts(tmp.path())).unwrap();
    let len = std::fs::metadata(&archive).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&archive)
        .unwrap();
    f.set_len(len / 3).unwrap();
    let mut any_err = false;
    for l in &image.layers {
        let mut buf = Vec::new();
        if let Ok(mut r) = blobs.open_layer(l) {
            if let Err(e) = std::io::Read::read_to_end(&mut r, &mut buf) {
                assert!(e.to_string().contains("ended"), "{e}");
                any_err = true;
            }
        }
    }
    assert!(any_err);
}

#[test]
fn docker_save_with_several_images_is_chosen_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("save");
    let (paths, config_digest) = legacy_save(&dir);
    let config = format!("{}.json", &config_digest[7..]);
    // Two images (same platform): the base alone, and base + second layer.
    let manifest = serde_json::json!([
        {"Config": config, "RepoTags": ["debian:base"], "Layers": [paths[0].0]},
        {"Config": config, "RepoTags": ["registry.local:5000/debian:full", "debian:latest"], "Layers": [paths[0].0, paths[1].0]},
    ]);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let archive = tmp.path().join("two.tar");
    tar_dir(&dir, &archive);
    let spec = SourceSpec::Archive(archive);
    let mut o = opts(tmp.path());
    o.platform = kvet_image::Platform::parse("linux/arm64").unwrap();
    let e = open_err(&spec, &o).to_string();
    assert!(e.contains("holds 2 images; choose one by name: debian:base, registry.local:5000/debian:full, debian:latest"), "{e}");
    for (name, n) in [
        ("debian:base", 1),
        ("docker.io/library/debian:latest", 2),
        ("registry.local:5000/debian:full", 2),
    ] {
        o.image = Some(name.into());
        let (image, _) = open(&spec, &o).unwrap();
        assert_eq!(image.layers.len(), n, "{name}");
    }
    o.image = Some("debian:nope".into());
    assert!(open_err(&spec, &o)
        .to_string()
        .contains("no image named \"debian:nope\""));
}
