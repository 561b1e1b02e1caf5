//! The HTTP side of registry access: one blocking `ureq` agent with rustls on aws-lc-rs (the
//! project's only crypto provider), system roots plus an optional CA file, timeouts, and
//! retries with exponential backoff on 429, 5xx and connection failures.
//!
//! Blocking rather than `oci-client` (async, reqwest): the scan reads layers through a
//! blocking [`std::io::Read`] ([`crate::BlobSource`]), blobs must be hashed while they are
//! written to the cache, and platform selection, auth errors and retries need to say exactly
//! what happened; with `oci-client` each of these would be a wrapper around a runtime bridge,
//! and the API we use is five endpoints.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::Response;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Body};

use crate::source::SourceOptions;
use crate::{Error, Result};

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// First wait; doubles each attempt.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

pub(crate) struct Http {
    agent: Agent,
    attempts: u32,
}

impl Http {
    pub(crate) fn new(opts: &SourceOptions) -> Result<Http> {
        let mut roots = Vec::new();
        // The system's trust store, like docker; a store we cannot read leaves only the
        // CA file, and an HTTPS registry then fails with a certificate error naming it.
        for cert in rustls_native_certs::load_native_certs().certs {
            roots.push(Certificate::from_der(cert.as_ref()).to_owned());
        }
        if let Some(ca) = &opts.ca_file {
            roots.extend(read_ca_file(ca)?);
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::Specific(Arc::new(roots)))
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_connect(Some(opts.timeout))
            .timeout_recv_response(Some(opts.timeout))
            .timeout_per_read(Some(opts.timeout))
            .max_redirects(5)
            // Blob downloads redirect to storage hosts; credentials stay with the registry.
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(concat!("kvet/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Http {
            agent: Agent::new_with_config(config),
            attempts: opts.retries.max(1),
        })
    }

    /// GET `url` with `headers` (and `query`), retrying transient failures. Any other
    /// response, including 4xx, is returned for the caller to interpret; `what` names the
    /// request in errors.
    pub(crate) fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Response<Body>> {
        self.retrying(url, what, || {
            let mut req = self.agent.get(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            for (k, v) in query {
                req = req.query(*k, *v);
            }
            req.call()
        })
    }

    /// POST `form` (`application/x-www-form-urlencoded`) to `url`, retrying like [`Http::get`].
    pub(crate) fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        what: &str,
    ) -> Result<Response<Body>> {
        self.retrying(url, what, || {
            self.agent.post(url).send_form(form.iter().copied())
        })
    }

    fn retrying(
        &self,
        url: &str,
        what: &str,
        send: impl Fn() -> std::result::Result<Response<Body>, ureq::Error>,
    ) -> Result<Response<Body>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.attempts;
            match send() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if (status == 429 || status >= 500) && !last {
                        let wait = retry_after(&resp).unwrap_or_else(|| backoff(attempt));
                        std::thread::sleep(wait);
                        continue;
                    }
                    return Ok(resp);
                }
                Err(e) if !last && transient(&e) => std::thread::sleep(backoff(attempt)),
                Err(e) => return Err(Error::Registry(format!("{what}: {url}: {}", describe(&e)))),
            }
        }
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }
}

pub(crate) fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_BACKOFF)
}

fn retry_after(resp: &Response<Body>) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_BACKOFF))
}

fn transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed
    )
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Tls(msg) => format!("TLS error: {msg}"),
        ureq::Error::Rustls(err) => format!(
            "TLS error: {err} (for a registry with its own CA use the CA file option; for plain HTTP, --insecure)"
        ),
        ureq::Error::Io(err) if err.kind() == std::io::ErrorKind::InvalidData => format!(
            "{err} (is it a plain-HTTP registry? then use --insecure)"
        ),
        other => other.to_string(),
    }
}

fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let pem = std::fs::read(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::Invalid(format!(
                    "{}: not a PEM certificate file: {e}",
                    path.display()
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: no PEM certificate in the CA file",
            path.display()
        )));
    }
    Ok(certs)
}
