//! Kubernetes objects as kvet's analysers see them.
//!
//! The loader keeps the line of every field, because every finding must point at the line of
//! the offending field (or at the object where a field is missing). General YAML crates either
//! drop positions or expand aliases without bounds, so [`yaml`] builds its own tree from
//! saphyr-parser's events, with limits on depth, alias expansion and document size, and reads
//! manifest-style documents through a faster hand-written path that gives the same tree.

mod fast;
pub mod files;
pub mod loader;
pub mod node;
pub mod object;
pub mod selector;
pub mod workload;
pub mod yaml;

pub use files::{discover, discover_with, is_manifest_name, Input};
pub use loader::{load_source, LoadSummary};
pub use node::{Node, Value};
pub use object::Object;
pub use selector::LabelSelector;
pub use workload::pod_spec;
pub use workload::{Container, ContainerKind, PodSpec};
pub use yaml::Limits;
