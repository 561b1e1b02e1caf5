//! Docker credential helpers (`credHelpers`, `credsStore` in config.json) against a real
//! registry with basic auth over TLS. A test binary of its own with a single test, because
//! it puts a helper script on `PATH` (process-wide). Image from real files
//! (testdata/os-release/debian12_etc_os-release, testdata/dpkg/debian12-minbase.status).

mod common_source;

use std::os::unix::fs::PermissionsExt;

use common_source::oci::*;
use common_source::registry::*;
use common_source::{open_err, opts};
use kvet_image::{open, Error, SourceOptions, SourceSpec};

#[test]
fn credential_helpers() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let built = debian_image(&layout, "amd64", None);
    write_single_index(&layout, &built, "v1");
    let storage = tmp.path().join("storage");
    {
        let open_reg = Registry::start(tmp.path(), &storage, &AuthMode::None, None);
        open_reg.push(&layout, "v1", "team/app");
    }
    let cert = make_cert(tmp.path(), "registry");
    let reg = Registry::start(
        tmp.path(),
        &storage,
        &AuthMode::Basic {
            user: "carol".into(),
            password: "from-helper".into(),
        },
        Some(&cert),
    );

    // A helper that answers for exactly this registry, as docker-credential-* do, and logs
    // what it was asked.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-kvettest");
    let asked = tmp.path().join("asked.txt");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> {asked}\nif [ \"$server\" = \"{host}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"carol\",\"Secret\":\"from-helper\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            asked = asked.display(),
            host = reg.host()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    // Only test in this binary: no other thread reads the environment concurrently.
    std::env::set_var("PATH", format!("{}:{path}", bin.display()));

    let cache = tmp.path().join("cache");
    let spec = SourceSpec::registry(&format!("{}/team/app:v1", reg.host())).unwrap();
    let with_config = |json: serde_json::Value| {
        let file = tmp.path().join(format!("config-{}.json", rand_name(&json)));
        std::fs::write(&file, serde_json::to_vec(&json).unwrap()).unwrap();
        SourceOptions {
            ca_file: Some(cert.cert.clone()),
            docker_config: Some(file),
            ..opts(&cache)
        }
    };

    // credHelpers for this registry.
    let o = with_config(serde_json::json!({"credHelpers": {reg.host(): "kvettest"}}));
    let (image, _) = open(&spec, &o).unwrap();
    assert_eq!(
        image.config_digest.as_deref(),
        Some(built.config_digest.as_str())
    );
    assert_eq!(std::fs::read_to_string(&asked).unwrap().trim(), reg.host());

    // credsStore as the default for every registry (empty auths entry, as docker login leaves).
    let o = with_config(serde_json::json!({"auths": {reg.host(): {}}, "credsStore": "kvettest"}));
    assert!(open(&spec, &o).is_ok());

    // A helper named for this registry but not installed: an error naming it.
    let o = with_config(serde_json::json!({"credHelpers": {reg.host(): "notinstalled"}}));
    let e = open_err(&spec, &o);
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert!(
        e.to_string().contains("docker-credential-notinstalled"),
        "{e}"
    );

    // A default store that is not installed: anonymous, so the registry's demand shows.
    let o = with_config(serde_json::json!({"credsStore": "notinstalled"}));
    let e = open_err(&spec, &o).to_string();
    assert!(e.contains("requires authentication"), "{e}");
}

fn rand_name(v: &serde_json::Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    format!("{:x}", h.finish())
}
