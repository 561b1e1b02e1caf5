//! A real registry for the tests: Debian's `docker-registry` (distribution 2.8) on
//! 127.0.0.1, filesystem storage in a temp dir, killed when dropped; images pushed with
//! `skopeo`; a tiny token server for the bearer flow; certificates from the `openssl` CLI.
//! Installed by scripts/setup/img-source.sh.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A self-signed certificate for 127.0.0.1 (RSA, so it can also sign RS256 tokens).
pub struct Cert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn make_cert(dir: &Path, name: &str) -> Cert {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null()));
    Cert { cert, key }
}

pub enum AuthMode {
    None,
    /// htpasswd basic auth (user, password), served over TLS with `cert`.
    Basic {
        user: String,
        password: String,
    },
    /// Token auth against the token server at `realm`, tokens signed by `signer`.
    Token {
        realm: String,
        signer: PathBuf,
    },
}

pub const TOKEN_SERVICE: &str = "kvet-test-registry";
pub const TOKEN_ISSUER: &str = "kvet-test-issuer";

/// A running `docker-registry`; killed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    pub storage: PathBuf,
    pub log: PathBuf,
    pub tls_cert: Option<PathBuf>,
}

impl Registry {
    /// Starts a registry over `storage` (so that images pushed to an open registry can be
    /// served by an authenticating one on the same storage).
    pub fn start(work: &Path, storage: &Path, auth: &AuthMode, tls: Option<&Cert>) -> Registry {
        let port = free_port();
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: kvet-test-secret\n",
            storage.display()
        );
        if let Some(c) = tls {
            yaml.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                c.cert.display(),
                c.key.display()
            ));
        }
        match auth {
            AuthMode::None => {}
            AuthMode::Basic { user, password } => {
                let htpasswd = work.join("htpasswd");
                let line = run(Command::new("htpasswd").args(["-Bbn", user, password]));
                std::fs::write(&htpasswd, line.trim()).unwrap();
                yaml.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: kvet-test\n    path: {}\n",
                    htpasswd.display()
                ));
            }
            AuthMode::Token { realm, signer } => {
                yaml.push_str(&format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                    signer.display()
                ));
            }
        }
        let config = work.join(format!("registry-{port}.yml"));
        std::fs::write(&config, yaml).unwrap();
        let log = work.join(format!("registry-{port}.log"));
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(work.join(format!("registry-{port}.err"))).unwrap())
            .spawn()
            .expect("docker-registry (run scripts/setup/img-source.sh)");
        let reg = Registry {
            child,
            port,
            storage: storage.to_path_buf(),
            log,
            tls_cert: tls.map(|c| c.cert.clone()),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "registry did not start: {}",
                std::fs::read_to_string(work.join(format!("registry-{port}.err")))
                    .unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes `oci:<layout>:<tag>` to `<host>/<repo>:<tag>` with skopeo (all platforms,
    /// digests preserved).
    pub fn push(&self, layout: &Path, tag: &str, repo: &str) {
        run(Command::new("skopeo")
            .args([
                "--insecure-policy",
                "copy",
                "--all",
                "--preserve-digests",
                "--quiet",
            ])
            .args(["--dest-tls-verify=false"])
            .arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!("docker://{}/{repo}:{tag}", self.host())));
    }

    /// The storage file of blob `digest` (distribution's filesystem layout).
    pub fn blob_data(&self, digest: &str) -> PathBuf {
        let hex = &digest[7..];
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each token request's query string and `Authorization` header.
pub type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A token server in a thread: `GET /token?service=…&scope=…`, optionally demanding basic
/// credentials; answers RS256 JWTs signed with `signer` (whose certificate goes in `x5c`).
/// Records each request's query and whether it carried credentials.
pub struct TokenServer {
    pub port: u16,
    pub requests: Requests,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TokenServer {
    pub fn start(signer: &Cert, creds: Option<(&str, &str)>) -> TokenServer {
        let want = creds.map(|(u, p)| {
            TokenAuth::Basic(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ))
        });
        Self::start_with(signer, want)
    }

    /// A token server that only answers OAuth2 `POST` requests with
    /// `grant_type=refresh_token&refresh_token=<refresh>` (docker's identity tokens).
    pub fn start_oauth(signer: &Cert, refresh: &str) -> TokenServer {
        Self::start_with(signer, Some(TokenAuth::Refresh(refresh.to_string())))
    }

    fn start_with(signer: &Cert, want: Option<TokenAuth>) -> TokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let cert_pem = std::fs::read_to_string(&signer.cert).unwrap();
        let x5c: String = cert_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let key = signer.key.clone();
        let (reqs, stop2) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).ok();
                        serve_token(stream, &want, &x5c, &key, &reqs);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TokenServer {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the token server demands.
enum TokenAuth {
    /// This `Authorization` header on `GET /token`.
    Basic(String),
    /// An OAuth2 refresh-token grant in a `POST /token` form.
    Refresh(String),
}

fn serve_token(
    stream: TcpStream,
    want: &Option<TokenAuth>,
    x5c: &str,
    key: &Path,
    reqs: &Mutex<Vec<(String, Option<String>)>>,
) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let method = line.split_whitespace().next().unwrap_or("").to_string();
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut authz = None;
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                authz = Some(v.trim().to_string());
            }
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    // A POST carries its parameters as a form body instead of a query string.
    let query = if method == "POST" {
        let mut body = vec![0; length.min(1 << 16)];
        let _ = reader.read_exact(&mut body);
        String::from_utf8_lossy(&body).into_owned()
    } else {
        target
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .to_string()
    };
    reqs.lock()
        .unwrap()
        .push((format!("{method} {query}"), authz.clone()));
    let respond = |mut s: &TcpStream, status: &str, body: &str| {
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    let mut scope = String::new();
    let mut service = String::new();
    let mut grant = (String::new(), String::new());
    for kv in query.split('&') {
        if let Some((k, v)) = kv.split_once('=') {
            match k {
                "scope" => scope = percent_decode(v),
                "service" => service = percent_decode(v),
                "grant_type" => grant.0 = percent_decode(v),
                "refresh_token" => grant.1 = percent_decode(v),
                _ => {}
            }
        }
    }
    let allowed = match want {
        None => true,
        Some(TokenAuth::Basic(h)) => method == "GET" && authz.as_ref() == Some(h),
        Some(TokenAuth::Refresh(t)) => {
            method == "POST" && grant.0 == "refresh_token" && &grant.1 == t
        }
    };
    if !allowed {
        respond(
            &stream,
            "401 Unauthorized",
            r#"{"details":"bad credentials"}"#,
        );
        return;
    }
    // scope = repository:<name>:<actions>
    let mut access = Vec::new();
    let parts: Vec<&str> = scope.splitn(3, ':').collect();
    // Repositories named `…forbidden…` get a token that grants nothing, as Docker Hub's
    // token server answers for private repositories of others.
    if parts.len() == 3 && !parts[1].contains("forbidden") {
        access.push(serde_json::json!({
            "type": parts[0], "name": parts[1],
            "actions": parts[2].split(',').collect::<Vec<_>>()
        }));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [x5c]});
    let claims = serde_json::json!({
        "iss": super::registry::TOKEN_ISSUER, "sub": "kvet-test", "aud": service,
        "exp": now + 300, "nbf": now - 10, "iat": now - 10, "jti": format!("{now}-{}", rand_id()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(&serde_json::to_vec(&header).unwrap()),
        b64url(&serde_json::to_vec(&claims).unwrap())
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signing_input.as_bytes())
        .unwrap();
    let mut sig = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut sig).unwrap();
    child.wait().unwrap();
    let token = format!("{signing_input}.{}", b64url(&sig));
    // OAuth2 answers name the token `access_token`, the GET flow `token`.
    let body = if method == "POST" {
        serde_json::json!({"access_token": token, "expires_in": 300, "scope": scope})
    } else {
        serde_json::json!({"token": token, "expires_in": 300})
    }
    .to_string();
    respond(&stream, "200 OK", &body);
}

fn rand_id() -> u64 {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// What the flaky proxy does to the requests it sees.
pub struct Flakiness {
    /// Answer this many requests with 503 / 429 (alternately) before forwarding any.
    pub fail_first: usize,
    /// Cut the first response for each of the first this-many blobs after half its body
    /// (the connection then closes).
    pub cut_blobs: usize,
}

/// A proxy on 127.0.0.1 in front of a registry that fails on purpose, to exercise retries.
/// One request per connection (`Connection: close`); counts requests.
pub struct FlakyProxy {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FlakyProxy {
    pub fn start(upstream: u16, flaky: Flakiness) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut failed = 0;
            let mut cut = std::collections::HashSet::new();
            while !stop2.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).ok();
                client.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut head = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let end = line == "\r\n";
                    if !line.to_ascii_lowercase().starts_with("connection:") && !end {
                        head.push(line);
                    }
                    if end {
                        break;
                    }
                }
                let Some(first) = head.first().cloned() else {
                    continue;
                };
                seen2.lock().unwrap().push(first.trim().to_string());
                let mut client = client;
                if failed < flaky.fail_first {
                    failed += 1;
                    let resp = if failed % 2 == 1 {
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    } else {
                        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    };
                    let _ = client.write_all(resp.as_bytes());
                    continue;
                }
                let mut up = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                let mut req = head.concat();
                req.push_str("Connection: close\r\n\r\n");
                up.write_all(req.as_bytes()).unwrap();
                let mut resp = Vec::new();
                let _ = up.read_to_end(&mut resp);
                if cut.len() < flaky.cut_blobs
                    && first.contains("/blobs/")
                    && resp.starts_with(b"HTTP/1.1 200")
                    && cut.insert(first.clone())
                {
                    let body_at = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    let half = body_at + (resp.len() - body_at) / 2;
                    let _ = client.write_all(&resp[..half]);
                    continue;
                }
                let _ = client.write_all(&resp);
            }
        });
        FlakyProxy {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Our own minimal pusher (distribution's monolithic upload), for images skopeo refuses to
/// push: uploads `blobs` then puts `manifest` under `tag`.
pub fn push_raw(
    host: &str,
    repo: &str,
    tag: &str,
    blobs: &[Vec<u8>],
    manifest: &[u8],
    media_type: &str,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for blob in blobs {
        let resp = agent
            .post(&format!("http://{host}/v2/{repo}/blobs/uploads/"))
            .send_empty()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        let location = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("http://{host}{location}")
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={}", super::oci::sha256(blob));
        let resp = agent
            .put(&url)
            .header("Content-Type", "application/octet-stream")
            .send(&blob[..])
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201, "blob upload");
    }
    let resp = agent
        .put(&format!("http://{host}/v2/{repo}/manifests/{tag}"))
        .header("Content-Type", media_type)
        .send(manifest)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201, "manifest put");
}
