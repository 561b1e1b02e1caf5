//! The same real image as `docker save` writes it (target/test-images/debian-bookworm.docker.tar,
//! made by skopeo in scripts/make-test-images.sh): uncompressed layers, named by the digest of
//! the tar. Read here in place (offset and size inside the archive, nothing extracted), they
//! must give exactly the view and the attribution of the gzip OCI layout.

mod common_squash;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use common_squash::{test_images, LayoutBlobs};
use kvet_image::layer::Compression;
use kvet_image::{scan_image, squash, BlobSource, Error, Image, LayerDesc, Limits, Result};

/// Members of a tar archive on disk: name → (offset of the data, size).
struct ArchiveBlobs {
    path: PathBuf,
    members: BTreeMap<String, (u64, u64)>,
}

impl ArchiveBlobs {
    fn open(path: PathBuf) -> Self {
        let mut archive = tar::Archive::new(std::fs::File::open(&path).unwrap());
        let members = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.path().unwrap().display().to_string();
                (name, (e.raw_file_position(), e.size()))
            })
            .collect();
        ArchiveBlobs { path, members }
    }

    fn read(&self, name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        self.member(name).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    fn member(&self, name: &str) -> Result<Box<dyn Read + Send + '_>> {
        let (offset, size) = *self
            .members
            .get(name)
            .ok_or_else(|| Error::Invalid(format!("{name}: not in the archive")))?;
        let mut f = std::fs::File::open(&self.path).map_err(|source| Error::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|source| Error::Io {
                path: self.path.display().to_string(),
                source,
            })?;
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            f.take(size),
        )))
    }

    fn image(&self) -> Image {
        let manifest: serde_json::Value =
            serde_json::from_slice(&self.read("manifest.json")).unwrap();
        let config: serde_json::Value =
            serde_json::from_slice(&self.read(manifest[0]["Config"].as_str().unwrap())).unwrap();
        let created_by: Vec<Option<String>> = config["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| !h["empty_layer"].as_bool().unwrap_or(false))
            .map(|h| h["created_by"].as_str().map(str::to_owned))
            .collect();
        let layers = manifest[0]["Layers"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let name = l.as_str().unwrap();
                let hex = name.trim_end_matches(".tar");
                LayerDesc {
                    // docker-archive layers are stored uncompressed: digest = diff id.
                    digest: format!("sha256:{hex}"),
                    media_type: None,
                    size: Some(self.members[name].1),
                    diff_id: Some(format!("sha256:{hex}")),
                    created_by: created_by.get(i).cloned().flatten(),
                }
            })
            .collect();
        Image {
            name: self.path.display().to_string(),
            reference: None,
            manifest_digest: None,
            config_digest: None,
            repo_tags: vec![],
            platform: None,
            layers,
        }
    }
}

impl BlobSource for ArchiveBlobs {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>> {
        let hex = layer.digest.trim_start_matches("sha256:");
        self.member(&format!("{hex}.tar"))
    }
}

#[test]
fn docker_save_layers_give_the_same_view_as_the_oci_layout() {
    let images = test_images();
    let archive = ArchiveBlobs::open(images.join("debian-bookworm.docker.tar"));
    let image = archive.image();
    assert_eq!(image.layers.len(), 3);
    let oci = LayoutBlobs {
        root: images.join("debian-bookworm"),
    };
    let oci_image = oci.image();
    // The uncompressed tars are the OCI layout's diff ids.
    assert_eq!(
        image.layers.iter().map(|l| &l.digest).collect::<Vec<_>>(),
        oci_image
            .layers
            .iter()
            .map(|l| l.diff_id.as_ref().unwrap())
            .collect::<Vec<_>>()
    );

    let plain = squash(&image.layers, &archive, &Limits::default(), None).unwrap();
    assert!(plain
        .layers
        .iter()
        .all(|l| l.compression == Compression::Plain));
    let gz = squash(&oci_image.layers, &oci, &Limits::default(), None).unwrap();
    assert!(plain.files == gz.files);
    assert_eq!(plain.origin, gz.origin);

    let a = scan_image(&image, &archive, &Limits::default(), None).unwrap();
    let b = scan_image(&oci_image, &oci, &Limits::default(), None).unwrap();
    let key = |inv: &kvet_image::ImageInventory| {
        inv.inventory
            .packages
            .iter()
            .map(|p| {
                let l = p.layer.as_ref().unwrap();
                (
                    p.purl.clone(),
                    l.index,
                    l.diff_id.clone(),
                    l.created_by.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
}
