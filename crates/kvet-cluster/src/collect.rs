//! Lists every kind of [`KINDS`] from one cluster: pages of `limit` objects followed by their
//! `continue` token, a few kinds at a time, retrying throttled (429) and failing (5xx)
//! requests with backoff. A kind the user may not list (403) or the cluster does not serve
//! (404) is recorded as not collected and the scan goes on; an unreachable server, a TLS or
//! authentication failure, or the timeout ends the cluster's collection with one clear error.

use crate::error::ClusterError;
use crate::kinds::{KindSpec, KINDS};
use crate::kubeconfig::{error_chain, Target};
use crate::snapshot::{ClusterSnapshot, NodeFacts, NotCollected, VersionFacts};
use futures::stream::{self, StreamExt};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Told about progress, for a progress bar; called from the collecting tasks.
pub trait Progress: Send + Sync {
    fn kind_listed(&self, context: &str, kind: &str, objects: usize);
}

#[derive(Clone)]
pub struct CollectOptions {
    /// Only this namespace (cluster-scoped kinds are still listed: bindings need their roles).
    pub namespace: Option<String>,
    pub timeout: Duration,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Kinds listed at the same time.
    pub concurrency: usize,
    /// Attempts after the first for 429 and 5xx answers.
    pub retries: u32,
    /// First backoff; doubled on every retry.
    pub backoff: Duration,
    pub progress: Option<Arc<dyn Progress>>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            namespace: None,
            timeout: Duration::from_secs(120),
            page_size: 500,
            concurrency: 4,
            retries: 4,
            backoff: Duration::from_millis(200),
            progress: None,
        }
    }
}

/// Why listing a kind failed.
enum ListError {
    /// Recorded in the report; the scan goes on.
    Skip(String),
    /// Ends the cluster's collection.
    Fatal(String),
}

pub async fn collect(
    target: &Target,
    opts: &CollectOptions,
) -> Result<ClusterSnapshot, ClusterError> {
    let context = target.context.clone();
    let connect = |message: String| ClusterError::Connect {
        context: context.clone(),
        message,
    };
    let client = Client::try_from(target.config.clone()).map_err(|e| connect(error_chain(&e)))?;
    let work = async {
        // The version call is the reachability, TLS and authentication probe: its failure is
        // the cluster's failure.
        let info = client
            .apiserver_version()
            .await
            .map_err(|e| connect(describe(&e)))?;
        let mut listed: Vec<(usize, Result<Vec<Value>, ListError>)> =
            stream::iter(KINDS.iter().enumerate())
                .map(|(i, spec)| {
                    let client = client.clone();
                    async move { (i, list_kind(client, spec, opts, &target.context).await) }
                })
                .buffer_unordered(opts.concurrency.max(1))
                .collect()
                .await;
        listed.sort_by_key(|(i, _)| *i);
        let mut snapshot = ClusterSnapshot {
            context: target.context.clone(),
            server: target.config.cluster_url.to_string(),
            version: Some(VersionFacts {
                git_version: info.git_version,
                platform: info.platform,
            }),
            ..Default::default()
        };
        for (i, result) in listed {
            match result {
                Ok(objects) => snapshot.objects.extend(objects),
                Err(ListError::Skip(reason)) => snapshot.not_collected.push(NotCollected {
                    kind: KINDS[i].kind.to_string(),
                    reason,
                }),
                Err(ListError::Fatal(message)) => return Err(connect(message)),
            }
        }
        snapshot.nodes = snapshot
            .objects
            .iter()
            .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Node"))
            .filter_map(NodeFacts::from_node)
            .collect();
        Ok(snapshot)
    };
    tokio::time::timeout(opts.timeout, work)
        .await
        .map_err(|_| ClusterError::Timeout {
            context: target.context.clone(),
            limit: opts.timeout,
        })?
}

/// A kube error in the words a user needs (the API's own message for API errors).
fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} {}: {}", s.code, s.reason, s.message),
        other => error_chain(other),
    }
}

async fn list_kind(
    client: Client,
    spec: &KindSpec,
    opts: &CollectOptions,
    context: &str,
) -> Result<Vec<Value>, ListError> {
    let gvk = GroupVersionKind::gvk(spec.group, spec.version, spec.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, spec.plural);
    let api: Api<DynamicObject> = match (&opts.namespace, spec.namespaced) {
        (Some(ns), true) => Api::namespaced_with(client, ns, &resource),
        _ => Api::all_with(client, &resource),
    };
    let api_version = spec.api_version();
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    let mut restarted = false;
    loop {
        let mut params = ListParams::default().limit(opts.page_size);
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let page = with_retries(opts, || page(&api, &params, spec, &api_version)).await;
        match page {
            Ok((items, next)) => {
                objects.extend(items);
                token = next.filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
            // The continue token expired (the list took longer than etcd keeps its revision):
            // start the kind again once, as kubectl does.
            Err(kube::Error::Api(s)) if s.code == 410 && !restarted => {
                restarted = true;
                token = None;
                objects.clear();
            }
            Err(kube::Error::Api(s)) if s.code == 403 => {
                return Err(ListError::Skip(format!("forbidden: {}", s.message)));
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                return Err(ListError::Skip(format!(
                    "not served by this cluster ({api_version} {})",
                    spec.plural
                )));
            }
            Err(kube::Error::Api(s)) => {
                return Err(ListError::Skip(format!(
                    "{} {}: {}",
                    s.code, s.reason, s.message
                )));
            }
            Err(e) => return Err(ListError::Fatal(describe(&e))),
        }
    }
    if let Some(p) = &opts.progress {
        p.kind_listed(context, spec.kind, objects.len());
    }
    Ok(objects)
}

/// One page of a kind, as JSON objects carrying their apiVersion and kind (list items come
/// without them).
async fn page(
    api: &Api<DynamicObject>,
    params: &ListParams,
    spec: &KindSpec,
    api_version: &str,
) -> Result<(Vec<Value>, Option<String>), kube::Error> {
    let stamp = |mut v: Value| {
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), Value::String(api_version.to_string()));
            m.insert("kind".into(), Value::String(spec.kind.to_string()));
        }
        v
    };
    if spec.metadata_only {
        let list = api.list_metadata(params).await?;
        let items = list
            .items
            .into_iter()
            .map(|o| {
                let metadata = serde_json::to_value(&o.metadata).unwrap_or(Value::Null);
                stamp(serde_json::json!({ "metadata": metadata }))
            })
            .collect();
        return Ok((items, list.metadata.continue_));
    }
    let list = api.list(params).await?;
    let items = list
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .map(stamp)
        .collect();
    Ok((items, list.metadata.continue_))
}

/// Retries throttled (429) and server-side (5xx) failures with exponential backoff, honouring
/// the API's `retryAfterSeconds` when it gives one.
async fn with_retries<T, F, Fut>(opts: &CollectOptions, mut call: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut delay = opts.backoff;
    let mut attempt = 0;
    loop {
        match call().await {
            Err(kube::Error::Api(s))
                if (s.code == 429 || s.code >= 500) && attempt < opts.retries =>
            {
                let hinted = s
                    .details
                    .as_ref()
                    .map(|d| d.retry_after_seconds)
                    .filter(|s| *s > 0)
                    .map(|s| Duration::from_secs(u64::from(s).min(30)));
                tokio::time::sleep(hinted.unwrap_or(delay)).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
            other => return other,
        }
    }
}
