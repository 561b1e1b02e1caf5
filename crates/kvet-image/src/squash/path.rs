//! Image paths: absolute, `/`-separated, no `.`/`..`/empty components — the keys of the
//! squashed view and of [`kvet_inventory::Files`].

/// Why a tar entry path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// `..` would climb above the image root (`../etc/passwd`, `a/../../x`).
    Escapes,
    /// The path names the root itself or nothing at all.
    Empty,
}

/// Normalises a tar entry name: `./etc/x`, `/etc/x`, `etc//x/` all become `/etc/x`; `a/../b`
/// becomes `/b`. A `..` that would leave the root is refused rather than clamped: an entry
/// name is not a symlink target, and a layer writing above its root is hostile or broken.
pub fn normalise_entry(raw: &str) -> Result<String, PathError> {
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes);
                }
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(join(&parts))
}

/// `/` + components joined by `/`.
pub fn join<S: AsRef<str>>(parts: &[S]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.as_ref().len() + 1).sum());
    for p in parts {
        s.push('/');
        s.push_str(p.as_ref());
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// The parent directory and last component of a normalised path (`/a/b` → `/a`, `b`).
pub fn split_parent(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => ("/", path),
    }
}

/// `dir` + `/` + `name`, for a normalised `dir` (which may be `/`).
pub fn child(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_normalise() {
        assert_eq!(
            normalise_entry("./etc/os-release").unwrap(),
            "/etc/os-release"
        );
        assert_eq!(normalise_entry("/etc//x/").unwrap(), "/etc/x");
        assert_eq!(normalise_entry("usr/lib/../bin/sh").unwrap(), "/usr/bin/sh");
        assert_eq!(normalise_entry("../etc/passwd"), Err(PathError::Escapes));
        assert_eq!(normalise_entry("a/../../x"), Err(PathError::Escapes));
        assert_eq!(normalise_entry("./"), Err(PathError::Empty));
    }

    #[test]
    fn parents_and_children() {
        assert_eq!(split_parent("/etc/x"), ("/etc", "x"));
        assert_eq!(split_parent("/x"), ("/", "x"));
        assert_eq!(child("/", "x"), "/x");
        assert_eq!(child("/a", "x"), "/a/x");
    }
}
