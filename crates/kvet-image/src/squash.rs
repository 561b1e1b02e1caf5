//! Layers → the few files the cataloguers read, in one pass over each layer, in memory.
//!
//! Each layer's tar stream is walked entry by entry (never unpacked): whiteouts delete from the
//! layers below (`.wh.<name>`, `.wh..wh..opq`), later entries replace earlier ones, entry names
//! are normalised (`./`, `/`, `..` inside the name; a name climbing above the root is skipped
//! with a warning), and each entry lands where its parent directory resolves *inside the image*
//! (see `vfs.rs`). Regular files are kept when [`kvet_inventory::is_wanted`] accepts their path or a
//! path that reaches them through symlinks, or when their first bytes pass
//! [`kvet_inventory::looks_like_executable`] and the executable cataloguers can use them (see
//! [`Squasher::regular`]); everything else is skipped as it streams, so memory grows with the
//! kept files only.
//!
//! For layer attribution, a kept file that a later layer rewrites or deletes leaves its earlier
//! version behind in [`Squashed::history`] (package databases are rewritten by every layer that
//! installs something); Java archives and executables keep no history, as their packages belong
//! to the layer that wrote the final file.

pub mod attribution;
pub(crate) mod path;
pub(crate) mod vfs;

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use kvet_inventory::{Files, Warning};
use serde::Serialize;

use crate::layer::{into_image_error, read_layer, Compression, LayerReader};
use crate::{BlobSource, Error, LayerDesc, Limits, Result};
use path::{child, normalise_entry, split_parent, PathError};
pub use vfs::drop_alias_duplicates;
use vfs::{Kept, Node, Vfs};

/// Warnings kept per image; more are counted in one last warning.
const MAX_WARNINGS: usize = 1000;

/// The executable sniffing buffer is let go after a file larger than this, so that one big
/// binary does not hold its size for the rest of the scan.
const SCRATCH_KEEP: usize = 32 << 20;

/// Bytes read per step while sniffing an executable (the marker search runs on each step while
/// it is in cache).
const SNIFF_STEP: usize = 256 << 10;

/// One earlier version of a kept file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVersion {
    /// The layer from which this version was the file's content (or absence).
    pub layer: usize,
    /// The bytes, or `None` where a layer deleted the file.
    pub data: Option<Arc<Vec<u8>>>,
}

/// What one layer contributed, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerStats {
    /// Position, 0 = base.
    pub index: usize,
    /// Blob digest.
    pub digest: String,
    /// Compression sniffed from the blob.
    pub compression: Compression,
    /// Bytes of the blob as stored.
    pub stored_bytes: u64,
    /// Bytes of the uncompressed tar.
    pub uncompressed_bytes: u64,
    /// Tar entries (files, directories, links, whiteouts).
    pub entries: u64,
    /// Files kept from this layer.
    pub kept_files: u64,
    /// Bytes kept from this layer.
    pub kept_bytes: u64,
}

/// The squashed image, as the cataloguers and layer attribution need it.
#[derive(Debug, Clone, Default)]
pub struct Squashed {
    /// Path → bytes of every kept file in the final image. Each real file appears once: under
    /// its own path when that is wanted, else under the first wanted path that reaches it
    /// through symlinks (usrmerge `/lib/…`, `/var/lib/rpm/…`), else (executables) its own path.
    pub files: Files,
    /// Path in [`Squashed::files`] → index of the layer that wrote that file last.
    pub origin: BTreeMap<String, usize>,
    /// Paths in [`Squashed::files`] that are second names of a small file reached through
    /// symlinks (`/usr/share/doc/libstdc++6/copyright`) → the file's first name. Packages read
    /// from them twice are dropped by [`drop_alias_duplicates`].
    pub aliases: BTreeMap<String, String>,
    /// Path in [`Squashed::files`] → the file's earlier versions, oldest first (only for
    /// files some later layer rewrote or deleted).
    pub history: BTreeMap<String, Vec<FileVersion>>,
    /// Per-layer figures, in order.
    pub layers: Vec<LayerStats>,
    /// Entries skipped or links not followed, naming the path (and layer).
    pub warnings: Vec<Warning>,
}

/// Applies layers one after another (see the module docs).
pub struct Squasher {
    limits: Limits,
    vfs: Vfs,
    history: BTreeMap<String, Vec<FileVersion>>,
    history_bytes: u64,
    entries: u64,
    layers: Vec<LayerStats>,
    warnings: Vec<Warning>,
    dropped_warnings: usize,
    /// Where an executable is read while it is decided whether to keep it; reused.
    scratch: Vec<u8>,
    /// Executables of the current layer read and not kept (see [`Squasher::hardlink`]).
    dropped_executables: HashSet<String>,
}

impl Squasher {
    /// An empty image.
    pub fn new(limits: &Limits) -> Self {
        Squasher {
            limits: *limits,
            vfs: Vfs::default(),
            history: BTreeMap::new(),
            history_bytes: 0,
            entries: 0,
            layers: Vec::new(),
            warnings: Vec::new(),
            dropped_warnings: 0,
            scratch: Vec::new(),
            dropped_executables: HashSet::new(),
        }
    }

    fn warn(&mut self, location: impl Into<String>, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning::new(location, message));
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// Reads one layer blob (`stored`: its bytes as the source gives them), verifies its
    /// digest and applies it on top of the layers added before.
    pub fn add_layer(
        &mut self,
        layer: &LayerDesc,
        stored: Box<dyn Read + Send + '_>,
        progress: Option<&dyn Fn(u64)>,
    ) -> Result<&LayerStats> {
        let index = self.layers.len();
        let mut entries_read = 0u64;
        let mut kept_files = 0u64;
        let mut kept_bytes = 0u64;
        let limits = self.limits;
        // A tar hardlink names an earlier entry of the same archive.
        self.dropped_executables.clear();
        let ((), totals) = read_layer(stored, layer, &limits, progress, |reader| {
            let mut stats = LayerStats {
                index,
                digest: layer.digest.clone(),
                compression: Compression::Plain,
                stored_bytes: 0,
                uncompressed_bytes: 0,
                entries: 0,
                kept_files: 0,
                kept_bytes: 0,
            };
            let mut archive = tar::Archive::new(reader);
            let entries = archive
                .entries_with_seek()
                .map_err(|e| into_image_error(e, &layer.digest))?;
            let result = (|| {
                for entry in entries {
                    let mut entry = entry.map_err(|e| into_image_error(e, &layer.digest))?;
                    self.entries += 1;
                    stats.entries += 1;
                    if self.entries > self.limits.max_entries {
                        return Err(Error::Limit {
                            what: format!("layer {} (entry {})", layer.digest, stats.entries),
                            limit: format!("entries over all layers ({})", self.limits.max_entries),
                        });
                    }
                    self.apply_entry(&mut entry, reader, layer, index, &mut stats)?;
                }
                Ok(())
            })();
            entries_read = stats.entries;
            kept_files = stats.kept_files;
            kept_bytes = stats.kept_bytes;
            result
        })?;
        self.layers.push(LayerStats {
            index,
            digest: layer.digest.clone(),
            compression: totals.compression,
            stored_bytes: totals.stored_bytes,
            uncompressed_bytes: totals.uncompressed_bytes,
            entries: entries_read,
            kept_files,
            kept_bytes,
        });
        Ok(&self.layers[index])
    }

    fn apply_entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        reader: LayerReader<'_, '_>,
        layer: &LayerDesc,
        index: usize,
        stats: &mut LayerStats,
    ) -> Result<()> {
        let digest = layer.digest.as_str();
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = match normalise_entry(&raw) {
            Ok(n) => n,
            Err(PathError::Empty) => return Ok(()),
            Err(PathError::Escapes) => {
                self.warn(
                    raw.as_str(),
                    format!("layer {digest}: entry path escapes the image root; skipped"),
                );
                return Ok(());
            }
        };
        let (dir, base) = split_parent(&name);
        if let Some(hidden) = base.strip_prefix(".wh.") {
            return self.whiteout(dir, hidden, &name, digest, index);
        }
        let placed = match self.vfs.place(&name) {
            Ok(p) => p.path,
            Err(_) => {
                self.warn(
                    name.as_str(),
                    format!("layer {digest}: a parent directory is a symlink loop; entry skipped"),
                );
                return Ok(());
            }
        };
        let kind = entry.header().entry_type();
        use tar::EntryType as T;
        match kind {
            T::Directory => {
                // A directory replaces a file or link at its path but keeps what is below it.
                if self.vfs.nodes.contains_key(&placed) {
                    self.remove(&placed, false, None, index);
                }
            }
            T::Symlink => {
                self.remove(&placed, true, None, index);
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                if target.is_empty() {
                    self.warn(
                        placed.as_str(),
                        format!("layer {digest}: symlink without a target; skipped"),
                    );
                } else {
                    self.vfs.insert_symlink(placed, target, index);
                }
            }
            T::Link => {
                self.remove(&placed, true, None, index);
                self.hardlink(entry, &placed, digest, index, stats)?;
            }
            T::Regular | T::Continuous | T::GNUSparse => {
                self.remove(&placed, true, None, index);
                self.regular(entry, reader, placed, digest, index, stats)?;
            }
            _ => {
                // Devices, FIFOs and anything unknown: never kept, but they replace what was
                // at their path.
                self.remove(&placed, true, None, index);
            }
        }
        Ok(())
    }

    /// `.wh.<name>` hides `<name>` of the layers below; `.wh..wh..opq` hides everything the
    /// layers below had in the directory. Only lower layers are affected, so the order of the
    /// whiteout and this layer's own entries does not matter.
    fn whiteout(
        &mut self,
        dir: &str,
        hidden: &str,
        name: &str,
        digest: &str,
        index: usize,
    ) -> Result<()> {
        let Ok(dir_real) = self.vfs.resolve(dir, true) else {
            self.warn(
                name,
                format!("layer {digest}: whiteout below a symlink loop; skipped"),
            );
            return Ok(());
        };
        if hidden == ".wh..opq" {
            self.remove(&dir_real.path, true, Some(index), index);
            // remove() with `below` also takes the directory's own node, which an opaque
            // marker does not delete; a directory has no node, so nothing is lost.
        } else if hidden.starts_with(".wh.") || hidden.is_empty() {
            // AUFS bookkeeping (`.wh..wh.plnk`, …): not a deletion.
        } else {
            let target = child(&dir_real.path, hidden);
            self.remove(&target, true, Some(index), index);
        }
        Ok(())
    }

    /// Removes the node at `path` (and below it with `tree`), recording removed wanted files in
    /// the history so attribution can see the gap.
    fn remove(&mut self, path: &str, tree: bool, only_below: Option<usize>, index: usize) {
        let mut dropped: Vec<(String, Node)> = Vec::new();
        let mut cb = |p: &str, n: &Node| dropped.push((p.to_owned(), n.clone()));
        if tree {
            self.vfs.remove_tree(path, only_below, &mut cb);
        } else {
            self.vfs.remove_one(path, &mut cb);
        }
        for (p, node) in dropped {
            if let Node::File {
                data,
                layer,
                kept: Kept::Wanted,
            } = node
            {
                if kvet_inventory::java::is_archive(&p) {
                    continue;
                }
                let versions = self.history.entry(p).or_default();
                push_version(versions, layer, Some(data), &mut self.history_bytes);
                push_version(versions, index, None, &mut self.history_bytes);
            }
        }
    }

    fn regular<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        reader: LayerReader<'_, '_>,
        placed: String,
        digest: &str,
        index: usize,
        stats: &mut LayerStats,
    ) -> Result<()> {
        if !self.dropped_executables.is_empty() {
            self.dropped_executables.remove(&placed);
        }
        let size = entry.size();
        let max = self.limits.max_file_bytes;
        let wanted = self.vfs.wanted_now(&placed);
        let kept;
        let mut data: Vec<u8>;
        if wanted {
            if size > max {
                self.warn(
                    placed.as_str(),
                    format!(
                        "layer {digest}: {size} bytes, over the {max}-byte file limit; not read"
                    ),
                );
                return Ok(());
            }
            kept = Kept::Wanted;
            data = Vec::new();
        } else {
            if size < 4 {
                return Ok(());
            }
            let mut head = Vec::with_capacity(4);
            entry
                .by_ref()
                .take(4)
                .read_to_end(&mut head)
                .map_err(|e| into_image_error(e, digest))?;
            if !kvet_inventory::looks_like_executable(&head) {
                return Ok(());
            }
            if size > max {
                self.warn(
                    placed.as_str(),
                    format!(
                        "layer {digest}: executable of {size} bytes, over the {max}-byte file limit; not read"
                    ),
                );
                return Ok(());
            }
            if !kvet_inventory::binary::is_known_program(&placed) {
                return self.sniff_executable(entry, reader, &head, placed, digest, index, stats);
            }
            kept = Kept::Executable;
            data = head;
        }
        read_rest(entry, &mut data, size).map_err(|e| into_image_error(e, digest))?;
        if data.len() as u64 > max {
            self.warn(
                placed.as_str(),
                format!("layer {digest}: over the {max}-byte file limit; not read"),
            );
            return Ok(());
        }
        stats.kept_files += 1;
        stats.kept_bytes += data.len() as u64;
        self.store(placed, Arc::new(data), index, kept, digest)
    }

    /// Passes over an executable that is not named like a program the binary detector knows
    /// and keeps it only when it carries one of [`kvet_inventory::EXECUTABLE_MARKERS`] (Go
    /// build info, cargo-auditable data): the cataloguers find nothing in any other, and most
    /// of an image's executables (108 MB of Debian 12's 238) are such. Exact by construction:
    /// a file is dropped only when [`kvet_inventory::executable_worth_keeping`] is false for
    /// its whole content.
    ///
    /// The whole file has to be looked at, as no prefix of it decides: the markers sit
    /// wherever the linker put them. In Debian's runc (externally linked Go, 8.75 MB) the
    /// `.go.buildinfo` section starts at byte 0x83d380, 95 % into the file, after `.data`, and
    /// `.shstrtab` (where ELF keeps section names such as `.dep-v0`) just before the section
    /// headers at the very end. So the bytes are searched where the decompressor put them
    /// ([`LayerReader::take_if_marked`]), whose chunks are held until the end of the file —
    /// one file at most, bounded by [`Limits::max_file_bytes`] (checked by the caller) — and
    /// copied out only for a marked file. A sparse entry goes through `tar` into the reused
    /// scratch buffer instead.
    #[allow(clippy::too_many_arguments)]
    fn sniff_executable<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        reader: LayerReader<'_, '_>,
        head: &[u8],
        placed: String,
        digest: &str,
        index: usize,
        stats: &mut LayerStats,
    ) -> Result<()> {
        let size = entry.size();
        let data = if entry.header().entry_type() == tar::EntryType::GNUSparse {
            // The archive holds a sparse file's pieces, not its bytes: `tar` assembles them.
            let size = usize::try_from(size).map_err(|_| Error::Limit {
                what: format!("{placed} in layer {digest}"),
                limit: "file size addressable on this machine".into(),
            })?;
            let (len, marked) = sniff(entry, head, size, &mut self.scratch)
                .map_err(|e| into_image_error(e, digest))?;
            let data = marked.then(|| self.scratch[..len].to_vec());
            if self.scratch.len() > SCRATCH_KEEP {
                self.scratch = Vec::new();
            }
            data
        } else {
            let rest = size.saturating_sub(head.len() as u64);
            reader
                .take_if_marked(rest, head)
                .map_err(|e| into_image_error(e, digest))?
        };
        let Some(data) = data else {
            self.dropped_executables.insert(placed);
            return Ok(());
        };
        stats.kept_files += 1;
        stats.kept_bytes += data.len() as u64;
        self.store(placed, Arc::new(data), index, Kept::Executable, digest)
    }

    fn store(
        &mut self,
        placed: String,
        data: Arc<Vec<u8>>,
        index: usize,
        kept: Kept,
        digest: &str,
    ) -> Result<()> {
        if let Some(versions) = self.history.get_mut(&placed) {
            // Deleted and written again in this same layer: no gap.
            if versions
                .last()
                .is_some_and(|v| v.layer == index && v.data.is_none())
            {
                versions.pop();
            }
        }
        let total = self.vfs.live_bytes + self.history_bytes + data.len() as u64;
        if total > self.limits.max_kept_bytes {
            if kept == Kept::Executable {
                // Executables are kept only in case they are Go binaries; an image with more
                // of them than the budget (CUDA, browsers) still gets its package databases.
                self.warn(
                    placed.as_str(),
                    format!(
                        "layer {digest}: executable not read, the total kept bytes ({}) are used up",
                        self.limits.max_kept_bytes
                    ),
                );
                return Ok(());
            }
            return Err(Error::Limit {
                what: format!("kept files (at {placed} in layer {digest})"),
                limit: format!("total kept bytes ({})", self.limits.max_kept_bytes),
            });
        }
        self.vfs.insert_file(placed, data, index, kept);
        Ok(())
    }

    fn hardlink<R: Read>(
        &mut self,
        entry: &tar::Entry<'_, R>,
        placed: &str,
        digest: &str,
        index: usize,
        stats: &mut LayerStats,
    ) -> Result<()> {
        let raw = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let target = match normalise_entry(&raw) {
            Ok(t) => t,
            Err(_) => {
                self.warn(
                    placed,
                    format!("layer {digest}: hardlink to {raw:?} outside the image root; skipped"),
                );
                return Ok(());
            }
        };
        let Ok(target_real) = self.vfs.place(&target) else {
            self.warn(
                placed,
                format!(
                    "layer {digest}: hardlink target {target} is below a symlink loop; skipped"
                ),
            );
            return Ok(());
        };
        let wanted = self.vfs.wanted_now(placed);
        match self.vfs.nodes.get(&target_real.path).cloned() {
            Some(Node::File { data, kept, .. }) => {
                let kept = if wanted { Kept::Wanted } else { kept };
                if wanted || kept == Kept::Executable {
                    stats.kept_files += 1;
                    self.store(placed.to_owned(), data, index, kept, digest)?;
                }
            }
            Some(Node::Symlink { target, .. }) => {
                self.vfs.insert_symlink(placed.to_owned(), target, index);
            }
            None if wanted => self.warn(
                placed,
                format!(
                    "layer {digest}: hardlink to {target}, which is not a kept file of the image; skipped"
                ),
            ),
            // The target was dropped by name and content (see `sniff_executable`) before this
            // second name, which the binary detector would have read, came along.
            None if self.dropped_executables.contains(&target_real.path)
                && kvet_inventory::binary::is_known_program(placed) =>
            {
                self.warn(
                    placed,
                    format!(
                        "layer {digest}: hardlink to the executable {target}, which was not kept; its version is not read"
                    ),
                )
            }
            None => {}
        }
        Ok(())
    }

    /// The squashed view of the layers added so far.
    pub fn finish(mut self) -> Squashed {
        let link_warnings = self.vfs.rebuild_aliases();
        for w in link_warnings {
            self.warn(w.location, w.message);
        }
        let assembled = std::mem::take(&mut self.vfs).assemble();
        for w in assembled.warnings {
            self.warn(w.location, w.message);
        }
        let mut history = BTreeMap::new();
        let mut origin = BTreeMap::new();
        for (out, (real, layer)) in assembled.origin {
            if let Some(v) = self.history.get(&real) {
                history.insert(out.clone(), v.clone());
            }
            origin.insert(out, layer);
        }
        if self.dropped_warnings > 0 {
            self.warnings.push(Warning::new(
                "image",
                format!("{} more warnings not shown", self.dropped_warnings),
            ));
        }
        Squashed {
            files: assembled.files,
            origin,
            aliases: assembled.aliases,
            history,
            layers: self.layers,
            warnings: self.warnings,
        }
    }
}

/// Reads the rest of an entry of `size` bytes (`size` is within the file limit; the caller
/// checked) after the `data` read already. The buffer is allocated zeroed at its full size
/// once — from fresh, already-zero pages for large files — rather than grown by
/// `read_to_end`, which zeroes every spare byte before reading into it and copies on growth.
fn read_rest<R: Read>(entry: &mut R, data: &mut Vec<u8>, size: u64) -> io::Result<()> {
    let start = data.len();
    let size = usize::try_from(size)
        .map_err(|_| io::Error::other("file size not addressable on this machine"))?
        .max(start);
    let mut buf = vec![0u8; size];
    buf[..start].copy_from_slice(data);
    let mut n = start;
    while n < size {
        match entry.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(n);
    *data = buf;
    Ok(())
}

/// Reads the rest of an entry of `size` bytes whose first bytes `head` were read already into
/// `scratch` (grown as needed, never shrunk here), searching each piece for
/// [`kvet_inventory::EXECUTABLE_MARKERS`] as it arrives. Returns the bytes read (fewer than
/// `size` only when the stream ends early) and whether a marker was seen.
fn sniff<R: Read>(
    entry: &mut R,
    head: &[u8],
    size: usize,
    scratch: &mut Vec<u8>,
) -> io::Result<(usize, bool)> {
    let size = size.max(head.len());
    if scratch.len() < size {
        // A fresh zeroed buffer (its old content is not needed, so no copy on growth); reads
        // then land in initialised memory without zeroing it again.
        *scratch = vec![0u8; size.next_power_of_two()];
    }
    scratch[..head.len()].copy_from_slice(head);
    let mut n = head.len();
    let mut marked = kvet_inventory::has_executable_marker(head);
    while n < size {
        let end = (n + SNIFF_STEP).min(size);
        let k = match entry.read(&mut scratch[n..end]) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !marked {
            // Markers split between two reads are found through the overlap.
            let from = n.saturating_sub(kvet_inventory::EXECUTABLE_MARKER_MAX - 1);
            marked = kvet_inventory::has_executable_marker(&scratch[from..n + k]);
        }
        n += k;
    }
    Ok((n, marked))
}

/// Appends a version, replacing one from the same layer (a layer's last word counts), and
/// keeps `bytes` equal to the bytes the history holds.
fn push_version(
    versions: &mut Vec<FileVersion>,
    layer: usize,
    data: Option<Arc<Vec<u8>>>,
    bytes: &mut u64,
) {
    if versions.last().is_some_and(|v| v.layer == layer) {
        if let Some(FileVersion { data: Some(d), .. }) = versions.pop() {
            *bytes = bytes.saturating_sub(d.len() as u64);
        }
    }
    if let Some(d) = &data {
        *bytes += d.len() as u64;
    }
    versions.push(FileVersion { layer, data });
}

/// Reads every layer of `layers` from `blobs`, in order, into a [`Squashed`] view.
/// `progress(layer index, stored bytes read)` is called as bytes stream.
pub fn squash(
    layers: &[LayerDesc],
    blobs: &dyn BlobSource,
    limits: &Limits,
    progress: Option<&dyn Fn(usize, u64)>,
) -> Result<Squashed> {
    let mut squasher = Squasher::new(limits);
    for (i, layer) in layers.iter().enumerate() {
        let stored = blobs.open_layer(layer)?;
        let cb = progress.map(|p| move |n: u64| p(i, n));
        let cb_ref: Option<&dyn Fn(u64)> = cb.as_ref().map(|c| c as &dyn Fn(u64));
        squasher.add_layer(layer, stored, cb_ref)?;
    }
    Ok(squasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out `data` in two reads split at `at`.
    struct Split<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl Read for Split<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let end = if self.at > 0 {
                self.at
            } else {
                self.data.len()
            };
            let n = out.len().min(end);
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.at = self.at.saturating_sub(n);
            Ok(n)
        }
    }

    /// A marker cut in two by the reads is still seen: Debian's runc from the real test image
    /// (scripts/make-test-images.sh), cut inside its Go build-info magic, and bash, which has
    /// no marker.
    #[test]
    fn markers_split_between_reads_are_found() {
        let (runc, bash, magic) = crate::real_runc_and_bash();
        let mut scratch = Vec::new();
        for cut in [magic + 1, magic + 7, magic + 14] {
            let mut r = Split {
                data: &runc[4..],
                at: cut - 4,
            };
            let (n, marked) = sniff(&mut r, &runc[..4], runc.len(), &mut scratch).unwrap();
            assert_eq!(n, runc.len());
            assert!(marked, "cut at {cut}");
            assert_eq!(&scratch[..n], &runc[..]);
        }
        let mut r = Split {
            data: &bash[4..],
            at: 1 << 20,
        };
        let (n, marked) = sniff(&mut r, &bash[..4], bash.len(), &mut scratch).unwrap();
        assert_eq!((n, marked), (bash.len(), false));
        assert_eq!(&scratch[..n], &bash[..]);
    }
}
