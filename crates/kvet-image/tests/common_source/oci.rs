//! Builds small real OCI image layouts from real files, the way `buildah`/`docker buildx`
//! lay them out: layer tars (gzip, zstd or plain), a config with history and diff_ids, a
//! manifest, and `index.json`, all content-addressed under `blobs/sha256/`.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The shared real test data (`kvet_core::testdata_dir()`).
pub fn testdata() -> PathBuf {
    kvet_core::testdata_dir().expect("shared testdata (KVET_TESTDATA or /work/shared/testdata)")
}

/// Debian 12's `/etc/os-release` (testdata/os-release/debian12_etc_os-release).
pub fn debian_os_release() -> Vec<u8> {
    std::fs::read(testdata().join("os-release/debian12_etc_os-release")).unwrap()
}

/// `/var/lib/dpkg/status` of a Debian 12 minbase root (testdata/dpkg/debian12-minbase.status).
pub fn debian_dpkg_status() -> Vec<u8> {
    std::fs::read(testdata().join("dpkg/debian12-minbase.status")).unwrap()
}

/// Alpine's `/etc/os-release` (testdata/os-release/alpine_etc_os-release).
pub fn alpine_os_release() -> Vec<u8> {
    std::fs::read(testdata().join("os-release/alpine_etc_os-release")).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comp {
    Gzip,
    Zstd,
    Plain,
}

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// A tar of `files` (path, contents), with parent directories, as a layer holds them.
pub fn layer_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (path, _) in files {
        let mut acc = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            acc.push_str(part);
            acc.push('/');
            dirs.insert(acc.clone());
        }
    }
    for d in &dirs {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, d, std::io::empty()).unwrap();
    }
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn compress(tar: &[u8], comp: Comp) -> Vec<u8> {
    match comp {
        Comp::Plain => tar.to_vec(),
        Comp::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
        Comp::Zstd => zstd::encode_all(tar, 3).unwrap(),
    }
}

fn layer_media_type(comp: Comp) -> &'static str {
    match comp {
        Comp::Plain => "application/vnd.oci.image.layer.v1.tar",
        Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

/// Writes `bytes` as a blob of the layout at `dir`; returns (digest, size).
pub fn write_blob(dir: &Path, bytes: &[u8]) -> (String, u64) {
    let digest = sha256(bytes);
    let path = dir.join("blobs/sha256").join(&digest[7..]);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    (digest, bytes.len() as u64)
}

pub struct Layer<'a> {
    pub files: Vec<(&'a str, Vec<u8>)>,
    pub comp: Comp,
    pub created_by: &'a str,
}

#[derive(Debug, Clone)]
pub struct BuiltLayer {
    pub digest: String,
    pub diff_id: String,
    pub media_type: String,
    pub size: u64,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct Built {
    pub manifest_digest: String,
    pub manifest_size: u64,
    pub config_digest: String,
    pub layers: Vec<BuiltLayer>,
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

/// Writes config and manifest blobs for an image of `layers` into the layout `dir` (no
/// index). History gets an `empty_layer` entry (ENV) before each layer and one at the end,
/// so aligning it with layers must skip them.
pub fn build_image(
    dir: &Path,
    os: &str,
    arch: &str,
    variant: Option<&str>,
    layers: &[Layer],
) -> Built {
    let mut built = Vec::new();
    let mut history = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let files: Vec<(&str, &[u8])> = l.files.iter().map(|(p, d)| (*p, d.as_slice())).collect();
        let tar = layer_tar(&files);
        let diff_id = sha256(&tar);
        let blob = compress(&tar, l.comp);
        let (digest, size) = write_blob(dir, &blob);
        history.push(serde_json::json!({
            "created": "2024-01-01T00:00:00Z",
            "created_by": format!("/bin/sh -c #(nop) ENV STEP={i}"),
            "empty_layer": true
        }));
        history.push(serde_json::json!({
            "created": "2024-01-01T00:00:00Z",
            "created_by": l.created_by,
        }));
        built.push(BuiltLayer {
            digest,
            diff_id,
            media_type: layer_media_type(l.comp).to_string(),
            size,
            created_by: l.created_by.to_string(),
        });
    }
    history.push(serde_json::json!({
        "created": "2024-01-01T00:00:00Z",
        "created_by": "/bin/sh -c #(nop) CMD [\"bash\"]",
        "empty_layer": true
    }));
    let mut config = serde_json::json!({
        "created": "2024-01-01T00:00:00Z",
        "architecture": arch,
        "os": os,
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["bash"]},
        "rootfs": {"type": "layers", "diff_ids": built.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        "history": history,
    });
    if let Some(v) = variant {
        config["variant"] = v.into();
    }
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let (config_digest, config_size) = write_blob(dir, &config_bytes);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": built.iter().map(|l| serde_json::json!({"mediaType": l.media_type, "digest": l.digest, "size": l.size})).collect::<Vec<_>>(),
    });
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    let (manifest_digest, manifest_size) = write_blob(dir, &manifest_bytes);
    Built {
        manifest_digest,
        manifest_size,
        config_digest,
        layers: built,
        os: os.into(),
        arch: arch.into(),
        variant: variant.map(str::to_string),
    }
}

fn platform_json(b: &Built) -> serde_json::Value {
    let mut p = serde_json::json!({"os": b.os, "architecture": b.arch});
    if let Some(v) = &b.variant {
        p["variant"] = v.clone().into();
    }
    p
}

/// `oci-layout` and an `index.json` naming one image under `tag`.
pub fn write_single_index(dir: &Path, image: &Built, tag: &str) {
    write_layout_marker(dir);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": image.manifest_digest,
            "size": image.manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": tag}
        }]
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A multi-platform image: an image index blob listing `images` with their platforms (plus
/// an attestation-like `unknown/unknown` entry), and `index.json` naming that index under
/// `tag`. Returns the image index's digest.
pub fn write_multi_index(dir: &Path, images: &[&Built], tag: &str) -> String {
    write_layout_marker(dir);
    let mut manifests: Vec<serde_json::Value> = images
        .iter()
        .map(|b| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": b.manifest_digest,
                "size": b.manifest_size,
                "platform": platform_json(b),
            })
        })
        .collect();
    // BuildKit adds attestation manifests with platform unknown/unknown; never chosen.
    manifests.insert(
        0,
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": images[0].manifest_digest,
            "size": images[0].manifest_size,
            "platform": {"os": "unknown", "architecture": "unknown"},
        }),
    );
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    });
    let bytes = serde_json::to_vec(&index).unwrap();
    let (digest, size) = write_blob(dir, &bytes);
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": size,
            "annotations": {"org.opencontainers.image.ref.name": tag}
        }]
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    digest
}

pub fn write_layout_marker(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// The three-layer Debian-like image used across the tests: a gzip base layer with
/// os-release and the dpkg status, a zstd layer and an uncompressed one.
pub fn debian_image(dir: &Path, arch: &str, variant: Option<&str>) -> Built {
    build_image(
        dir,
        "linux",
        arch,
        variant,
        &[
            Layer {
                files: vec![
                    ("etc/os-release", debian_os_release()),
                    ("var/lib/dpkg/status", debian_dpkg_status()),
                ],
                comp: Comp::Gzip,
                created_by: "/bin/sh -c #(nop) ADD file:debian12 in / ",
            },
            Layer {
                files: vec![("etc/motd", format!("built for {arch}\n").into_bytes())],
                comp: Comp::Zstd,
                created_by: "RUN /bin/sh -c echo motd > /etc/motd # buildkit",
            },
            Layer {
                files: vec![("app/config.txt", b"plain layer\n".to_vec())],
                comp: Comp::Plain,
                created_by: "COPY config.txt /app/ # buildkit",
            },
        ],
    )
}

/// Tars the directory `dir` into `out` (an OCI archive, as `tar -C dir -cf out .` makes).
pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.follow_symlinks(false);
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

/// A two-layer image (gzip, plain) that Docker's formats can hold (no zstd).
pub fn debian_image_for_docker(dir: &Path, arch: &str) -> Built {
    build_image(
        dir,
        "linux",
        arch,
        None,
        &[
            Layer {
                files: vec![
                    ("etc/os-release", debian_os_release()),
                    ("var/lib/dpkg/status", debian_dpkg_status()),
                ],
                comp: Comp::Gzip,
                created_by: "/bin/sh -c #(nop) ADD file:debian12 in / ",
            },
            Layer {
                files: vec![("app/config.txt", b"plain layer\n".to_vec())],
                comp: Comp::Plain,
                created_by: "COPY config.txt /app/ # buildkit",
            },
        ],
    )
}
