//! Reading the wanted files from an unpacked root filesystem (tests, `kvet` on a directory).
//!
//! This is the crate's only I/O. It visits just the directories named in
//! [`crate::WANTED_PATHS`], never walks the whole tree, does not follow symlinks
//! out of the root (a symlinked file is skipped rather than resolved on the host), and skips
//! files larger than [`MAX_FILE`]. Patterns starting with `**` (Java archives, application
//! packages) can match anywhere, so finding them needs a walk of the whole tree: [`read_wanted`]
//! skips them and [`read_tree`] does that walk.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::{Files, WANTED_PATHS};

/// Largest file kept (the design's per-file limit).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Reads every wanted file under `root` into a [`Files`] map keyed by absolute image path.
pub fn read_wanted(root: &Path) -> Result<Files> {
    let mut files = Files::new();
    for pattern in WANTED_PATHS {
        if pattern.starts_with("**") {
            continue;
        }
        let rel = pattern.trim_start_matches('/');
        let (dir, last) = match rel.rsplit_once('/') {
            Some((d, l)) => (d, l),
            None => ("", rel),
        };
        if dir.contains('*') {
            // `/usr/share/doc/*/copyright`: one level of package directories.
            let Some((base, tail)) = dir.split_once("/*") else {
                continue;
            };
            let base_dir = root.join(base);
            let Ok(rd) = fs::read_dir(&base_dir) else {
                continue;
            };
            for entry in rd.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let image_path = format!("/{base}/{name}{tail}/{last}");
                read_one(root, &image_path, &mut files)?;
            }
            continue;
        }
        if last.contains('*') {
            let Ok(rd) = fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in rd.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let image_path = format!("/{dir}/{name}");
                if crate::is_wanted(&image_path) {
                    read_one(root, &image_path, &mut files)?;
                }
            }
        } else {
            read_one(root, pattern, &mut files)?;
        }
    }
    Ok(files)
}

/// Walks the whole tree under `root` (without following symlinks) and reads every file the
/// image walker would keep: those [`crate::is_wanted`] names, and — when `executables` is set —
/// every file whose first bytes [`crate::looks_like_executable`] accepts. Files larger than
/// [`MAX_FILE`] are skipped.
pub fn read_tree(root: &Path, executables: bool) -> Result<Files> {
    use std::io::Read;
    let mut files = Files::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(|e| Error::Io {
            path: e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| root.display().to_string()),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let image_path = format!("/{}", rel.to_string_lossy());
        let wanted = crate::is_wanted(&image_path);
        if !wanted && !executables {
            continue;
        }
        let io = |source| Error::Io {
            path: entry.path().display().to_string(),
            source,
        };
        if !wanted {
            let mut head = [0u8; 4];
            let n = fs::File::open(entry.path())
                .and_then(|mut f| f.read(&mut head))
                .map_err(io)?;
            if !crate::looks_like_executable(&head[..n]) {
                continue;
            }
        }
        if entry.metadata().map(|m| m.len() > MAX_FILE).unwrap_or(true) {
            continue;
        }
        let bytes = fs::read(entry.path()).map_err(io)?;
        files.insert(image_path, bytes);
    }
    Ok(files)
}

fn read_one(root: &Path, image_path: &str, files: &mut Files) -> Result<()> {
    let path = root.join(image_path.trim_start_matches('/'));
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return Ok(());
    };
    if !meta.is_file() || meta.len() > MAX_FILE {
        return Ok(());
    }
    let bytes = fs::read(&path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    files.insert(image_path.to_owned(), bytes);
    Ok(())
}
