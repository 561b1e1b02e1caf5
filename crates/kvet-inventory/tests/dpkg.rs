//! dpkg cataloguer on real status files (`testdata/dpkg/`, `testdata/dpkg/more/`).

mod common;

use kvet_inventory::dpkg;
use kvet_inventory::{catalogue, Distro, Files, Package};
use serde_json::Value;

/// (name, full version, arch, source name, source version)
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn parse(rel: &str) -> Vec<Package> {
    let bytes = common::read(rel);
    let status_d = rel.contains("status.d/");
    let (pkgs, warnings) =
        dpkg::parse_status(&bytes, rel, status_d, &Distro::new("debian", Some("12")));
    assert!(warnings.is_empty(), "{rel}: {warnings:?}");
    pkgs
}

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn debian12_minbase() {
    // testdata/dpkg/debian12-minbase.status: 88 installed packages
    let pkgs = parse("dpkg/debian12-minbase.status");
    assert_eq!(pkgs.len(), 88);
    let libc = find(&pkgs, "libc6");
    assert_eq!(libc.version, "2.36-9+deb12u14");
    assert_eq!(libc.source_name.as_deref(), Some("glibc"));
    assert_eq!(libc.source_version, None);
    assert_eq!(libc.arch.as_deref(), Some("amd64"));
    assert_eq!(
        libc.purl,
        // `+` is percent-encoded in purl versions, as Trivy and packageurl-python write it.
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"
    );
    // Epoch and a versioned Source field.
    let mount = pkgs
        .iter()
        .find(|p| p.source_name.as_deref() == Some("util-linux") && p.epoch == Some(1))
        .expect("a util-linux binary with epoch 1");
    assert_eq!(mount.version, "2.38.1-5+deb12u3");
    assert_eq!(mount.source_version.as_deref(), Some("2.38.1-5+deb12u3"));
    assert_eq!(mount.full_version(), "1:2.38.1-5+deb12u3");
    let diff = find(&pkgs, "diffutils");
    assert_eq!((diff.epoch, diff.version.as_str()), (Some(1), "3.8-4"));
    assert!(diff.purl.contains("@1:3.8-4"), "{}", diff.purl);
}

#[test]
fn debian12_python() {
    // testdata/dpkg/debian12-python.status: 126 installed packages
    let pkgs = parse("dpkg/debian12-python.status");
    assert_eq!(pkgs.len(), 126);
    let py = find(&pkgs, "python3.11-minimal");
    assert_eq!(py.source_name.as_deref(), Some("python3.11"));
    let bash = find(&pkgs, "bash");
    assert_eq!(bash.source_name.as_deref(), Some("bash"));
    assert_eq!(bash.source_version.as_deref(), Some("5.2.15-2"));
}

/// Every `dpkg/more/expected-derived/dpkg__*.json` whose database is present: our packages
/// are exactly the expected ones that pass the installed rule (see `dpkg` module docs), with
/// the same version (epoch included), architecture and source.
#[test]
fn more_files_match_expected_derived() {
    let dir = common::testdata().join("dpkg/more/expected-derived");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("dpkg__") {
            continue;
        }
        let exp: Value =
            serde_json::from_slice(&std::fs::read(entry.path()).expect("read")).expect("json");
        let db = exp["db_file"].as_str().expect("db_file");
        // db_file is relative to the SOURCES.md folder, i.e. testdata/dpkg/more/<...minus dpkg/>.
        let rel = format!("dpkg/more/{}", db.trim_start_matches("dpkg/"));
        if !common::testdata().join(&rel).exists() {
            eprintln!("skipping {name}: {rel} not in testdata");
            continue;
        }
        let status_d = rel.contains("status.d/");
        // vcpkg's status file (claircore/vcpkg.status) has "Feature" paragraphs without a
        // Version: those are warnings, not packages.
        let no_version = exp["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter(|p| p["version"].is_null())
            .filter(|p| match p["status"].as_str() {
                Some(s) => dpkg::is_installed(s),
                None => status_d,
            })
            .count();
        let want: Vec<Row> = exp["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter(|p| !p["version"].is_null())
            .filter(|p| match p["status"].as_str() {
                Some(s) => dpkg::is_installed(s),
                None => status_d,
            })
            .map(|p| {
                let s = |k: &str| p[k].as_str().map(str::to_owned);
                (
                    s("name").unwrap_or_default(),
                    s("version").unwrap_or_default(),
                    s("architecture"),
                    s("source_name"),
                    s("source_version"),
                )
            })
            .collect();
        let bytes = common::read(&rel);
        let (pkgs, warnings) = dpkg::parse_status(&bytes, &rel, status_d, &Distro::unknown());
        assert_eq!(warnings.len(), no_version, "{rel}: {warnings:?}");
        let got: Vec<_> = pkgs
            .into_iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.full_version(),
                    p.arch,
                    p.source_name,
                    p.source_version,
                )
            })
            .collect();
        assert_eq!(got, want, "{rel}");
        checked += 1;
    }
    assert!(checked >= 19, "only {checked} files compared");
}

#[test]
fn statusfield_keeps_only_installed() {
    // testdata/dpkg/more/osv-scalibr/statusfield: 7 entries, one with `install ok installed`
    let pkgs = parse("dpkg/more/osv-scalibr/statusfield");
    let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["wantinstall_installed"]);
}

#[test]
fn distroless_status_d_with_md5sums() {
    // testdata/dpkg/more/syft/distroless/var/lib/dpkg/status.d/{libsqlite3-0,libsqlite3-0.md5sums}
    let root = common::testdata().join("dpkg/more/syft/distroless");
    let files = kvet_inventory::rootfs::read_wanted(&root).expect("read");
    assert!(files.contains_key("/var/lib/dpkg/status.d/libsqlite3-0"));
    let inv = catalogue(&files);
    assert_eq!(
        inv.distro.id, "debian",
        "distroless recognised from status.d"
    );
    assert_eq!(inv.packages.len(), 1, "md5sums file is not a status file");
    let p = &inv.packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str()),
        ("libsqlite3-0", "3.34.1-3")
    );
    assert_eq!(p.source_name.as_deref(), Some("sqlite3"));
    assert_eq!(p.location, "/var/lib/dpkg/status.d/libsqlite3-0");
    assert!(inv.warnings.is_empty());
}

#[test]
fn file_lists_and_copyright_are_attached() {
    // Synthetic image files around testdata/dpkg/debian12-minbase.status.
    let mut files = Files::new();
    files.insert(
        "/etc/os-release".into(),
        common::read("os-release/debian12_etc_os-release"),
    );
    files.insert(
        "/var/lib/dpkg/status".into(),
        common::read("dpkg/debian12-minbase.status"),
    );
    files.insert(
        "/var/lib/dpkg/info/libc6:amd64.list".into(),
        b"/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n".to_vec(),
    );
    files.insert(
        "/var/lib/dpkg/info/bash.list".into(),
        b"/.\n/bin\n/bin/bash\n".to_vec(),
    );
    files.insert(
        "/usr/share/doc/bash/copyright".into(),
        b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n".to_vec(),
    );
    let inv = catalogue(&files);
    assert_eq!(
        (inv.distro.id.as_str(), inv.distro.version_id.as_deref()),
        ("debian", Some("12"))
    );
    assert_eq!(inv.packages.len(), 88);
    let libc = find(&inv.packages, "libc6");
    assert_eq!(libc.files, ["/lib", "/lib/x86_64-linux-gnu/libc.so.6"]);
    let bash = find(&inv.packages, "bash");
    assert_eq!(bash.files, ["/bin", "/bin/bash"]);
    assert_eq!(bash.license.as_deref(), Some("GPL-3+"));
}

#[test]
fn distroless_version_from_base_files() {
    // testdata/dpkg/more/stackrox-scanner/status.d/{base,netbase} placed at /var/lib/dpkg/status.d/
    let mut files = Files::new();
    for f in ["base", "netbase"] {
        files.insert(
            format!("/var/lib/dpkg/status.d/{f}"),
            common::read(&format!("dpkg/more/stackrox-scanner/status.d/{f}")),
        );
    }
    let inv = catalogue(&files);
    assert_eq!(
        (inv.distro.id.as_str(), inv.distro.version_id.as_deref()),
        ("debian", Some("10"))
    );
    let names: Vec<&str> = inv.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["base-files", "netbase"]);
    assert!(
        inv.packages[0].purl.contains("distro=debian-10"),
        "{}",
        inv.packages[0].purl
    );
}
