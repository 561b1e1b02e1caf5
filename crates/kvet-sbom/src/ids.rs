//! Package order and identifiers shared by every format, computed once so that a package's
//! CycloneDX `bom-ref`, its SPDX id and its place in the table always agree.

use std::collections::{BTreeMap, HashSet};

use kvet_inventory::Package;
use sha2::{Digest, Sha256};

/// One package with its identifiers, in output order.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub pkg: &'a Package,
    /// CycloneDX `bom-ref`: the PURL, or the PURL plus a `package-id` qualifier when several
    /// packages share it.
    pub bom_ref: String,
    /// SPDX `SPDXID`: `SPDXRef-Package-<type>-<name>-<hash>` with only `[A-Za-z0-9.-]`.
    pub spdx_id: String,
}

/// Sorts packages (kind, name, version, location, PURL) and gives each unique identifiers.
pub(crate) fn index(packages: &[Package]) -> Vec<Entry<'_>> {
    let mut sorted: Vec<&Package> = packages.iter().collect();
    // Cached: `full_version` allocates, and a comparator would call it O(n log n) times.
    sorted.sort_by_cached_key(|p| {
        (
            p.kind,
            p.name.as_str(),
            p.full_version(),
            p.location.as_str(),
            p.purl.as_str(),
        )
    });
    let mut purl_count: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &sorted {
        *purl_count.entry(p.purl.as_str()).or_default() += 1;
    }
    let mut seen_refs = HashSet::new();
    let mut seen_spdx = HashSet::new();
    sorted
        .into_iter()
        .map(|pkg| {
            let base = if pkg.purl.is_empty() {
                // A cataloguer always sets a PURL; an empty one still needs a usable ref.
                format!("kvet:{}/{}@{}", pkg.kind.purl_type(), pkg.name, pkg.version)
            } else {
                pkg.purl.clone()
            };
            let mut bom_ref = if purl_count.get(pkg.purl.as_str()).copied().unwrap_or(0) > 1 {
                with_qualifier(
                    &base,
                    "package-id",
                    &short_hash(&[&pkg.location, &pkg.purl]),
                )
            } else {
                base
            };
            // Same PURL *and* location (a database listing a package twice): number them in
            // sorted order, which is still deterministic.
            bom_ref = unique(bom_ref, &mut seen_refs, |b, n| format!("{b}-{n}"));
            let spdx = format!(
                "SPDXRef-Package-{}-{}-{}",
                spdx_safe(pkg.kind.purl_type()),
                spdx_safe(&pkg.name),
                short_hash(&[&bom_ref])
            );
            let spdx_id = unique(spdx, &mut seen_spdx, |b, n| format!("{b}-{n}"));
            Entry {
                pkg,
                bom_ref,
                spdx_id,
            }
        })
        .collect()
}

fn unique(
    base: String,
    seen: &mut HashSet<String>,
    suffix: impl Fn(&str, usize) -> String,
) -> String {
    let mut candidate = base.clone();
    let mut n = 2;
    while !seen.insert(candidate.clone()) {
        candidate = suffix(&base, n);
        n += 1;
    }
    candidate
}

/// First 16 hex digits of SHA-256 over the parts (NUL-separated so `("ab","c")` ≠ `("a","bc")`).
pub(crate) fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Keeps what SPDX allows in an id's idstring (`[A-Za-z0-9.-]`); anything else becomes `-`.
pub(crate) fn spdx_safe(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "unnamed".to_owned()
    } else {
        out
    }
}

/// Adds `key=value` to a PURL's qualifiers, keeping any `#subpath` last.
fn with_qualifier(purl: &str, key: &str, value: &str) -> String {
    let (head, subpath) = match purl.split_once('#') {
        Some((h, s)) => (h, Some(s)),
        None => (purl, None),
    };
    let sep = if head.contains('?') { '&' } else { '?' };
    let mut out = format!("{head}{sep}{key}={value}");
    if let Some(s) = subpath {
        out.push('#');
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_safe_replaces_everything_outside_the_idstring_alphabet() {
        assert_eq!(spdx_safe("libstdc++6"), "libstdc--6");
        assert_eq!(spdx_safe("g++_12:amd64~x"), "g---12-amd64-x");
        assert_eq!(spdx_safe("ca-certificates.1"), "ca-certificates.1");
        assert_eq!(spdx_safe("ünïcode"), "-n-code");
        assert_eq!(spdx_safe(""), "unnamed");
    }

    #[test]
    fn qualifier_goes_before_the_subpath() {
        assert_eq!(
            with_qualifier("pkg:golang/stdlib@v1.22.0", "package-id", "ab"),
            "pkg:golang/stdlib@v1.22.0?package-id=ab"
        );
        assert_eq!(
            with_qualifier("pkg:deb/debian/a@1?arch=amd64#sub/dir", "package-id", "ab"),
            "pkg:deb/debian/a@1?arch=amd64&package-id=ab#sub/dir"
        );
    }

    #[test]
    fn hash_separates_parts() {
        assert_ne!(short_hash(&["ab", "c"]), short_hash(&["a", "bc"]));
        assert_eq!(short_hash(&["x"]).len(), 16);
    }
}
