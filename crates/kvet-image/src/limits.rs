//! Safety limits for untrusted images (the design's defaults; all configurable).

/// Bounds on what one image may cost. Exceeding one is an [`crate::Error`] naming the limit and
/// the layer or file, or a warning where the rest of the image can still be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest layer blob, as stored.
    pub max_layer_bytes: u64,
    /// Largest single file kept in memory (decompressed).
    pub max_file_bytes: u64,
    /// Most entries (files, directories, links, whiteouts) tracked over all layers.
    pub max_entries: u64,
    /// Most decompressed bytes read from one layer (decompression-bomb bound).
    pub max_layer_uncompressed_bytes: u64,
    /// Total bytes of kept files.
    pub max_kept_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layer_bytes: 10 << 30,
            max_file_bytes: 512 << 20,
            max_entries: 5_000_000,
            max_layer_uncompressed_bytes: 64 << 30,
            max_kept_bytes: 4 << 30,
        }
    }
}
