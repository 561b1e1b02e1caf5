//! Helpers shared by the `source_*` tests: real OCI images built from real files
//! ([`oci`]), and a real registry with its token server ([`registry`]).

#![allow(dead_code)]

pub mod oci;
pub mod registry;

use std::io::Read;
use std::path::Path;

use kvet_image::{BlobSource, LayerDesc, SourceOptions};

/// Options that never touch the user's home: cache in `cache`, no docker config.
pub fn opts(cache: &Path) -> SourceOptions {
    SourceOptions {
        cache_dir: Some(cache.to_path_buf()),
        docker_config: Some(cache.join("no-docker-config.json")),
        retries: 2,
        ..SourceOptions::default()
    }
}

/// All bytes of a layer as the source hands them out.
pub fn read_layer(blobs: &dyn BlobSource, layer: &LayerDesc) -> Vec<u8> {
    let mut buf = Vec::new();
    blobs
        .open_layer(layer)
        .unwrap()
        .read_to_end(&mut buf)
        .unwrap();
    buf
}

/// Files in `dir`, recursively, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The error of opening `spec` (panics if it opens).
pub fn open_err(spec: &kvet_image::SourceSpec, o: &SourceOptions) -> kvet_image::Error {
    match kvet_image::open(spec, o) {
        Ok((image, _)) => panic!("{spec} opened: {image:?}"),
        Err(e) => e,
    }
}
