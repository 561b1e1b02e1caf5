//! Debian's `docker-registry` on 127.0.0.1 (installed by scripts/setup/img-source.sh) for the
//! CLI tests that pull: plain HTTP and anonymous, or TLS (a throw-away self-signed
//! certificate) with htpasswd basic auth. Its access log (one line per request) is kept in a
//! file; the process is killed when dropped. kvet-image's own tests cover the auth flows.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Registry {
    child: Child,
    port: u16,
    /// The certificate to trust (`--ca-file`), when started with a login.
    pub cert: Option<PathBuf>,
    /// `user:password`, when started with a login.
    login: Option<String>,
    access_log: PathBuf,
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Registry {
    /// Storage and configuration go under `dir`; `login` (user, password) turns on TLS and
    /// htpasswd auth.
    pub fn start(dir: &Path, login: Option<(&str, &str)>) -> Registry {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n  secret: kvet-test-secret\n",
            dir.join("storage").display()
        );
        let cert = login.map(|(user, password)| {
            let cert = dir.join("registry.crt");
            let key = dir.join("registry.key");
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
                .arg(&cert));
            let htpasswd = dir.join("htpasswd");
            let line = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .unwrap();
            std::fs::write(&htpasswd, String::from_utf8_lossy(&line.stdout).trim()).unwrap();
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n\
                 auth:\n  htpasswd:\n    realm: kvet-test\n    path: {}\n",
                cert.display(),
                key.display(),
                htpasswd.display()
            ));
            cert
        });
        let config_file = dir.join("registry.yml");
        std::fs::write(&config_file, config).unwrap();
        let access_log = dir.join("access.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_file)
            .stdout(std::fs::File::create(&access_log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (run scripts/setup/img-source.sh)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            child,
            port,
            cert,
            login: login.map(|(u, p)| format!("{u}:{p}")),
            access_log,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes the OCI layout `layout` (its `latest`) as `<host>/<repo>:<tag>`, digests
    /// preserved.
    pub fn push(&self, layout: &Path, repo: &str, tag: &str) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["--insecure-policy", "copy", "--preserve-digests", "--quiet"])
            .arg("--dest-tls-verify=false");
        if let Some(login) = &self.login {
            cmd.arg("--dest-creds").arg(login);
        }
        run(cmd
            .arg(format!("oci:{}:latest", layout.display()))
            .arg(format!("docker://{}/{repo}:{tag}", self.host())));
    }

    /// Successful manifest GETs so far, as the access log records them.
    pub fn manifest_gets(&self) -> Vec<String> {
        std::fs::read_to_string(&self.access_log)
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                l.contains("\"GET /v2/") && l.contains("/manifests/") && l.contains("\" 200 ")
            })
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
