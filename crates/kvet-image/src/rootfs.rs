//! An unpacked root filesystem (`kvet sbom --rootfs /mnt/extracted`) → the same view as a
//! squashed image: wanted files and executables by image path, symlinks resolved inside the
//! given root with the image resolver, never by the host.
//!
//! The walk never follows a symlink on the host: links are read as text into the in-memory
//! tree and resolved there, and a file is only ever opened at a path the walk itself found as a
//! regular file (its device and inode are checked again after opening, so a file swapped for a
//! link between the walk and the read is skipped). Unreadable files and directories are
//! warnings. Other filesystems mounted below the root are not entered, so pointing it at a live
//! system's `/` does not wander into `/proc` or `/sys`.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kvet_inventory::{Files, Warning};
use walkdir::WalkDir;

use crate::squash::vfs::{Kept, Vfs};
use crate::{Error, Limits, Result};

/// The kept files of a root filesystem.
#[derive(Debug, Clone, Default)]
pub struct RootfsFiles {
    /// Image path → bytes (each real file once, as in [`crate::Squashed::files`]).
    pub files: Files,
    /// Second names of small files reached through symlinks → first names (as in
    /// [`crate::Squashed::aliases`]).
    pub aliases: std::collections::BTreeMap<String, String>,
    /// Files that could not be read, links that loop or leave the root, limits hit.
    pub warnings: Vec<Warning>,
}

/// A regular file found by the walk.
struct Candidate {
    image_path: String,
    host_path: PathBuf,
    len: u64,
    dev: u64,
    ino: u64,
}

/// Walks `root` and reads the wanted files and executables (see the module docs).
pub fn read_rootfs(root: &Path, limits: &Limits) -> Result<RootfsFiles> {
    let meta = std::fs::metadata(root).map_err(|source| Error::Io {
        path: root.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: not a directory (a root filesystem is a directory)",
            root.display()
        )));
    }
    let mut vfs = Vfs::default();
    let mut warnings = Vec::new();
    let mut candidates = Vec::new();
    let mut entries: u64 = 0;
    // Mount points below the root (a live system's /proc, /sys, /dev) are not entered.
    let walk = WalkDir::new(root)
        .follow_links(false)
        .same_file_system(true)
        .sort_by_file_name();
    for item in walk {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                let loc = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
                warnings.push(Warning::new(loc, format!("not readable: {e}")));
                continue;
            }
        };
        if item.depth() == 0 {
            continue;
        }
        entries += 1;
        if entries > limits.max_entries {
            return Err(Error::Limit {
                what: root.display().to_string(),
                limit: format!("entries ({})", limits.max_entries),
            });
        }
        let Ok(rel) = item.path().strip_prefix(root) else {
            continue;
        };
        let image_path = image_path(rel);
        let ft = item.file_type();
        if ft.is_symlink() {
            match std::fs::read_link(item.path()) {
                Ok(t) => {
                    let target = t.to_string_lossy().into_owned();
                    if !target.is_empty() {
                        vfs.insert_symlink(image_path, target, 0);
                    }
                }
                Err(e) => warnings.push(Warning::new(
                    item.path().display().to_string(),
                    format!("symlink not readable: {e}"),
                )),
            }
        } else if ft.is_file() {
            match item.metadata() {
                Ok(m) => candidates.push(Candidate {
                    image_path,
                    host_path: item.path().to_owned(),
                    len: m.len(),
                    dev: m.dev(),
                    ino: m.ino(),
                }),
                Err(e) => warnings.push(Warning::new(
                    item.path().display().to_string(),
                    format!("not readable: {e}"),
                )),
            }
        }
    }
    warnings.extend(vfs.rebuild_aliases());

    let mut kept_bytes: u64 = 0;
    for c in candidates {
        let wanted = vfs.wanted_now(&c.image_path);
        if !wanted && c.len < 4 {
            continue;
        }
        match read_candidate(&c, wanted, limits) {
            Ok(Some((data, kept))) => {
                if kept_bytes + data.len() as u64 > limits.max_kept_bytes {
                    if kept == Kept::Executable {
                        // As in the squash: executables only matter if they are Go binaries.
                        warnings.push(Warning::new(
                            c.host_path.display().to_string(),
                            format!(
                                "executable not read, the total kept bytes ({}) are used up",
                                limits.max_kept_bytes
                            ),
                        ));
                        continue;
                    }
                    return Err(Error::Limit {
                        what: format!("{} (at {})", root.display(), c.image_path),
                        limit: format!("total kept bytes ({})", limits.max_kept_bytes),
                    });
                }
                kept_bytes += data.len() as u64;
                vfs.insert_file(c.image_path, Arc::new(data), 0, kept);
            }
            Ok(None) => {}
            Err(message) => warnings.push(Warning::new(c.host_path.display().to_string(), message)),
        }
    }
    let assembled = vfs.assemble();
    warnings.extend(assembled.warnings);
    Ok(RootfsFiles {
        files: assembled.files,
        aliases: assembled.aliases,
        warnings,
    })
}

/// `/` + the relative path's components (lossy for names that are not UTF-8).
fn image_path(rel: &Path) -> String {
    let mut s = String::new();
    for c in rel.components() {
        s.push('/');
        s.push_str(&c.as_os_str().to_string_lossy());
    }
    s
}

/// Reads one file if it is wanted, or if its first bytes are an executable header; `Err` is a
/// warning message.
fn read_candidate(
    c: &Candidate,
    wanted: bool,
    limits: &Limits,
) -> std::result::Result<Option<(Vec<u8>, Kept)>, String> {
    let max = limits.max_file_bytes;
    if wanted && c.len > max {
        return Err(format!(
            "{} bytes, over the {max}-byte file limit; not read",
            c.len
        ));
    }
    let mut f = File::open(&c.host_path).map_err(|e| format!("not readable: {e}"))?;
    let m = f.metadata().map_err(|e| format!("not readable: {e}"))?;
    if !m.is_file() || m.dev() != c.dev || m.ino() != c.ino {
        return Err("changed while being read (no longer the regular file walked); skipped".into());
    }
    let mut data = Vec::new();
    let kept = if wanted {
        Kept::Wanted
    } else {
        (&mut f)
            .take(4)
            .read_to_end(&mut data)
            .map_err(|e| format!("not readable: {e}"))?;
        if !kvet_inventory::looks_like_executable(&data) {
            return Ok(None);
        }
        if c.len > max {
            return Err(format!(
                "executable of {} bytes, over the {max}-byte file limit; not read",
                c.len
            ));
        }
        Kept::Executable
    };
    data.reserve(c.len.min(max) as usize);
    f.take(max + 1 - data.len() as u64)
        .read_to_end(&mut data)
        .map_err(|e| format!("not readable: {e}"))?;
    if data.len() as u64 > max {
        return Err(format!(
            "grew over the {max}-byte file limit while being read; not read"
        ));
    }
    // As in the image walker: an executable no cataloguer can use is not kept.
    if kept == Kept::Executable && !kvet_inventory::executable_worth_keeping(&c.image_path, &data) {
        return Ok(None);
    }
    Ok(Some((data, kept)))
}
