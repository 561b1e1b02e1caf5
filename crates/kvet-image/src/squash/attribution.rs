//! Which layer introduced each package.
//!
//! A package database (dpkg `status`, an rpmdb, apk `installed`) is rewritten by every layer
//! that installs anything, so "the layer that wrote the file" would blame the last `apt-get`
//! for every package. Instead each earlier version of the database file (kept by the squash in
//! [`Squashed::history`]) is catalogued on its own, and a package is attributed to the earliest
//! layer from which it is present, same name, version and kind, in every version up to the final
//! image. A package whose file has no earlier version (jars, Go binaries, a database written
//! once) belongs to the layer that wrote the file.

use std::collections::{BTreeMap, BTreeSet};

use kvet_inventory::{Files, LayerRef, Package, PackageKind};

use super::Squashed;
use crate::LayerDesc;

/// What makes two package records the same package across database versions.
type Identity = (
    PackageKind,
    String,
    String,
    Option<u32>,
    Option<String>,
    Option<String>,
);

fn identity(p: &Package) -> Identity {
    (
        p.kind,
        p.name.clone(),
        p.version.clone(),
        p.epoch,
        p.release.clone(),
        p.arch.clone(),
    )
}

/// The file a package was read from: its location up to an archive-member separator
/// (`/app.war!WEB-INF/lib/x.jar` → `/app.war`).
fn location_file(location: &str) -> &str {
    location.split('!').next().unwrap_or(location)
}

/// Sets [`Package::layer`] on every package from `squashed`'s origins and history.
pub fn attribute(packages: &mut [Package], squashed: &Squashed, layers: &[LayerDesc]) {
    // (file, version index) → identities catalogued from that version alone.
    let mut cache: BTreeMap<(String, usize), BTreeSet<Identity>> = BTreeMap::new();
    for p in packages.iter_mut() {
        let file = location_file(&p.location).to_owned();
        let Some(&final_layer) = squashed.origin.get(&file) else {
            continue;
        };
        let mut layer = final_layer;
        if let Some(versions) = squashed.history.get(&file).filter(|v| !v.is_empty()) {
            let id = identity(p);
            for (k, v) in versions.iter().enumerate().rev() {
                let Some(data) = &v.data else { break };
                let ids = cache.entry((file.clone(), k)).or_insert_with(|| {
                    let mut one = Files::new();
                    one.insert(file.clone(), data.as_ref().clone());
                    kvet_inventory::catalogue(&one)
                        .packages
                        .iter()
                        .map(identity)
                        .collect()
                });
                if !ids.contains(&id) {
                    break;
                }
                layer = v.layer;
            }
        }
        p.layer = layers.get(layer).map(|d| LayerRef {
            index: layer,
            digest: d.digest.clone(),
            diff_id: d.diff_id.clone(),
            created_by: d.created_by.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::squash::FileVersion;
    use std::sync::Arc;

    fn status(pkgs: &[(&str, &str)]) -> Vec<u8> {
        let mut s = String::new();
        for (n, v) in pkgs {
            s.push_str(&format!(
                "Package: {n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {v}\n\n"
            ));
        }
        s.into_bytes()
    }

    fn layer(i: usize) -> LayerDesc {
        LayerDesc {
            digest: format!("sha256:{i:064}"),
            media_type: None,
            size: None,
            diff_id: None,
            created_by: Some(format!("step {i}")),
        }
    }

    #[test]
    fn packages_go_to_the_earliest_continuous_layer() {
        // Layer 0 installs a and b; layer 1 adds c; layer 2 deletes the status file; layer 3
        // writes it again with a, c and b at a new version.
        let path = "/var/lib/dpkg/status";
        let mut sq = Squashed::default();
        sq.files
            .insert(path.into(), status(&[("a", "1"), ("b", "2"), ("c", "1")]));
        sq.origin.insert(path.into(), 4);
        sq.history.insert(
            path.into(),
            vec![
                FileVersion {
                    layer: 0,
                    data: Some(Arc::new(status(&[("a", "1"), ("b", "1")]))),
                },
                FileVersion {
                    layer: 1,
                    data: Some(Arc::new(status(&[("a", "1"), ("b", "1"), ("c", "1")]))),
                },
                FileVersion {
                    layer: 2,
                    data: None,
                },
                FileVersion {
                    layer: 3,
                    data: Some(Arc::new(status(&[("a", "1"), ("b", "2"), ("c", "1")]))),
                },
            ],
        );
        let layers: Vec<LayerDesc> = (0..5).map(layer).collect();
        let mut pkgs = kvet_inventory::catalogue(&sq.files).packages;
        attribute(&mut pkgs, &sq, &layers);
        let got: BTreeMap<String, usize> = pkgs
            .iter()
            .map(|p| (p.name.clone(), p.layer.as_ref().unwrap().index))
            .collect();
        // The deletion in layer 2 breaks continuity for everything.
        assert_eq!(
            got,
            BTreeMap::from([("a".into(), 3), ("b".into(), 3), ("c".into(), 3)])
        );

        // Without the deletion: a from 0, b changed version in 3, c from 1.
        sq.history.get_mut(path).unwrap().remove(2);
        let mut pkgs = kvet_inventory::catalogue(&sq.files).packages;
        attribute(&mut pkgs, &sq, &layers);
        let got: BTreeMap<String, usize> = pkgs
            .iter()
            .map(|p| (p.name.clone(), p.layer.as_ref().unwrap().index))
            .collect();
        assert_eq!(
            got,
            BTreeMap::from([("a".into(), 0), ("b".into(), 3), ("c".into(), 1)])
        );
        let a = pkgs.iter().find(|p| p.name == "a").unwrap();
        assert_eq!(
            a.layer.as_ref().unwrap().created_by.as_deref(),
            Some("step 0")
        );
    }
}
