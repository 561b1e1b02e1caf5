/// A file path as a SARIF artifact URI: relative paths stay relative (code-scanning UIs
/// resolve them against the repository root), absolute ones become `file://` URIs, and every
/// byte outside RFC 3986's unreserved set and `/` is percent-encoded.
pub fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let rel = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(rel.len() + 8);
    if rel.starts_with('/') {
        out.push_str("file://");
    }
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes() {
        assert_eq!(super::path_to_uri("./k8s/a b.yaml"), "k8s/a%20b.yaml");
        assert_eq!(super::path_to_uri("/abs/x.yaml"), "file:///abs/x.yaml");
        assert_eq!(super::path_to_uri("<stdin>"), "%3Cstdin%3E");
    }
}
