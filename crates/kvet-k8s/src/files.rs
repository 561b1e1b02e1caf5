//! Which inputs a `kvet config` invocation means, and reading them with a size bound.

use kvet_core::{Notice, NoticeLevel};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest input kvet reads (a file may hold many documents; each is bounded separately).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// The name used in findings and messages.
    pub fn display_name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
        }
    }

    /// Reads the whole input, refusing more than `MAX_INPUT_BYTES`.
    pub fn read(&self) -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        let res = match self {
            Input::File(p) => std::fs::File::open(p)
                .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf)),
            Input::Stdin => std::io::stdin()
                .lock()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut buf),
        };
        res.map_err(|e| format!("cannot read: {e}"))?;
        if buf.len() as u64 > MAX_INPUT_BYTES {
            return Err(format!(
                "larger than the {} MiB input limit",
                MAX_INPUT_BYTES >> 20
            ));
        }
        Ok(buf)
    }
}

/// Whether a file found in a folder walk is a manifest by its extension.
pub fn is_manifest_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// Expands the command-line arguments: `-` is stdin, files are taken as given (whatever their
/// extension), directories are walked recursively for `.yaml`, `.yml` and `.json` files,
/// skipping hidden directories (`.git`) below the given one. Symbolic links are not followed
/// inside directories, so a walk cannot loop or leave the tree. Results are sorted per argument.
pub fn discover(args: &[PathBuf]) -> (Vec<Input>, Vec<Notice>) {
    discover_with(args, &is_manifest_name)
}

/// [`discover`] with another choice of which files a folder walk picks up (the binary adds
/// Dockerfiles).
pub fn discover_with(
    args: &[PathBuf],
    wanted: &dyn Fn(&Path) -> bool,
) -> (Vec<Input>, Vec<Notice>) {
    let mut inputs = Vec::new();
    let mut notices = Vec::new();
    let mut error = |path: &Path, message: String| {
        notices.push(Notice {
            level: NoticeLevel::Error,
            path: Some(path.display().to_string()),
            line: None,
            message,
        })
    };
    for arg in args {
        if arg.as_os_str() == "-" {
            if !inputs.contains(&Input::Stdin) {
                inputs.push(Input::Stdin);
            }
            continue;
        }
        match std::fs::metadata(arg) {
            Err(e) => error(arg, format!("cannot open: {e}")),
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                let walker = walkdir::WalkDir::new(arg)
                    .follow_links(false)
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                    });
                for entry in walker {
                    match entry {
                        Ok(e) if e.file_type().is_file() && wanted(e.path()) => {
                            found.push(e.into_path())
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let p = e.path().map_or_else(|| arg.clone(), Path::to_path_buf);
                            error(&p, format!("cannot read directory entry: {e}"));
                        }
                    }
                }
                found.sort();
                inputs.extend(found.into_iter().map(Input::File));
            }
            Ok(_) => inputs.push(Input::File(arg.clone())),
        }
    }
    (inputs, notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_recursively_skipping_hidden_and_other_files() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for f in [
            "a/x.yaml",
            "a/b/y.YML",
            "a/z.json",
            "a/readme.md",
            ".git/c.yaml",
        ] {
            std::fs::write(root.join(f), "").unwrap();
        }
        let (inputs, notices) =
            discover(&[root.to_path_buf(), PathBuf::from("-"), root.join("missing")]);
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                Input::Stdin => "-".into(),
            })
            .collect();
        assert_eq!(names, vec!["a/b/y.YML", "a/x.yaml", "a/z.json", "-"]);
        assert_eq!(notices.len(), 1);
        assert!(notices[0].message.contains("cannot open"));
    }
}
