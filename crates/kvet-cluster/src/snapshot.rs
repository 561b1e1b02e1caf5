//! Snapshots: what a scan collected from one or more clusters, as one gzip-compressed JSON
//! file, so that collection and analysis can happen at different times and places.

use crate::error::ClusterError;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

/// Bumped whenever a reader of the previous version would misread the file.
pub const SCHEMA_VERSION: u32 = 1;

/// Snapshots larger than this (decompressed) are refused rather than read into memory.
const MAX_SNAPSHOT_BYTES: u64 = 4 << 30;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub schema_version: u32,
    pub kvet_version: String,
    /// RFC 3339 time the collection finished.
    pub created: String,
    pub clusters: Vec<ClusterSnapshot>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSnapshot {
    /// The kubeconfig context (or `in-cluster`).
    pub context: String,
    pub server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionFacts>,
    #[serde(default)]
    pub nodes: Vec<NodeFacts>,
    /// Every collected object as the API returned it, with `apiVersion` and `kind` set.
    pub objects: Vec<serde_json::Value>,
    /// Kinds that could not be listed, with why (403, 404 …).
    #[serde(default)]
    pub not_collected: Vec<NotCollected>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionFacts {
    pub git_version: String,
    pub platform: String,
}

/// The facts of a node that vulnerability and node checks use.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeFacts {
    pub name: String,
    pub kubelet_version: String,
    pub kernel_version: String,
    pub os_image: String,
    pub container_runtime_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NotCollected {
    pub kind: String,
    pub reason: String,
}

impl NodeFacts {
    pub fn from_node(o: &serde_json::Value) -> Option<NodeFacts> {
        let info = o.pointer("/status/nodeInfo")?;
        let s = |k: &str| {
            info.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(NodeFacts {
            name: o
                .pointer("/metadata/name")
                .and_then(serde_json::Value::as_str)?
                .to_string(),
            kubelet_version: s("kubeletVersion"),
            kernel_version: s("kernelVersion"),
            os_image: s("osImage"),
            container_runtime_version: s("containerRuntimeVersion"),
        })
    }
}

impl Snapshot {
    pub fn new(clusters: Vec<ClusterSnapshot>, created: String) -> Snapshot {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            kvet_version: env!("CARGO_PKG_VERSION").to_string(),
            created,
            clusters,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), ClusterError> {
        let err = |message: String| ClusterError::Snapshot {
            path: path.display().to_string(),
            message,
        };
        // Written next to the target and renamed, so that a failed write never leaves a
        // truncated snapshot behind.
        let tmp = path.with_extension("snap.tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| err(e.to_string()))?;
        // Serialised first and compressed in one call: fed serde's many small writes, the
        // encoder spends its time resetting state per call (2 s instead of 50 ms for 5 MB).
        let json = serde_json::to_vec(self).map_err(|e| err(e.to_string()))?;
        let mut gz = GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
        gz.write_all(&json)
            .and_then(|()| gz.finish())
            .and_then(|mut w| w.flush())
            .map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    pub fn read(path: &Path) -> Result<Snapshot, ClusterError> {
        let err = |message: String| ClusterError::Snapshot {
            path: path.display().to_string(),
            message,
        };
        let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
        let mut text = Vec::new();
        GzDecoder::new(std::io::BufReader::new(file))
            .take(MAX_SNAPSHOT_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| err(format!("not a kvet snapshot (gzip JSON): {e}")))?;
        if text.len() as u64 > MAX_SNAPSHOT_BYTES {
            return Err(err("larger than 4 GiB decompressed".into()));
        }
        // The version is read first so that a newer file gets a clear message rather than a
        // field-level parse error.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Head {
            schema_version: u32,
            #[serde(default)]
            kvet_version: String,
        }
        let head: Head =
            serde_json::from_slice(&text).map_err(|e| err(format!("not a kvet snapshot: {e}")))?;
        if head.schema_version != SCHEMA_VERSION {
            return Err(err(format!(
                "schema version {} (written by kvet {}); this kvet reads version {SCHEMA_VERSION}{}",
                head.schema_version,
                if head.kvet_version.is_empty() { "?" } else { &head.kvet_version },
                if head.schema_version > SCHEMA_VERSION {
                    ": upgrade kvet"
                } else {
                    ""
                }
            )));
        }
        serde_json::from_slice(&text).map_err(|e| err(format!("not a kvet snapshot: {e}")))
    }
}
