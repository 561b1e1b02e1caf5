use thiserror::Error;

/// Everything that stops a cluster scan, worded for the one line the user sees.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    #[error("context '{name}' is not in {path} (it has: {known})")]
    NoSuchContext {
        name: String,
        path: String,
        known: String,
    },
    #[error("no kubeconfig found (set KUBECONFIG or --kubeconfig) and not running in a pod: {0}")]
    NoConfig(String),
    #[error("cluster '{context}': {message}")]
    Connect { context: String, message: String },
    #[error("cluster '{context}': collection did not finish within {limit:?} (--timeout)")]
    Timeout {
        context: String,
        limit: std::time::Duration,
    },
    #[error("snapshot {path}: {message}")]
    Snapshot { path: String, message: String },
}
