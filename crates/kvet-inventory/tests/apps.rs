//! Language-package cataloguers on real files (each test names its fixtures; origins are in
//! `tests/data/SOURCES.md`).

mod common;

use kvet_inventory::{apps, catalogue, composer, gem, npm, nuget, Files, Package, PackageKind};

fn summary(pkgs: &[Package]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = pkgs
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
        .collect();
    v.sort();
    v
}

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not found in {:?}", summary(pkgs)))
}

/// `tests/data/python/site-packages` (pip-installed wheels) as a CPython 3.11 site-packages and
/// `tests/data/python/dist-packages` (Debian `python3-*` egg-info, both forms) as Debian's.
#[test]
fn python_dist_info_and_egg_info() {
    let mut files = common::fixture_tree(
        "python/site-packages",
        "/usr/local/lib/python3.11/site-packages",
    );
    files.extend(common::fixture_tree(
        "python/dist-packages",
        "/usr/lib/python3/dist-packages",
    ));
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let pkgs: Vec<Package> = inv.packages;
    assert!(pkgs.iter().all(|p| p.kind == PackageKind::Python));
    let got = summary(&pkgs);
    let want: Vec<(String, String, String)> = [
        ("attrs", "26.1.0", "pkg:pypi/attrs@26.1.0"),
        (
            "lazr.restfulclient",
            "0.14.5",
            "pkg:pypi/lazr-restfulclient@0.14.5",
        ),
        ("pip", "23.2.1", "pkg:pypi/pip@23.2.1"),
        (
            "python-dateutil",
            "2.9.0.post0",
            "pkg:pypi/python-dateutil@2.9.0.post0",
        ),
        ("rpm", "4.18.0", "pkg:pypi/rpm@4.18.0"),
        ("setuptools", "65.5.0", "pkg:pypi/setuptools@65.5.0"),
        ("six", "1.17.0", "pkg:pypi/six@1.17.0"),
        (
            "typing_extensions",
            "4.15.0",
            "pkg:pypi/typing-extensions@4.15.0",
        ),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);

    // Licences: SPDX expression (metadata 2.4), a one-line License, classifiers only.
    let lic = |n: &str| find(&pkgs, n).license.clone();
    assert_eq!(lic("attrs").as_deref(), Some("MIT"));
    assert_eq!(lic("typing_extensions").as_deref(), Some("PSF-2.0"));
    assert_eq!(lic("pip").as_deref(), Some("MIT"));
    assert_eq!(lic("setuptools").as_deref(), Some("MIT License"));
    assert_eq!(lic("python-dateutil").as_deref(), Some("Dual License"));
    assert_eq!(lic("rpm").as_deref(), Some("GNU General Public License v2"));

    // Locations are the metadata files; RECORD gives six's files, made absolute.
    let six = find(&pkgs, "six");
    assert_eq!(
        six.location,
        "/usr/local/lib/python3.11/site-packages/six-1.17.0.dist-info/METADATA"
    );
    assert!(six
        .files
        .contains(&"/usr/local/lib/python3.11/site-packages/six.py".to_owned()));
    assert_eq!(six.files.len(), 8, "{:?}", six.files);
    assert_eq!(
        find(&pkgs, "rpm").location,
        "/usr/lib/python3/dist-packages/rpm-4.18.0.egg-info"
    );
}

/// The same `METADATA` outside any site-packages is not an installed distribution.
#[test]
fn python_outside_site_packages_is_ignored() {
    let files = common::fixture_tree("python/site-packages", "/src/project/build");
    assert!(catalogue(&files).packages.is_empty());
}

/// `tests/data/npm/node_modules`: the real tree npm 11 installed, with a nested `ms`.
#[test]
fn npm_node_modules_tree() {
    let files = common::fixture_tree("npm/node_modules", "/app/node_modules");
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let mut got: Vec<(String, String, String)> = inv
        .packages
        .iter()
        .map(|p| {
            (
                p.purl.clone(),
                p.location.clone(),
                p.license.clone().unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "pkg:npm/%40isaacs/string-locale-compare@1.1.0",
                "/app/node_modules/@isaacs/string-locale-compare/package.json",
                "ISC"
            ),
            (
                "pkg:npm/debug@4.3.4",
                "/app/node_modules/debug/package.json",
                "MIT"
            ),
            (
                "pkg:npm/is-number@7.0.0",
                "/app/node_modules/is-number/package.json",
                "MIT"
            ),
            (
                "pkg:npm/ms@2.1.2",
                "/app/node_modules/debug/node_modules/ms/package.json",
                "MIT"
            ),
            (
                "pkg:npm/ms@2.1.3",
                "/app/node_modules/ms/package.json",
                "MIT"
            ),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    // The project's own package.json (outside node_modules) is not a package.
    let mut with_root = files.clone();
    with_root.insert(
        "/app/package.json".into(),
        common::fixture("npm/package.json"),
    );
    assert_eq!(catalogue(&with_root).packages.len(), 5);
}

/// The three lockfile versions npm writes for the same project (`tests/data/npm/v{1,2,3}`)
/// give the same packages: dev-only `ms@2.1.3` left out, nested `ms@2.1.2` in.
#[test]
fn npm_lockfiles_v1_v2_v3_agree() {
    let want = [
        "pkg:npm/%40isaacs/string-locale-compare@1.1.0",
        "pkg:npm/debug@4.3.4",
        "pkg:npm/is-number@7.0.0",
        "pkg:npm/ms@2.1.2",
    ];
    for v in ["v1", "v2", "v3"] {
        let bytes = common::fixture(&format!("npm/{v}/package-lock.json"));
        let (pkgs, warnings) = npm::parse_lockfile(&bytes, "/srv/package-lock.json").expect(v);
        assert!(warnings.is_empty(), "{v}: {warnings:?}");
        let mut purls: Vec<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        purls.sort();
        assert_eq!(purls, want, "lockfile {v}");
    }
    // Through catalogue(): found at its path, not inside node_modules.
    let mut files = Files::new();
    files.insert(
        "/srv/app/package-lock.json".into(),
        common::fixture("npm/v3/package-lock.json"),
    );
    files.insert(
        "/srv/app/node_modules/x/package-lock.json".into(),
        common::fixture("npm/v2/package-lock.json"),
    );
    let inv = catalogue(&files);
    assert_eq!(inv.packages.len(), 4);
    assert!(inv
        .packages
        .iter()
        .all(|p| p.location == "/srv/app/package-lock.json"));
}

/// Real gemspecs from Debian 12 (`tests/data/ruby/*.gemspec`), including json's whose stub
/// comment holds NUL bytes.
#[test]
fn gemspecs() {
    let mut files = Files::new();
    for f in [
        "rake-13.0.6",
        "bundler-2.3.7",
        "json-2.6.1",
        "minitest-5.15.0",
        "base64-0.1.1",
    ] {
        files.insert(
            format!("/usr/lib/ruby/gems/3.1.0/specifications/default/{f}.gemspec"),
            common::fixture(&format!("ruby/{f}.gemspec")),
        );
    }
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let mut got: Vec<(String, String)> = inv
        .packages
        .iter()
        .map(|p| (p.purl.clone(), p.license.clone().unwrap_or_default()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("pkg:gem/base64@0.1.1", "Ruby OR BSD-2-Clause"),
            ("pkg:gem/bundler@2.3.7", "MIT"),
            ("pkg:gem/json@2.6.1", "Ruby"),
            ("pkg:gem/minitest@5.15.0", "MIT"),
            ("pkg:gem/rake@13.0.6", "MIT"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

/// Bad gemspecs: a computed version is an error naming the line, not a guess.
#[test]
fn gemspec_errors_name_the_line() {
    let real = String::from_utf8(common::fixture("ruby/rake-13.0.6.gemspec")).expect("utf-8");
    let computed = real.replace("s.version = \"13.0.6\"", "s.version = Rake::VERSION");
    let err = gem::parse_gemspec(computed.as_bytes(), "/x.gemspec").unwrap_err();
    assert_eq!(err, "line 6: version is not a string literal");
    let err = gem::parse_gemspec(b"puts 1\n", "/x.gemspec").unwrap_err();
    assert!(err.contains("Gem::Specification.new"), "{err}");
}

/// Syft's Composer 1 (array) and Composer 2 (`packages`) fixtures.
#[test]
fn composer_both_formats() {
    for dir in ["composer_1", "composer_2"] {
        let bytes = common::fixture(&format!("composer/{dir}/installed.json"));
        let (pkgs, warnings) =
            composer::parse_installed(&bytes, "/var/www/vendor/composer/installed.json")
                .expect(dir);
        assert!(warnings.is_empty());
        let got: Vec<(&str, &str, Option<&str>)> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.purl.as_str(), p.license.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "asm89/stack-cors",
                    "pkg:composer/asm89/stack-cors@1.3.0",
                    Some("MIT")
                ),
                ("behat/mink", "pkg:composer/behat/mink@v1.8.1", Some("MIT")),
            ],
            "{dir}"
        );
    }
    let err = composer::parse_installed(b"{\"x\":1}", "/v/composer/installed.json").unwrap_err();
    assert!(err.contains("packages"), "{err}");
}

/// pythonnet 3.2.1's `Python.Runtime.deps.json` (from its PyPI wheel): the `package`
/// libraries, not the `project` one.
#[test]
fn nuget_deps_json() {
    let bytes = common::fixture("dotnet/Python.Runtime.deps.json");
    let mut files = Files::new();
    files.insert("/app/Python.Runtime.deps.json".into(), bytes);
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let mut purls: Vec<&str> = inv.packages.iter().map(|p| p.purl.as_str()).collect();
    purls.sort();
    assert_eq!(
        purls,
        [
            "pkg:nuget/Microsoft.CSharp@4.7.0",
            "pkg:nuget/Microsoft.SourceLink.GitHub@10.0.401",
            "pkg:nuget/System.Buffers@4.6.1",
            "pkg:nuget/System.IO.Hashing@10.0.12",
            "pkg:nuget/System.Memory@4.6.3",
            "pkg:nuget/System.Numerics.Vectors@4.6.1",
            "pkg:nuget/System.Reflection.Emit.ILGeneration@4.7.0",
            "pkg:nuget/System.Reflection.Emit@4.7.0",
            "pkg:nuget/System.Runtime.CompilerServices.Unsafe@6.1.2",
        ]
    );
    assert!(nuget::parse_deps_json(b"[]", "/a.deps.json").is_err());
}

/// This workspace's own `Cargo.lock` (v4): every `[[package]]` table becomes a package.
#[test]
fn cargo_lock_of_this_workspace() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let bytes = std::fs::read(&path).expect("workspace Cargo.lock");
    let tables = String::from_utf8_lossy(&bytes)
        .matches("[[package]]")
        .count();
    let mut files = Files::new();
    files.insert("/src/kvet/Cargo.lock".into(), bytes);
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(inv.packages.len(), tables);
    assert!(inv
        .packages
        .iter()
        .any(|p| p.purl == format!("pkg:cargo/kvet-inventory@{}", env!("CARGO_PKG_VERSION"))));
    // Not TOML: one warning naming the file and the line.
    let mut bad = Files::new();
    bad.insert(
        "/src/Cargo.lock".into(),
        b"[[package]]\nname = \"a\"\nversion = \n".to_vec(),
    );
    let inv = catalogue(&bad);
    assert_eq!(inv.warnings.len(), 1);
    assert_eq!(inv.warnings[0].location, "/src/Cargo.lock");
    assert!(
        inv.warnings[0].message.contains("line 3"),
        "{}",
        inv.warnings[0].message
    );
}

/// Same package twice at one location is one package; at two locations, two.
#[test]
fn dedupe_by_location() {
    let bytes = common::fixture("npm/v3/package-lock.json");
    let (once, _) = npm::parse_lockfile(&bytes, "/a/package-lock.json").expect("v3");
    let mut twice = once.clone();
    twice.extend(once.clone());
    assert_eq!(apps::dedupe(twice).len(), once.len());
    let (other, _) = npm::parse_lockfile(&bytes, "/b/package-lock.json").expect("v3");
    let mut both = once.clone();
    both.extend(other);
    assert_eq!(apps::dedupe(both).len(), 2 * once.len());
}
