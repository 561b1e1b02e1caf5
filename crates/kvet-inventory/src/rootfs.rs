//! Reading the wanted files from an unpacked root filesystem (tests, `kvet` on a directory).
//!
//! This is the crate's only I/O. It visits just the directories named in
//! [`crate::WANTED_PATHS`], never walks the whole tree, does not follow symlinks
//! out of the root (a symlinked file is skipped rather than resolved on the host), and skips
//! files larger than [`MAX_FILE`]. Java archives (`**/*.jar`) can be anywhere, so finding them
//! would need a walk of the whole tree; they are not collected here — an image walker sees every
//! path anyway, and a CLI caller can add archives it knows about to the map.

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
