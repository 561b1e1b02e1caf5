//! Which clusters to scan: kubeconfig contexts as kubectl resolves them (KUBECONFIG with
//! several files, `--kubeconfig`, `--context`, exec and token users), or the pod's own service
//! account when kvet runs in a cluster.

use crate::error::ClusterError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::Path;

/// One cluster to collect from.
pub struct Target {
    /// The context name (`in-cluster` for the service account).
    pub context: String,
    pub config: kube::Config,
}

/// Resolves the targets: the named contexts, every context (`all`), or the current one.
pub async fn targets(
    kubeconfig: Option<&Path>,
    contexts: &[String],
    all: bool,
) -> Result<Vec<Target>, ClusterError> {
    let shown = kubeconfig.map_or_else(
        || std::env::var("KUBECONFIG").unwrap_or_else(|_| "~/.kube/config".into()),
        |p| p.display().to_string(),
    );
    let loaded = match kubeconfig {
        Some(p) => Kubeconfig::read_from(p).map(Some),
        None => match Kubeconfig::from_env() {
            Ok(Some(k)) => Ok(Some(k)),
            Ok(None) => match kube::config::Kubeconfig::read() {
                Ok(k) => Ok(Some(k)),
                Err(_) => Ok(None),
            },
            Err(e) => Err(e),
        },
    }
    .map_err(|e| ClusterError::Kubeconfig {
        path: shown.clone(),
        message: error_chain(&e),
    })?;

    let Some(kc) = loaded else {
        if !contexts.is_empty() || all {
            return Err(ClusterError::NoConfig("contexts were asked for".into()));
        }
        let config =
            kube::Config::incluster().map_err(|e| ClusterError::NoConfig(e.to_string()))?;
        return Ok(vec![Target {
            context: "in-cluster".into(),
            config,
        }]);
    };

    let known: Vec<String> = kc.contexts.iter().map(|c| c.name.clone()).collect();
    let names: Vec<String> = if all {
        known.clone()
    } else if !contexts.is_empty() {
        for c in contexts {
            if !known.contains(c) {
                return Err(ClusterError::NoSuchContext {
                    name: c.clone(),
                    path: shown,
                    known: known.join(", "),
                });
            }
        }
        contexts.to_vec()
    } else {
        match &kc.current_context {
            Some(c) => vec![c.clone()],
            None => {
                return Err(ClusterError::Kubeconfig {
                    path: shown,
                    message: "no current-context; name one with --context".into(),
                })
            }
        }
    };
    let mut out = Vec::new();
    for name in names {
        let options = KubeConfigOptions {
            context: Some(name.clone()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kc.clone(), &options)
            .await
            .map_err(|e| ClusterError::Kubeconfig {
                path: shown.clone(),
                message: format!("context '{name}': {}", error_chain(&e)),
            })?;
        out.push(Target {
            context: name,
            config,
        });
    }
    Ok(out)
}

/// An error with its causes, on one line (parsers add source snippets on further lines; the
/// first line carries the position).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let first = |e: &dyn std::error::Error| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut s = first(e);
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = first(c);
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = c.source();
    }
    s
}
