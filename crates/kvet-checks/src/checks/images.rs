//! Image references.

use super::WORKLOADS;
use crate::check::{all_containers, per_container, Check, Eval, Violation};
use kvet_core::{Category, CheckMeta, Severity};

/// An image reference split into its parts, without normalising the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Everything before the tag/digest: registry (with port) and repository.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `registry:5000/team/app:1.2@sha256:…`. A colon in the registry host is a port,
/// not a tag: only a colon after the last `/` starts a tag.
pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => ImageRef {
            name: &rest[..last_slash + i],
            tag: Some(&rest[last_slash + i + 1..]).filter(|t| !t.is_empty()),
            digest,
        },
        None => ImageRef {
            name: rest,
            tag: None,
            digest,
        },
    }
}

pub static TAG_NOT_SPECIFIED: Check = Check {
    meta: CheckMeta {
        id: "tagNotSpecified",
        title: "Image tag is not specified",
        category: Category::Images,
        severity: Severity::High,
        enabled: true,
        description: "An image without a tag or digest means `:latest`: what runs changes \
            whenever someone pushes, rollbacks cannot restore the previous version, and nobody \
            can tell which code (and which vulnerabilities) a pod runs. A digest (`@sha256:…`) \
            pins an image even without a tag.",
        remediation: "Reference the image by an immutable version tag, or better by digest: \
            `image: registry/app:1.4.2@sha256:…`.",
        example: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2@sha256:9b2a…\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    },
    eval: Eval::Object(|ctx| {
        per_container(ctx, all_containers, |_, c| {
            let Some(node) = c.get("image") else {
                return vec![];
            };
            let Some(image) = node.as_str() else {
                return vec![];
            };
            let r = parse_image(image);
            if r.tag.is_some() || r.digest.is_some() {
                return vec![];
            }
            vec![Violation::in_container(
                c,
                node.line,
                format!(
                    "container '{}' uses image '{image}' without a tag or digest",
                    c.name
                ),
            )]
        })
    }),
};

/// Whether `tag` is one of the configured mutable tags (case-insensitive).
fn mutable_tag(tag: &str, mutable: &[String]) -> bool {
    mutable.iter().any(|m| m.eq_ignore_ascii_case(tag))
}

pub static LATEST_TAG_USED: Check = Check {
    meta: CheckMeta {
        id: "latestTagUsed",
        title: "Image uses a mutable tag",
        category: Category::Images,
        severity: Severity::Medium,
        enabled: true,
        description: "Tags such as `latest`, `main` or `stable` are moved by every push: two \
            nodes (or two restarts) may run different code under the same manifest, rollbacks \
            do not restore what ran before, and a compromised registry account ships straight \
            to production. The list is configurable (`mutableTags` in kvet.yaml) and compared \
            case-insensitively. An image pinned by digest passes whatever its tag; an image \
            without a tag is tagNotSpecified's concern.",
        remediation: "Reference the image by an immutable version tag or, better, by digest \
            (`image: registry/app:1.4.2@sha256:…`), and let your CD tooling bump it.",
        example: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2@sha256:9b2a…\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    },
    eval: Eval::Object(|ctx| {
        let mutable = &ctx.settings.mutable_tags;
        per_container(ctx, all_containers, |_, c| {
            let Some((node, image)) = c.get("image").and_then(|n| n.as_str().map(|s| (n, s)))
            else {
                return vec![];
            };
            let r = parse_image(image);
            match r.tag {
                Some(tag) if r.digest.is_none() && mutable_tag(tag, mutable) => {
                    vec![Violation::in_container(
                        c,
                        node.line,
                        format!(
                            "container '{}' uses image '{image}' with the mutable tag '{tag}'",
                            c.name
                        ),
                    )]
                }
                _ => vec![],
            }
        })
    }),
};

pub static PULL_POLICY_NOT_ALWAYS: Check = Check {
    meta: CheckMeta {
        id: "pullPolicyNotAlways",
        title: "Mutable image is not always pulled",
        category: Category::Images,
        severity: Severity::Low,
        enabled: false,
        description: "With `imagePullPolicy: IfNotPresent` (or `Never`), a node that already has \
            an image with a mutable tag (`latest`, `main`…, or no tag) keeps running its cached \
            copy: nodes silently run different versions and a fixed image never reaches the \
            old ones. Kubernetes defaults the policy to Always only for `:latest` and untagged \
            images; other mutable tags default to IfNotPresent and are reported too. Images \
            pinned by digest or with an immutable tag pass. Unlike Polaris, an omitted policy \
            that defaults to Always is not reported. Disabled by default, as in Polaris.",
        remediation: "Set `imagePullPolicy: Always` on containers whose image uses a mutable \
            tag, or better, pin the image to a version tag or digest.",
        example: "containers:\n- name: app\n  image: registry.example.com/app:main\n  imagePullPolicy: Always\n",
        kinds: WORKLOADS,
        controls: &[],
        references: &["https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy"],
    },
    eval: Eval::Object(|ctx| {
        let mutable = &ctx.settings.mutable_tags;
        per_container(ctx, all_containers, |_, c| {
            let Some((node, image)) = c.get("image").and_then(|n| n.as_str().map(|s| (n, s))) else {
                return vec![];
            };
            let r = parse_image(image);
            if r.digest.is_some() || r.tag.is_some_and(|t| !mutable_tag(t, mutable)) {
                return vec![];
            }
            let shown = r.tag.map_or_else(|| "no tag".to_string(), |t| format!("tag '{t}'"));
            match c.get("imagePullPolicy") {
                Some(p) if p.as_str() == Some("Always") => vec![],
                Some(p) => vec![Violation::in_container(
                    c,
                    p.line,
                    format!(
                        "container '{}' pulls image '{image}' ({shown}) with imagePullPolicy: {}: \
                         nodes keep running whatever they cached",
                        c.name,
                        p.scalar_text().unwrap_or_default()
                    ),
                )],
                // Kubernetes defaults to Always for `:latest` and untagged images.
                None if r.tag.is_none_or(|t| t == "latest") => vec![],
                None => vec![Violation::in_container(
                    c,
                    node.line,
                    format!(
                        "container '{}' uses image '{image}' ({shown}) without imagePullPolicy: \
                         it defaults to IfNotPresent",
                        c.name
                    ),
                )],
            }
        })
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ports_are_not_tags_and_digests_pin() {
        let r = parse_image("registry:5000/app");
        assert_eq!((r.name, r.tag, r.digest), ("registry:5000/app", None, None));
        let r = parse_image("registry:5000/team/app:1.2");
        assert_eq!((r.name, r.tag), ("registry:5000/team/app", Some("1.2")));
        let r = parse_image("nginx@sha256:abc");
        assert_eq!((r.tag, r.digest), (None, Some("sha256:abc")));
        let r = parse_image("nginx:1.25@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("nginx", Some("1.25"), Some("sha256:abc"))
        );
        assert_eq!(parse_image("nginx").tag, None);
    }
}
