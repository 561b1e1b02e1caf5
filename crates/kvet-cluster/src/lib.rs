//! Live clusters: find the clusters to scan (kubeconfig contexts or the pod's own service
//! account), collect the objects the checks need through the Kubernetes API, and keep them as a
//! versioned snapshot. This crate collects and never judges: the snapshot's objects go through
//! the same engine as manifests.

mod collect;
mod error;
pub mod images;
mod json;
mod kinds;
mod kubeconfig;
mod owners;
pub mod pullsecrets;
mod snapshot;

pub use collect::{collect, CollectOptions, Progress};
pub use error::ClusterError;
pub use json::node_from_json;
pub use kinds::{KindSpec, KINDS};
pub use kubeconfig::{targets, Target};
pub use owners::top_level_objects;
pub use snapshot::{
    ClusterSnapshot, NodeFacts, NotCollected, Snapshot, VersionFacts, SCHEMA_VERSION,
};
