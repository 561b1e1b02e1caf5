//! Pulling from a real registry (Debian's docker-registry, distribution 2.8, on 127.0.0.1)
//! into which skopeo pushed images built from real files (testdata/os-release/
//! debian12_etc_os-release, testdata/dpkg/debian12-minbase.status,
//! testdata/os-release/alpine_etc_os-release): anonymous, basic auth over TLS, bearer tokens
//! from a token server, docker config credentials, platform selection, the blob cache and a
//! tampered blob.

mod common_source;

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common_source::oci::*;
use common_source::registry::*;
use common_source::{files_under, open_err, opts, read_layer};
use kvet_image::{open, Credentials, Error, Platform, SourceOptions, SourceSpec};

struct Pushed {
    amd: Built,
    arm: Built,
    armv7: Built,
    index: String,
}

/// Builds the three-platform image and pushes it as `team/app:multi` into `storage`
/// through an open registry (stopped again before returning).
fn push_multi(work: &Path, storage: &Path) -> Pushed {
    let layout = work.join("layout");
    let amd = debian_image(&layout, "amd64", None);
    let arm = debian_image(&layout, "arm64", Some("v8"));
    let armv7 = build_image(
        &layout,
        "linux",
        "arm",
        Some("v7"),
        &[Layer {
            files: vec![("etc/os-release", alpine_os_release())],
            comp: Comp::Gzip,
            created_by: "ADD alpine-minirootfs.tar.gz /",
        }],
    );
    let index = write_multi_index(&layout, &[&amd, &arm, &armv7], "multi");
    let reg = Registry::start(work, storage, &AuthMode::None, None);
    reg.push(&layout, "multi", "team/app");
    Pushed {
        amd,
        arm,
        armv7,
        index,
    }
}

fn insecure(cache: &Path) -> SourceOptions {
    SourceOptions {
        insecure: true,
        ..opts(cache)
    }
}

fn check_layers(image: &kvet_image::Image, built: &Built) {
    assert_eq!(
        image.config_digest.as_deref(),
        Some(built.config_digest.as_str())
    );
    let got: Vec<_> = image
        .layers
        .iter()
        .map(|l| {
            (
                l.digest.clone(),
                l.diff_id.clone(),
                l.size,
                l.created_by.clone(),
                l.media_type.clone(),
            )
        })
        .collect();
    let want: Vec<_> = built
        .layers
        .iter()
        .map(|l| {
            (
                l.digest.clone(),
                Some(l.diff_id.clone()),
                Some(l.size),
                Some(l.created_by.clone()),
                Some(l.media_type.clone()),
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn anonymous_pull_platforms_and_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    let cache = tmp.path().join("cache");
    let text = format!("{}/team/app:multi", reg.host());

    // Default platform linux/amd64, with progress reports.
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let mut o = insecure(&cache);
    o.progress = Some(Arc::new(move |p: kvet_image::Progress<'_>| {
        ev.lock()
            .unwrap()
            .push((p.digest.to_string(), p.done, p.total, p.finished));
    }));
    let spec = SourceSpec::registry(&text).unwrap();
    let (image, blobs) = open(&spec, &o).unwrap();
    assert_eq!(image.name, text);
    assert_eq!(image.reference.as_deref(), Some(text.as_str()));
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(p.amd.manifest_digest.as_str())
    );
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    check_layers(&image, &p.amd);
    assert!(
        files_under(&cache).is_empty(),
        "nothing is pulled before a layer is opened"
    );
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
    let mut want_files: Vec<String> = p
        .amd
        .layers
        .iter()
        .map(|l| format!("sha256/{}", &l.digest[7..]))
        .collect();
    want_files.sort();
    assert_eq!(files_under(&cache), want_files);
    let events = events.lock().unwrap().clone();
    for l in &p.amd.layers {
        let fin: Vec<_> = events.iter().filter(|e| e.0 == l.digest && e.3).collect();
        assert_eq!(fin.len(), 1, "{events:?}");
        assert_eq!(fin[0].1, l.size);
        assert_eq!(fin[0].2, Some(l.size));
    }

    // Other platforms from the same index.
    for (want, built, shown) in [
        ("linux/arm64", &p.arm, "linux/arm64"),
        ("linux/arm/v7", &p.armv7, "linux/arm/v7"),
    ] {
        let mut o = insecure(&cache);
        o.platform = Platform::parse(want).unwrap();
        let (image, _) = open(&spec, &o).unwrap();
        assert_eq!(
            image.manifest_digest.as_deref(),
            Some(built.manifest_digest.as_str())
        );
        assert_eq!(image.platform.as_deref(), Some(shown));
        check_layers(&image, built);
    }
    let mut o = insecure(&cache);
    o.platform = Platform::parse("windows/amd64").unwrap();
    let e = open_err(&spec, &o).to_string();
    assert!(e.contains("no image for platform windows/amd64"), "{e}");
    assert!(
        e.contains("available: linux/amd64, linux/arm64, linux/arm/v7"),
        "{e}"
    );

    // By digest (of the index), and of a single manifest.
    let by_index = SourceSpec::registry(&format!("{}/team/app@{}", reg.host(), p.index)).unwrap();
    let (image, _) = open(&by_index, &insecure(&cache)).unwrap();
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(p.amd.manifest_digest.as_str())
    );
    let by_manifest = SourceSpec::registry(&format!(
        "{}/team/app:ignored@{}",
        reg.host(),
        p.arm.manifest_digest
    ))
    .unwrap();
    let (image, _) = open(&by_manifest, &insecure(&cache)).unwrap();
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(p.arm.manifest_digest.as_str())
    );
    check_layers(&image, &p.arm);

    // Unknown tag / repository.
    let e = open_err(
        &SourceSpec::registry(&format!("{}/team/app:nope", reg.host())).unwrap(),
        &insecure(&cache),
    );
    assert!(matches!(e, Error::Registry(_)), "{e:?}");
    assert!(e.to_string().contains("manifest nope not found"), "{e}");
    let e = open_err(
        &SourceSpec::registry(&format!("{}/team/other:1", reg.host())).unwrap(),
        &insecure(&cache),
    );
    assert!(e.to_string().contains("not found"), "{e}");

    // Cached layers are served from the cache: remove them from the registry, still readable.
    let (image, blobs) = open(&spec, &insecure(&cache)).unwrap();
    for l in &image.layers {
        std::fs::remove_file(reg.blob_data(&l.digest)).unwrap();
    }
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
}

#[test]
fn tampered_blob_is_a_digest_mismatch_and_never_cached() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    // Flip one byte of the first amd64 layer in the registry's storage (same size).
    let target = &p.amd.layers[0];
    let data = reg.blob_data(&target.digest);
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();

    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let (image, blobs) = open(&spec, &insecure(&cache)).unwrap();
    let err = blobs
        .open_layer(&image.layers[0])
        .err()
        .expect("tampered layer opened");
    match &err {
        Error::DigestMismatch { digest, actual } => {
            assert_eq!(digest, &target.digest);
            assert_eq!(actual, &sha256(&bytes));
        }
        other => panic!("{other:?}"),
    }
    // The untampered layers still pull; the cache holds exactly those, no partial files.
    for l in &image.layers[1..] {
        read_layer(blobs.as_ref(), l);
    }
    let mut want: Vec<String> = p.amd.layers[1..]
        .iter()
        .map(|l| format!("sha256/{}", &l.digest[7..]))
        .collect();
    want.sort();
    assert_eq!(files_under(&cache), want);
    // Opening it again still fails (nothing bad was cached).
    assert!(matches!(
        blobs.open_layer(&image.layers[0]),
        Err(Error::DigestMismatch { .. })
    ));
}

#[test]
fn layer_over_the_size_limit_is_refused_before_download() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    let cache = tmp.path().join("cache");
    let mut o = insecure(&cache);
    o.limits.max_layer_bytes = p.amd.layers[0].size - 1;
    let e = open_err(
        &SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap(),
        &o,
    );
    assert!(matches!(e, Error::Limit { .. }), "{e:?}");
    assert!(e.to_string().contains(&p.amd.layers[0].digest), "{e}");
    assert!(files_under(&cache).is_empty());
}

fn docker_config(
    dir: &Path,
    host: &str,
    user: &str,
    pass: &str,
    base64_auth: bool,
) -> std::path::PathBuf {
    let entry = if base64_auth {
        serde_json::json!({"auth": base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))})
    } else {
        serde_json::json!({"username": user, "password": pass})
    };
    let config = serde_json::json!({"auths": {
        "https://index.docker.io/v1/": {"auth": "bm90OnRoaXM="},
        host: entry,
    }});
    let path = dir.join(format!("docker-config-{base64_auth}.json"));
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    path
}

#[test]
fn basic_auth_over_tls() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let cert = make_cert(tmp.path(), "registry");
    let reg = Registry::start(
        tmp.path(),
        &storage,
        &AuthMode::Basic {
            user: "alice".into(),
            password: "s3cret-pass".into(),
        },
        Some(&cert),
    );
    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let tls = |creds: Option<(&str, &str)>| SourceOptions {
        ca_file: Some(cert.cert.clone()),
        credentials: creds.map(|(u, p)| Credentials {
            username: u.into(),
            password: p.into(),
        }),
        ..opts(&cache)
    };

    // Explicit credentials.
    let (image, blobs) = open(&spec, &tls(Some(("alice", "s3cret-pass")))).unwrap();
    check_layers(&image, &p.amd);
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }

    // From a docker config.json, base64 `auth` and username/password forms.
    for b64 in [true, false] {
        let mut o = tls(None);
        o.docker_config = Some(docker_config(
            tmp.path(),
            &reg.host(),
            "alice",
            "s3cret-pass",
            b64,
        ));
        let (image, _) = open(&spec, &o).unwrap();
        assert_eq!(
            image.manifest_digest.as_deref(),
            Some(p.amd.manifest_digest.as_str())
        );
    }
    // Explicit credentials win over the config.
    let mut o = tls(Some(("alice", "s3cret-pass")));
    o.docker_config = Some(docker_config(
        tmp.path(),
        &reg.host(),
        "alice",
        "wrong",
        true,
    ));
    assert!(open(&spec, &o).is_ok());

    // Wrong password, no credentials.
    let e = open_err(&spec, &tls(Some(("alice", "wrong"))));
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("refused the credentials of user \"alice\""),
        "{e}"
    );
    assert!(!e.to_string().contains("wrong"), "password leaked: {e}");
    let e = open_err(&spec, &tls(None));
    assert!(e.to_string().contains("requires authentication"), "{e}");
    let mut o = tls(None);
    o.docker_config = Some(docker_config(
        tmp.path(),
        &reg.host(),
        "alice",
        "nope",
        true,
    ));
    assert!(matches!(open_err(&spec, &o), Error::Auth(_)));

    // Without trusting the certificate: a TLS error; plain HTTP against TLS: an error too.
    let mut o = tls(Some(("alice", "s3cret-pass")));
    o.ca_file = None;
    let e = open_err(&spec, &o).to_string();
    assert!(e.contains("TLS") || e.contains("certificate"), "{e}");
    let mut o = tls(Some(("alice", "s3cret-pass")));
    o.insecure = true;
    o.retries = 1;
    assert!(open(&spec, &o).is_err());

    // A malformed docker config is an error naming the file.
    let bad = tmp.path().join("bad-config.json");
    std::fs::write(&bad, b"{\"auths\": [").unwrap();
    let mut o = tls(None);
    o.docker_config = Some(bad.clone());
    let e = open_err(&spec, &o).to_string();
    assert!(e.contains(&bad.display().to_string()), "{e}");
}

#[test]
fn bearer_token_flow() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let signer = make_cert(tmp.path(), "token-signer");
    let tokens = TokenServer::start(&signer, Some(("bob", "hunter2-token")));
    let reg = Registry::start(
        tmp.path(),
        &storage,
        &AuthMode::Token {
            realm: tokens.realm(),
            signer: signer.cert.clone(),
        },
        None,
    );
    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let with = |creds: Option<(&str, &str)>| SourceOptions {
        credentials: creds.map(|(u, p)| Credentials {
            username: u.into(),
            password: p.into(),
        }),
        ..insecure(&cache)
    };

    let mut o = with(Some(("bob", "hunter2-token")));
    o.platform = Platform::parse("linux/arm64").unwrap();
    let (image, blobs) = open(&spec, &o).unwrap();
    check_layers(&image, &p.arm);
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
    let reqs = tokens.requests.lock().unwrap().clone();
    assert!(!reqs.is_empty());
    let want_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:hunter2-token")
    );
    for (query, authz) in &reqs {
        assert!(
            query.contains("scope=repository%3Ateam%2Fapp%3Apull"),
            "{query}"
        );
        assert!(
            query.contains(&format!("service={TOKEN_SERVICE}")),
            "{query}"
        );
        assert_eq!(authz.as_deref(), Some(want_auth.as_str()));
    }
    // One token served the whole pull (manifest, index child, config, layers).
    assert_eq!(reqs.len(), 1, "{reqs:?}");

    // Credentials from docker config.
    let mut o = with(None);
    o.docker_config = Some(docker_config(
        tmp.path(),
        &reg.host(),
        "bob",
        "hunter2-token",
        true,
    ));
    assert!(open(&spec, &o).is_ok());

    let e = open_err(&spec, &with(Some(("bob", "wrong"))));
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("token server") && msg.contains("refused the credentials of user \"bob\""),
        "{msg}"
    );
    let e = open_err(&spec, &with(None)).to_string();
    assert!(e.contains("requires authentication"), "{e}");

    // A token that grants nothing for the repository.
    let forbidden = SourceSpec::registry(&format!("{}/team/forbidden:1", reg.host())).unwrap();
    let e = open_err(&forbidden, &with(Some(("bob", "hunter2-token"))));
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("user \"bob\" may not pull team/forbidden"),
        "{e}"
    );
}

/// `docker login` to an OAuth registry (ACR) stores an `identitytoken`: kvet exchanges it at
/// the token realm with a refresh-token POST, and a wrong one is refused with a clear message.
#[test]
fn identity_token_from_docker_config_is_exchanged_by_oauth() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let signer = make_cert(tmp.path(), "token-signer");
    let tokens = TokenServer::start_oauth(&signer, "refresh-7f3a");
    let reg = Registry::start(
        tmp.path(),
        &storage,
        &AuthMode::Token {
            realm: tokens.realm(),
            signer: signer.cert.clone(),
        },
        None,
    );
    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let config = |token: &str| {
        let path = tmp.path().join(format!("config-{token}.json"));
        let doc = serde_json::json!({"auths": {reg.host(): {"auth": "", "identitytoken": token}}});
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        SourceOptions {
            docker_config: Some(path),
            ..insecure(&cache)
        }
    };
    let (image, _) = open(&spec, &config("refresh-7f3a")).unwrap();
    check_layers(&image, &p.amd);
    let reqs = tokens.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let (form, authz) = &reqs[0];
    assert!(form.starts_with("POST "), "{form}");
    for part in [
        "grant_type=refresh_token",
        "refresh_token=refresh-7f3a",
        "client_id=kvet",
        "scope=repository%3Ateam%2Fapp%3Apull",
    ] {
        assert!(form.contains(part), "{part} in {form}");
    }
    assert!(authz.is_none(), "no basic header with an identity token");

    let e = open_err(&spec, &config("wrong-9c1d")).to_string();
    assert!(
        e.contains("refused the identity token") && e.contains("docker login"),
        "{e}"
    );
    assert!(!e.contains("wrong-9c1d"), "the token is not echoed: {e}");
}

#[test]
fn anonymous_bearer_tokens_like_docker_hub() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let signer = make_cert(tmp.path(), "token-signer");
    let tokens = TokenServer::start(&signer, None);
    let reg = Registry::start(
        tmp.path(),
        &storage,
        &AuthMode::Token {
            realm: tokens.realm(),
            signer: signer.cert.clone(),
        },
        None,
    );
    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let (image, blobs) = open(&spec, &insecure(&cache)).unwrap();
    check_layers(&image, &p.amd);
    read_layer(blobs.as_ref(), &image.layers[0]);
    let reqs = tokens.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].1, None,
        "anonymous token request carries no credentials"
    );
}

#[test]
fn retries_on_503_429_and_broken_downloads() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let p = push_multi(tmp.path(), &storage);
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    let proxy = FlakyProxy::start(
        reg.port,
        Flakiness {
            fail_first: 3,
            cut_blobs: 2,
        },
    );
    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("127.0.0.1:{}/team/app:multi", proxy.port)).unwrap();
    let mut o = insecure(&cache);
    o.retries = 4;
    let (image, blobs) = open(&spec, &o).unwrap();
    check_layers(&image, &p.amd);
    for l in &image.layers {
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
    let seen = proxy.seen.lock().unwrap().clone();
    // The first manifest request was tried 4 times (503, 429, 503, then through).
    assert_eq!(
        seen.iter()
            .take(4)
            .filter(|r| r.contains("/manifests/multi"))
            .count(),
        4,
        "{seen:?}"
    );
    // The config and the first layer were requested twice: the cut downloads were retried.
    for digest in [&p.amd.config_digest, &p.amd.layers[0].digest] {
        let path = format!("/blobs/{digest}");
        assert_eq!(
            seen.iter().filter(|r| r.contains(&path)).count(),
            2,
            "{seen:?}"
        );
    }
    let second = format!("/blobs/{}", p.amd.layers[1].digest);
    assert_eq!(
        seen.iter().filter(|r| r.contains(&second)).count(),
        1,
        "{seen:?}"
    );
    assert!(files_under(&cache).iter().all(|f| !f.contains(".partial")));

    // Too few attempts: the 503 comes through as an error naming the registry.
    let proxy2 = FlakyProxy::start(
        reg.port,
        Flakiness {
            fail_first: 10,
            cut_blobs: 0,
        },
    );
    let spec2 = SourceSpec::registry(&format!("127.0.0.1:{}/team/app:multi", proxy2.port)).unwrap();
    let mut o = insecure(&cache);
    o.retries = 2;
    let e = open_err(&spec2, &o);
    assert!(matches!(e, Error::Registry(_)), "{e:?}");
    assert!(
        e.to_string().contains("HTTP 429") || e.to_string().contains("HTTP 503"),
        "{e}"
    );
}

#[test]
fn https_to_a_plain_http_registry_suggests_insecure() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    let spec = SourceSpec::registry(&format!("{}/team/app:multi", reg.host())).unwrap();
    let mut o = opts(&tmp.path().join("cache"));
    o.retries = 1;
    let e = open_err(&spec, &o);
    assert!(matches!(e, Error::Registry(_)), "{e:?}");
    assert!(e.to_string().contains("--insecure"), "{e}");
    assert!(e.to_string().contains(&reg.host()), "{e}");
}

#[test]
fn docker_schema2_manifest_list() {
    // skopeo converts the OCI index and manifests to Docker's manifest list / schema 2 on
    // push (`--format v2s2`); layers (gzip, plain) and the config keep their bytes.
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let amd = debian_image_for_docker(&layout, "amd64");
    let arm = debian_image_for_docker(&layout, "arm64");
    write_multi_index(&layout, &[&amd, &arm], "v2");
    let storage = tmp.path().join("storage");
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    let out = std::process::Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--all",
            "--format",
            "v2s2",
            "--quiet",
        ])
        .args(["--dest-tls-verify=false"])
        .arg(format!("oci:{}:v2", layout.display()))
        .arg(format!("docker://{}/team/docker:v2", reg.host()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/docker:v2", reg.host())).unwrap();
    let mut o = insecure(&cache);
    o.platform = Platform::parse("linux/arm64").unwrap();
    let (image, blobs) = open(&spec, &o).unwrap();
    assert_eq!(image.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(
        image.config_digest.as_deref(),
        Some(arm.config_digest.as_str())
    );
    // Converted manifests have new digests; the manifest digest is what we fetched.
    assert_ne!(
        image.manifest_digest.as_deref(),
        Some(arm.manifest_digest.as_str())
    );
    assert_eq!(image.layers.len(), 2);
    assert_eq!(image.layers[0].digest, arm.layers[0].digest);
    assert_eq!(
        image.layers[0].media_type.as_deref(),
        Some("application/vnd.docker.image.rootfs.diff.tar.gzip")
    );
    for (l, b) in image.layers.iter().zip(&arm.layers) {
        assert_eq!(l.diff_id.as_deref(), Some(b.diff_id.as_str()));
        assert_eq!(l.created_by.as_deref(), Some(b.created_by.as_str()));
        assert_eq!(sha256(&read_layer(blobs.as_ref(), l)), l.digest);
    }
    // The manifest we report is the one the registry serves under that digest.
    let by_digest = SourceSpec::registry(&format!(
        "{}/team/docker@{}",
        reg.host(),
        image.manifest_digest.as_deref().unwrap()
    ))
    .unwrap();
    let (again, _) = open(&by_digest, &insecure(&cache)).unwrap();
    assert_eq!(again.config_digest, image.config_digest);
}

#[test]
fn oversized_config_is_refused() {
    // A real image whose config is 5 MiB (one absurd history entry): refused by its declared
    // size before it is downloaded.
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let huge = format!("RUN echo {}", "x".repeat(5 << 20));
    let built = build_image(
        &layout,
        "linux",
        "amd64",
        None,
        &[Layer {
            files: vec![("etc/os-release", debian_os_release())],
            comp: Comp::Gzip,
            created_by: &huge,
        }],
    );
    write_single_index(&layout, &built, "big");
    let storage = tmp.path().join("storage");
    let reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
    // skopeo refuses configs over 4 MiB itself; push with our own uploader.
    let blob = |d: &str| std::fs::read(layout.join("blobs/sha256").join(&d[7..])).unwrap();
    push_raw(
        &reg.host(),
        "team/bigconfig",
        "big",
        &[blob(&built.layers[0].digest), blob(&built.config_digest)],
        &blob(&built.manifest_digest),
        "application/vnd.oci.image.manifest.v1+json",
    );
    let spec = SourceSpec::registry(&format!("{}/team/bigconfig:big", reg.host())).unwrap();
    let e = open_err(&spec, &insecure(&tmp.path().join("cache")));
    assert!(matches!(e, Error::Limit { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(&built.config_digest) && msg.contains("4194304-byte document"),
        "{msg}"
    );
}
