//! The squashed view of an image in memory: the kept files and every symlink, keyed by real
//! path (no key has a symlink among its parents), with symlink resolution that never leaves the
//! image root. Shared by the layer squash and the root-filesystem walker so both resolve links
//! the same way.
//!
//! Files that are not kept are not stored at all: an entry only matters here if a cataloguer may
//! read it (kept files) or if it changes what a path means (symlinks). Directories are implied.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kvet_inventory::{Files, Warning};

use super::path::{child, join, split_parent};

/// Symlink hops allowed in one resolution (Linux's `MAXSYMLINKS` is 40).
pub const MAX_HOPS: usize = 40;
/// Aliases computed for one file (paths that reach it through symlinks).
const MAX_ALIASES: usize = 32;

/// Why a file is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Its path (or one reaching it through symlinks) is wanted by a cataloguer.
    Wanted,
    /// Only because its first bytes are an executable header.
    Executable,
}

/// One stored node.
#[derive(Debug, Clone)]
pub enum Node {
    /// A kept regular file. Hardlinks share the bytes.
    File {
        data: Arc<Vec<u8>>,
        layer: usize,
        kept: Kept,
    },
    /// A symbolic link, target as written.
    Symlink { target: String, layer: usize },
}

impl Node {
    pub fn layer(&self) -> usize {
        match self {
            Node::File { layer, .. } | Node::Symlink { layer, .. } => *layer,
        }
    }
}

/// Result of resolving a path inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The real path.
    pub path: String,
    /// A `..` was clamped at the root: a link pointed above it.
    pub clamped: bool,
}

/// Resolution failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// More than [`MAX_HOPS`] symlinks: a loop, or a chain too long to be honest.
    TooManyHops,
}

/// The in-memory tree (see the module docs).
#[derive(Debug, Default)]
pub struct Vfs {
    pub nodes: BTreeMap<String, Node>,
    /// Resolved symlink target → links pointing there: turns a real path into the other paths
    /// that reach it. Maintained as links arrive (stale entries only make the walker keep a
    /// little more); rebuilt from the final links by [`Vfs::rebuild_aliases`].
    reverse: BTreeMap<String, Vec<String>>,
    /// Bytes of the kept files currently referenced (shared hardlink data counted once).
    pub live_bytes: u64,
}

impl Vfs {
    /// Resolves `path` (normalised, absolute) through the symlinks stored so far, inside the
    /// root: absolute targets start again at the image root and `..` stops at it. With
    /// `follow_last` false, a symlink in the last component is not followed (what `lstat`
    /// would see).
    pub fn resolve(&self, path: &str, follow_last: bool) -> Result<Resolved, ResolveError> {
        let mut done: Vec<String> = Vec::new();
        // Remaining components, last first, so that a link's target is pushed in front.
        let mut todo: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_owned)
            .collect();
        let mut hops = 0;
        let mut clamped = false;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        clamped = true;
                    }
                    continue;
                }
                _ => {}
            }
            done.push(c);
            if todo.is_empty() && !follow_last {
                break;
            }
            let here = join(&done);
            if let Some(Node::Symlink { target, .. }) = self.nodes.get(&here) {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(ResolveError::TooManyHops);
                }
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                todo.extend(
                    target
                        .split('/')
                        .filter(|c| !c.is_empty())
                        .rev()
                        .map(str::to_owned),
                );
            }
        }
        Ok(Resolved {
            path: join(&done),
            clamped,
        })
    }

    /// Where an entry named `path` in a layer lands: its parent directory resolved through the
    /// links below it (as containerd applies layers), its last component as is.
    pub fn place(&self, path: &str) -> Result<Resolved, ResolveError> {
        let (dir, name) = split_parent(path);
        let parent = self.resolve(dir, true)?;
        Ok(Resolved {
            path: child(&parent.path, name),
            clamped: parent.clamped,
        })
    }

    /// Removes the node at `path` and everything below it; calls `removed` for each kept file
    /// dropped (for the layer-attribution history). Returns how many nodes went.
    pub fn remove_tree(
        &mut self,
        path: &str,
        only_below_layer: Option<usize>,
        removed: &mut dyn FnMut(&str, &Node),
    ) -> usize {
        let mut keys: Vec<String> = Vec::new();
        if path == "/" {
            keys.extend(self.nodes.keys().cloned());
        } else {
            if self.nodes.contains_key(path) {
                keys.push(path.to_owned());
            }
            let lo = format!("{path}/");
            let hi = format!("{path}0"); // '0' is the byte after '/'
            keys.extend(self.nodes.range(lo..hi).map(|(k, _)| k.clone()));
        }
        let mut n = 0;
        for k in keys {
            let below = match (only_below_layer, self.nodes.get(&k)) {
                (Some(l), Some(node)) => node.layer() < l,
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if !below {
                continue;
            }
            if let Some(node) = self.nodes.remove(&k) {
                self.release(&node);
                removed(&k, &node);
                n += 1;
            }
        }
        n
    }

    /// Removes the node exactly at `path` (not below); see [`Vfs::remove_tree`].
    pub fn remove_one(&mut self, path: &str, removed: &mut dyn FnMut(&str, &Node)) {
        if let Some(node) = self.nodes.remove(path) {
            self.release(&node);
            removed(path, &node);
        }
    }

    fn release(&mut self, node: &Node) {
        if let Node::File { data, .. } = node {
            // The map held one reference and `node` is it: the bytes are freed unless a
            // hardlink (or the caller's history) still holds them.
            if Arc::strong_count(data) == 1 {
                self.live_bytes = self.live_bytes.saturating_sub(data.len() as u64);
            }
        }
    }

    /// Stores a kept file; `shared` says its bytes are already counted (a hardlink).
    pub fn insert_file(&mut self, path: String, data: Arc<Vec<u8>>, layer: usize, kept: Kept) {
        if Arc::strong_count(&data) == 1 {
            self.live_bytes += data.len() as u64;
        }
        self.nodes.insert(path, Node::File { data, layer, kept });
    }

    /// Stores a symlink and indexes where it leads.
    pub fn insert_symlink(&mut self, path: String, target: String, layer: usize) {
        self.nodes.insert(
            path.clone(),
            Node::Symlink {
                target: target.clone(),
                layer,
            },
        );
        if let Ok(r) = self.resolve(&path, true) {
            if r.path != path {
                self.reverse.entry(r.path).or_default().push(path);
            }
        }
    }

    /// Recomputes the alias index from the links present now, returning warnings for links
    /// that loop or point above the root.
    pub fn rebuild_aliases(&mut self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, node) in &self.nodes {
            let Node::Symlink { target, .. } = node else {
                continue;
            };
            match self.resolve(path, true) {
                Ok(r) => {
                    if r.clamped {
                        warnings.push(Warning::new(
                            path.as_str(),
                            format!(
                                "symlink to {target:?} points above the image root; resolved inside the image as {}",
                                r.path
                            ),
                        ));
                    }
                    if r.path != *path {
                        reverse.entry(r.path).or_default().push(path.clone());
                    }
                }
                Err(ResolveError::TooManyHops) => warnings.push(Warning::new(
                    path.as_str(),
                    format!(
                        "symlink to {target:?} is a loop (more than {MAX_HOPS} links); not followed"
                    ),
                )),
            }
        }
        self.reverse = reverse;
        warnings
    }

    /// Other paths that reach `real` through symlinks (usrmerge `/lib/…` for `/usr/lib/…`,
    /// `/var/lib/rpm/…` for `/usr/lib/sysimage/rpm/…`), sorted, at most [`MAX_ALIASES`].
    pub fn aliases(&self, real: &str) -> Vec<String> {
        if self.reverse.is_empty() {
            return Vec::new();
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: Vec<String> = vec![real.to_owned()];
        while let Some(q) = queue.pop() {
            // q itself, then each ancestor of q, root last.
            let mut ancestors: Vec<&str> = vec![q.as_str()];
            let mut cut = q.len();
            while let Some(i) = q[..cut].rfind('/') {
                ancestors.push(if i == 0 { "/" } else { &q[..i] });
                cut = i;
                if i == 0 {
                    break;
                }
            }
            for a in ancestors {
                let Some(links) = self.reverse.get(a) else {
                    continue;
                };
                let rest = if a == "/" { &q[..] } else { &q[a.len()..] };
                for l in links {
                    let alias = if a == "/" && l == "/" {
                        continue;
                    } else {
                        format!("{l}{rest}")
                    };
                    if alias != real && seen.len() < MAX_ALIASES && seen.insert(alias.clone()) {
                        queue.push(alias);
                    }
                }
            }
        }
        seen.into_iter().collect()
    }

    /// The path a kept file at `real` is handed to the cataloguers under: its own path when
    /// that is wanted, else the first wanted path reaching it through symlinks, else (for
    /// executables) its own path. Each real file appears once, so a jar reached by two paths
    /// (usrmerge, `foo.jar → foo-1.2.jar`) is not catalogued twice — as Syft does for glob
    /// searches. `None`: nothing wants it any more (its alias went away in a later layer).
    pub fn output_path(&self, real: &str, kept: Kept) -> Option<String> {
        if kvet_inventory::is_wanted(real) {
            return Some(real.to_owned());
        }
        if let Some(a) = self
            .aliases(real)
            .into_iter()
            .find(|a| kvet_inventory::is_wanted(a))
        {
            return Some(a);
        }
        (kept == Kept::Executable).then(|| real.to_owned())
    }

    /// Whether a file about to be read at `real` should be kept for its path (it or an alias
    /// is wanted, or a wanted symlink already points at it).
    pub fn wanted_now(&self, real: &str) -> bool {
        kvet_inventory::is_wanted(real)
            || self
                .aliases(real)
                .iter()
                .any(|a| kvet_inventory::is_wanted(a))
    }

    /// Turns the tree into the cataloguers' input: output path → bytes, and output path →
    /// (real path, layer). Call [`Vfs::rebuild_aliases`] first. Also warns about wanted
    /// symlinks whose target is not in the image.
    ///
    /// Besides its one output path, a small wanted file (≤ [`MAX_ALIAS_COPY`], not an archive)
    /// is also handed over under every other wanted path that reaches it, so that lookups by
    /// name work through links — Debian's `/usr/share/doc/libstdc++6 → gcc-12-base` gives
    /// libstdc++6 its copyright. Those second names are listed in [`Assembled::aliases`], and
    /// packages read from them again are dropped by [`drop_alias_duplicates`].
    pub fn assemble(self) -> Assembled {
        let mut files = Files::new();
        let mut origin = BTreeMap::new();
        let mut aliases = BTreeMap::new();
        let mut warnings = Vec::new();
        let mut outputs: Vec<(String, String, usize, Vec<String>)> = Vec::new();
        for (path, node) in &self.nodes {
            match node {
                Node::File { kept, layer, data } => {
                    if let Some(out) = self.output_path(path, *kept) {
                        let extra = if *kept == Kept::Wanted
                            && data.len() as u64 <= MAX_ALIAS_COPY
                            && !kvet_inventory::java::is_archive(path)
                        {
                            self.aliases(path)
                                .into_iter()
                                .filter(|a| *a != out && kvet_inventory::is_wanted(a))
                                .collect()
                        } else {
                            Vec::new()
                        };
                        outputs.push((out, path.clone(), *layer, extra));
                    }
                }
                Node::Symlink { target, .. } if kvet_inventory::is_wanted(path) => {
                    if let Ok(r) = self.resolve(path, true) {
                        if !matches!(self.nodes.get(&r.path), Some(Node::File { .. })) {
                            warnings.push(Warning::new(
                                path.as_str(),
                                format!(
                                    "symlink to {target:?} ({}): target is not a file in the image (or was written before the link and not kept)",
                                    r.path
                                ),
                            ));
                        }
                    }
                }
                Node::Symlink { .. } => {}
            }
        }
        let mut nodes = self.nodes;
        let mut alias_bytes: u64 = 0;
        let mut alias_budget_warned = false;
        // Second names are added after every first name, and never over one.
        let mut pending: Vec<(String, Vec<u8>, String, usize, String)> = Vec::new();
        for (out, real, layer, extra) in outputs {
            if files.contains_key(&out) {
                continue;
            }
            if let Some(Node::File { data, .. }) = nodes.remove(&real) {
                for a in extra {
                    if alias_bytes + data.len() as u64 > MAX_ALIAS_BYTES {
                        if !alias_budget_warned {
                            alias_budget_warned = true;
                            warnings.push(Warning::new(
                                a.as_str(),
                                format!("second names of files reached through symlinks use more than {MAX_ALIAS_BYTES} bytes; this and later ones are not handed over"),
                            ));
                        }
                        break;
                    }
                    alias_bytes += data.len() as u64;
                    pending.push((a, data.as_ref().clone(), real.clone(), layer, out.clone()));
                }
                let bytes = Arc::try_unwrap(data).unwrap_or_else(|shared| (*shared).clone());
                files.insert(out.clone(), bytes);
                origin.insert(out.clone(), (real, layer));
            }
        }
        for (a, bytes, real, layer, out) in pending {
            if !files.contains_key(&a) {
                files.insert(a.clone(), bytes);
                origin.insert(a.clone(), (real, layer));
                aliases.insert(a, out);
            }
        }
        Assembled {
            files,
            origin,
            aliases,
            warnings,
        }
    }
}

/// Largest file also handed over under its other wanted names (see [`Vfs::assemble`]).
pub const MAX_ALIAS_COPY: u64 = 1 << 20;
/// Most bytes of such copies per image (a link to `/` in every directory must not multiply
/// memory).
pub const MAX_ALIAS_BYTES: u64 = 64 << 20;

/// Drops packages read from a second name of a file (see [`Vfs::assemble`]) when the same
/// package was also read from a first name: a file reached by two paths counts once. A package
/// found only through the second name (a cataloguer that looks there first) is kept.
pub fn drop_alias_duplicates(
    packages: &mut Vec<kvet_inventory::Package>,
    aliases: &BTreeMap<String, String>,
) {
    if aliases.is_empty() {
        return;
    }
    let file = |p: &kvet_inventory::Package| -> String {
        p.location
            .split('!')
            .next()
            .unwrap_or(&p.location)
            .to_owned()
    };
    let primary: BTreeSet<(kvet_inventory::PackageKind, String)> = packages
        .iter()
        .filter(|p| !aliases.contains_key(&file(p)))
        .map(|p| (p.kind, p.purl.clone()))
        .collect();
    packages.retain(|p| {
        !aliases.contains_key(&file(p)) || !primary.contains(&(p.kind, p.purl.clone()))
    });
}

/// What [`Vfs::assemble`] returns.
pub struct Assembled {
    pub files: Files,
    /// Output path → (real path, layer that wrote the file).
    pub origin: BTreeMap<String, (String, usize)>,
    /// Second names of files → their first (output) name.
    pub aliases: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vfs(links: &[(&str, &str)]) -> Vfs {
        let mut v = Vfs::default();
        for (p, t) in links {
            v.insert_symlink((*p).into(), (*t).into(), 0);
        }
        v
    }

    #[test]
    fn relative_and_absolute_links_resolve_inside_root() {
        let v = vfs(&[
            ("/var/lib/rpm", "../../usr/lib/sysimage/rpm"),
            ("/lib", "usr/lib"),
            ("/etc/os-release", "/usr/lib/os-release"),
        ]);
        let r = |p| v.resolve(p, true).unwrap().path;
        assert_eq!(r("/var/lib/rpm/Packages"), "/usr/lib/sysimage/rpm/Packages");
        assert_eq!(r("/lib/apk/db/installed"), "/usr/lib/apk/db/installed");
        assert_eq!(r("/etc/os-release"), "/usr/lib/os-release");
        assert_eq!(
            v.resolve("/etc/os-release", false).unwrap().path,
            "/etc/os-release"
        );
    }

    #[test]
    fn dotdot_clamps_at_root() {
        let v = vfs(&[("/etc/os-release", "../../../../host/file")]);
        let r = v.resolve("/etc/os-release", true).unwrap();
        assert_eq!(r.path, "/host/file");
        assert!(r.clamped);
    }

    #[test]
    fn loops_stop() {
        let v = vfs(&[("/a", "b"), ("/b", "/a")]);
        assert_eq!(v.resolve("/a/x", true), Err(ResolveError::TooManyHops));
        let v = vfs(&[("/self", ".")]);
        // `/self/self/…` is fine (each hop is one step), and only a long chain is refused.
        assert_eq!(v.resolve("/self/self/x", true).unwrap().path, "/x");
    }

    #[test]
    fn aliases_through_directory_links() {
        let mut v = vfs(&[
            ("/lib", "usr/lib"),
            ("/var/lib/rpm", "../../usr/lib/sysimage/rpm"),
        ]);
        v.rebuild_aliases();
        assert_eq!(
            v.aliases("/usr/lib/apk/db/installed"),
            vec!["/lib/apk/db/installed".to_owned()]
        );
        assert!(v.wanted_now("/usr/lib/apk/db/installed"));
        assert_eq!(
            v.output_path("/usr/lib/apk/db/installed", Kept::Wanted)
                .as_deref(),
            Some("/lib/apk/db/installed")
        );
        // Both paths wanted: the real one is used, once.
        assert_eq!(
            v.output_path("/usr/lib/sysimage/rpm/Packages", Kept::Wanted)
                .as_deref(),
            Some("/usr/lib/sysimage/rpm/Packages")
        );
    }
}
