//! Which file names are Dockerfiles. Pure: the walker asks, this answers.

/// Suffixes of files named like Dockerfiles that are not Dockerfiles (documentation,
/// templates that need rendering first, backups).
const NOT_DOCKERFILES: &[&str] = &[
    "md",
    "txt",
    "rst",
    "yaml",
    "yml",
    "json",
    "sh",
    "ps1",
    "bat",
    "py",
    "go",
    "rs",
    "j2",
    "jinja",
    "tpl",
    "tmpl",
    "template",
    "erb",
    "in",
    "orig",
    "bak",
    "swp",
    "dockerignore",
];

/// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `*.Containerfile`, `Dockerfile.*` and
/// `Containerfile.*` (not `Dockerfile.md`, `Dockerfile.j2` and other non-Dockerfiles),
/// compared case-insensitively.
pub fn is_dockerfile_name(file_name: &str) -> bool {
    let n = file_name.to_ascii_lowercase();
    if n == "dockerfile" || n == "containerfile" {
        return true;
    }
    if n.ends_with(".dockerfile") || n.ends_with(".containerfile") {
        return true;
    }
    let rest = n
        .strip_prefix("dockerfile.")
        .or_else(|| n.strip_prefix("containerfile."));
    match rest {
        Some(r) => {
            let ext = r.rsplit('.').next().unwrap_or(r);
            !r.is_empty() && !NOT_DOCKERFILES.contains(&ext)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "Dockerfile.alpine.arm64",
            "src__frontend.Dockerfile",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.md",
            "Dockerfile.j2",
            "Dockerfile.template",
            "Dockerfile.",
            "dockerfile-lint.yaml",
            "x.dockerignore",
            "Dockerfile.dockerignore",
            "README",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
