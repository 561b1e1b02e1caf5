//! Differential tests: every comparator against its ecosystem's own implementation, on real
//! versions (shared test data, this machine's package lists, registry version lists vendored
//! under tests/data) plus seeded generated and mutated ones. Each ecosystem compares at least
//! 2,000 pairs in one batched oracle process. Oracles are installed by
//! scripts/setup/versions.sh; a missing one makes its test print a loud SKIPPED marker.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::*;
use kvet_version::{apk, cargo, composer, dpkg, golang, maven, npm, nuget, pep440, rpm, rubygems};

const PAIRS: usize = 4000;

fn python() -> Command {
    // Debian's interpreter: it has python3-apt and python3-rpm (a pyenv python may not).
    Command::new("/usr/bin/python3")
}

/// dpkg: testdata/dpkg/** status files, OSV Debian advisories, this machine's APT lists.
#[test]
fn dpkg_matches_apt_and_dpkg() {
    let td = testdata();
    let mut corpus: BTreeSet<String> = field_values(&td.join("dpkg"), "Version:");
    corpus.extend(osv_versions(&td.join("osv/Debian"), "Debian"));
    corpus.extend(apt_available().into_iter().map(|(_, v)| v).take(20000));
    let corpus: Vec<String> = corpus.into_iter().collect();
    assert!(
        corpus.len() > 500,
        "dpkg corpus too small: {}",
        corpus.len()
    );
    let words = [
        "a", "b", "rc", "deb", "ubuntu", "dfsg", "git", "build", "~", "+", "nmu",
    ];
    let seps = [".", "-", "+", "~", ":", "~~", "", "."];
    let pairs: Vec<_> = make_pairs(&corpus, 1, &words, &seps, PAIRS)
        .into_iter()
        .filter(|(a, b)| !a.starts_with('-') && !b.starts_with('-'))
        .collect();
    let Some(out) = run_oracle(python().arg(oracle_script("dpkg_apt.py")), &pairs) else {
        return skip("dpkg", "python3-apt not available");
    };
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    for ((a, b), line) in pairs.iter().zip(&out) {
        let want = answer(line).ord;
        let got = sym(dpkg::compare(a, b));
        t.check(got == want, || {
            format!("{a:?} vs {b:?}: apt {want}, kvet {got}")
        });
    }
    // Spot-check against dpkg itself (one process per call): validity, and order on valid pairs.
    let mut rng = Rng::new(7);
    for _ in 0..150 {
        let (a, b) = rng.pick(&pairs).clone();
        for v in [&a, &b] {
            let ok = Command::new("dpkg")
                .args(["--validate-version", v])
                .stderr(std::process::Stdio::null())
                .status();
            if let Ok(st) = ok {
                t.check(st.success() == dpkg::is_valid(v), || {
                    format!("validity of {v:?}: dpkg {}", st.success())
                });
            }
        }
        if dpkg::is_valid(&a) && dpkg::is_valid(&b) {
            let lt = Command::new("dpkg")
                .args(["--compare-versions", &a, "lt", &b])
                .status();
            let eq = Command::new("dpkg")
                .args(["--compare-versions", &a, "eq", &b])
                .status();
            if let (Ok(lt), Ok(eq)) = (lt, eq) {
                let want = if lt.success() {
                    '<'
                } else if eq.success() {
                    '='
                } else {
                    '>'
                };
                let got = sym(dpkg::compare(&a, &b));
                t.check(got == want, || {
                    format!("{a:?} vs {b:?}: dpkg {want}, kvet {got}")
                });
            }
        }
    }
    t.finish("dpkg");
}

/// rpm: testdata/rpmdb/**/expected.tsv EVRs (with and without epochs), generated tilde and
/// caret versions. Checks rpm.ver (full EVR strings) and labelCompare (rpmvercmp).
#[test]
fn rpm_matches_python_rpm() {
    let mut corpus = BTreeSet::new();
    for f in files(&testdata().join("rpmdb")) {
        if f.file_name().is_some_and(|n| n == "expected.tsv") {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for line in text.lines() {
                let cols: Vec<&str> = line.split('\t').collect();
                if cols.len() >= 4 {
                    let (e, v, r) = (cols[1], cols[2], cols[3]);
                    corpus.insert(format!("{v}-{r}"));
                    corpus.insert(v.to_string());
                    if !e.is_empty() {
                        corpus.insert(format!("{e}:{v}-{r}"));
                    }
                }
            }
        }
    }
    let corpus: Vec<String> = corpus.into_iter().collect();
    assert!(corpus.len() > 200, "rpm corpus too small: {}", corpus.len());
    let words = [
        "el9", "el8_8", "fc39", "cm2", "git", "rc", "alpha", "~", "^", "^git", "~rc", "a", "Z",
    ];
    let seps = [".", "-", "_", "~", "^", ":", "+", "..", ""];
    let pairs = make_pairs(&corpus, 2, &words, &seps, PAIRS);
    let Some(out) = run_oracle(python().arg(oracle_script("rpm_ver.py")), &pairs) else {
        return skip("rpm", "python3-rpm not available");
    };
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    for ((a, b), line) in pairs.iter().zip(&out) {
        let ans = answer(line);
        t.check(
            ans.va == rpm::is_valid(a) && ans.vb == rpm::is_valid(b),
            || format!("validity {a:?} {b:?}: {line}"),
        );
        if ans.va && ans.vb {
            let got = sym(rpm::compare(a, b));
            t.check(got == ans.ord, || {
                format!("{a:?} vs {b:?}: rpm.ver {}, kvet {got}", ans.ord)
            });
        }
        let want = ans
            .extra
            .first()
            .and_then(|s| s.chars().next())
            .unwrap_or('?');
        if want != '?' {
            let got = sym(rpm::rpmvercmp(a, b));
            t.check(got == want, || {
                format!("rpmvercmp {a:?} vs {b:?}: rpm {want}, kvet {got}")
            });
        }
    }
    t.finish("rpm");
}

/// apk: apk-tools' own test vectors (tests/data/apk-version.data), every line.
#[test]
fn apk_matches_apk_tools_vectors() {
    let text =
        std::fs::read_to_string(data("apk-version.data")).expect("tests/data/apk-version.data");
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 3, "line {}: {line}", i + 1);
        let got = sym(apk::compare(f[0], f[2]));
        assert_eq!(
            got.to_string(),
            f[1],
            "apk-version.data line {}: {line}",
            i + 1
        );
        let back = sym(apk::compare(f[2], f[0]));
        let want_back = match f[1] {
            "<" => '>',
            ">" => '<',
            _ => '=',
        };
        assert_eq!(back, want_back, "reversed, line {}: {line}", i + 1);
        n += 1;
    }
    assert!(n > 500, "only {n} vectors");
    eprintln!("kvet-version apk: {n} apk-tools vectors, 0 disagreements");
}

/// apk: real Alpine versions (installed databases, OSV Alpine advisories) are valid and
/// sorted consistently; apk-tools has no Debian package, so this checks properties only.
#[test]
fn apk_real_versions_are_valid_and_ordered() {
    let td = testdata();
    let mut corpus = field_values(&td.join("apk"), "V:");
    corpus.extend(osv_versions(&td.join("osv/Alpine"), "Alpine"));
    let corpus: Vec<String> = corpus.into_iter().collect();
    assert!(corpus.len() > 300, "apk corpus too small: {}", corpus.len());
    // A handful of OSV Alpine entries carry Debian-style versions ("1.11-20-r0") that
    // apk-tools' own validator rejects too; everything else must be valid.
    let invalid: Vec<_> = corpus.iter().filter(|v| !apk::is_valid(v)).collect();
    eprintln!(
        "kvet-version apk: {} real versions, {} invalid: {invalid:?}",
        corpus.len(),
        invalid.len()
    );
    assert!(
        invalid.len() * 100 < corpus.len(),
        "too many real Alpine versions rejected: {invalid:?}"
    );
    assert!(
        invalid
            .iter()
            .all(|v| v.matches('-').count() >= 2 || !v.contains("-r")),
        "{invalid:?}"
    );
    let mut sorted = corpus.clone();
    sorted.sort_by(|a, b| apk::compare(a, b));
    for w in sorted.windows(2) {
        assert_ne!(apk::compare(&w[0], &w[1]), std::cmp::Ordering::Greater);
        assert_eq!(
            apk::compare(&w[1], &w[0]),
            apk::compare(&w[0], &w[1]).reverse(),
            "{w:?}"
        );
    }
}

fn pypi_corpus() -> Vec<String> {
    let td = testdata();
    let mut corpus = osv_versions(&td.join("osv/PyPI"), "PyPI");
    corpus.extend(osv_versions(&td.join("osv/GHSA"), "PyPI"));
    let text =
        std::fs::read_to_string(data("pypi-versions.tsv")).expect("tests/data/pypi-versions.tsv");
    for line in text.lines() {
        if let Some((_, vs)) = line.split_once('\t') {
            corpus.extend(
                vs.split(", ")
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty()),
            );
        }
    }
    corpus.into_iter().collect()
}

/// PEP 440: OSV PyPI advisories and PyPI release lists against `packaging`.
#[test]
fn pep440_matches_packaging() {
    let corpus = pypi_corpus();
    assert!(
        corpus.len() > 1000,
        "PyPI corpus too small: {}",
        corpus.len()
    );
    let words = [
        "a",
        "b",
        "c",
        "rc",
        "alpha",
        "beta",
        "pre",
        "preview",
        "post",
        "rev",
        "r",
        "dev",
        "v",
        "+local",
        "+ubuntu.1",
        "!",
        "RC",
        "Post",
    ];
    let seps = [".", "-", "_", "", "!", "+", " "];
    let pairs = make_pairs(&corpus, 3, &words, &seps, PAIRS);
    let dir = oracle_dir().join("py");
    if !dir.join("packaging").exists() {
        return skip("pep440", "packaging not installed");
    }
    let Some(out) = run_oracle(python().arg(oracle_script("pep440.py")).arg(&dir), &pairs) else {
        return skip("pep440", "python3 not available");
    };
    check_simple("pep440", &pairs, &out, pep440::is_valid, pep440::compare);
}

/// The common check: validity of both sides, and the order when the oracle accepts both.
fn check_simple(
    name: &str,
    pairs: &[(String, String)],
    out: &[String],
    valid: fn(&str) -> bool,
    cmp: fn(&str, &str) -> std::cmp::Ordering,
) {
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    let mut valid_pairs = 0;
    for ((a, b), line) in pairs.iter().zip(out) {
        let ans = answer(line);
        t.check(ans.va == valid(a), || {
            format!("validity of {a:?}: oracle {}", ans.va)
        });
        t.check(ans.vb == valid(b), || {
            format!("validity of {b:?}: oracle {}", ans.vb)
        });
        if ans.ord != '?' {
            valid_pairs += 1;
            let got = sym(cmp(a, b));
            t.check(got == ans.ord, || {
                format!("{a:?} vs {b:?}: oracle {}, kvet {got}", ans.ord)
            });
        }
    }
    eprintln!("kvet-version differential {name}: {valid_pairs} pairs ordered by the oracle");
    assert!(
        valid_pairs >= 1000,
        "{name}: only {valid_pairs} pairs both valid"
    );
    t.finish(name);
}

/// npm: `npm view <pkg> versions` of popular packages (tests/data/npm-versions.tsv) and OSV
/// npm advisories, against node-semver (loose).
#[test]
fn npm_matches_node_semver() {
    let text =
        std::fs::read_to_string(data("npm-versions.tsv")).expect("tests/data/npm-versions.tsv");
    let mut corpus = BTreeSet::new();
    for line in text.lines() {
        if let Some((_, json)) = line.split_once('\t') {
            if let Ok(serde_json::Value::Array(vs)) = serde_json::from_str(json) {
                corpus.extend(
                    vs.into_iter()
                        .filter_map(|v| v.as_str().map(str::to_string)),
                );
            }
        }
    }
    corpus.extend(osv_versions(&testdata().join("osv/GHSA"), "npm"));
    let corpus: Vec<String> = corpus.into_iter().collect();
    assert!(
        corpus.len() > 2000,
        "npm corpus too small: {}",
        corpus.len()
    );
    let words = [
        "alpha", "beta", "rc", "next", "canary", "v", "=", "-", "x", "0", "01", "build",
    ];
    let seps = [".", "-", "+", "", " ", "v", "="];
    let pairs = make_pairs(&corpus, 4, &words, &seps, PAIRS);
    let dir = oracle_dir().join("npm");
    if !dir.join("node_modules/semver").exists() {
        return skip("npm", "node-semver not installed");
    }
    let Some(out) = run_oracle(
        Command::new("node").arg(oracle_script("npm.js")).arg(&dir),
        &pairs,
    ) else {
        return skip("npm", "node not available");
    };
    check_simple("npm", &pairs, &out, npm::is_valid, npm::compare);
}

/// Go: OSV Go advisories (with pseudo-versions and +incompatible) against x/mod/semver.
#[test]
fn go_matches_x_mod_semver() {
    let corpus: Vec<String> = osv_versions(&testdata().join("osv/Go"), "Go")
        .into_iter()
        .collect();
    assert!(corpus.len() > 500, "Go corpus too small: {}", corpus.len());
    let words = [
        "v",
        "pre",
        "rc",
        "incompatible",
        "+incompatible",
        "0.20230101120000-abcdef123456",
        "alpha",
        "01",
    ];
    let seps = [".", "-", "+", ""];
    let pairs = make_pairs(&corpus, 5, &words, &seps, PAIRS);
    let bin = oracle_dir().join("gosemver");
    if !bin.exists() {
        return skip("go", "gosemver oracle not built");
    }
    let Some(out) = run_oracle(&mut Command::new(&bin), &pairs) else {
        return skip("go", "gosemver oracle not runnable");
    };
    // x/mod orders invalid versions too (all equal, below valid ones): check every pair.
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    for ((a, b), line) in pairs.iter().zip(&out) {
        let ans = answer(line);
        t.check(
            ans.va == golang::is_valid(a) && ans.vb == golang::is_valid(b),
            || format!("validity {a:?} {b:?}: {line}"),
        );
        let got = sym(golang::compare(a, b));
        t.check(got == ans.ord, || {
            format!("{a:?} vs {b:?}: x/mod {}, kvet {got}", ans.ord)
        });
    }
    t.finish("go");
}

fn maven_corpus() -> Vec<String> {
    let td = testdata();
    let mut corpus = osv_versions(&td.join("osv/Maven"), "Maven");
    corpus.extend(osv_versions(&td.join("osv/GHSA"), "Maven"));
    // Debian's Maven repository: group/artifact/version directories of real artifacts.
    for f in files(std::path::Path::new("/usr/share/maven-repo")) {
        if f.extension().is_some_and(|e| e == "pom") {
            if let Some(v) = f
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
            {
                corpus.insert(v.to_string());
            }
        }
    }
    // Debian's Java library packages: their upstream versions are Maven artifact versions.
    corpus.extend(
        apt_available()
            .into_iter()
            .filter(|(p, _)| p.starts_with("lib") && p.ends_with("-java"))
            .map(|(_, v)| upstream(&v)),
    );
    corpus.into_iter().collect()
}

/// Maven: OSV Maven/GHSA versions and Debian's Maven repository against ComparableVersion
/// from Debian's maven-artifact jar.
#[test]
fn maven_matches_comparable_version() {
    let corpus = maven_corpus();
    assert!(
        corpus.len() > 100,
        "Maven corpus too small: {}",
        corpus.len()
    );
    let words = [
        "alpha",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "final",
        "release",
        "sp",
        "a",
        "b",
        "m",
        "RC",
        "Final",
        "foo",
        "jre",
        "android",
    ];
    let seps = [".", "-", "", "..", "--", ".-"];
    let pairs = make_pairs(&corpus, 6, &words, &seps, PAIRS);
    let Some(jar) = std::fs::read_dir("/usr/share/maven/lib")
        .ok()
        .and_then(|rd| {
            rd.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("maven-artifact"))
            })
        })
    else {
        return skip("maven", "maven-artifact jar not installed");
    };
    let cp = format!("{}:{}", oracle_dir().join("maven").display(), jar.display());
    let Some(out) = run_oracle(
        Command::new("java").args(["-cp", &cp, "MavenOracle"]),
        &pairs,
    ) else {
        return skip("maven", "java not available");
    };
    check_simple("maven", &pairs, &out, maven::is_valid, maven::compare);
}

/// RubyGems: Debian's Ruby gem packages' upstream versions and generated ones against
/// Gem::Version.
#[test]
fn rubygems_matches_gem_version() {
    let mut corpus: BTreeSet<String> = apt_available()
        .into_iter()
        .filter(|(p, _)| p.starts_with("ruby-"))
        .map(|(_, v)| upstream(&v))
        .collect();
    corpus.extend(osv_versions(&testdata().join("osv/GHSA"), "RubyGems"));
    let corpus: Vec<String> = corpus.into_iter().collect();
    let words = [
        "a", "b", "rc", "pre", "beta", "alpha", "dev", "x", "A", "Z", "-", ".pre.",
    ];
    let seps = [".", "-", "", "..", " "];
    let pairs = make_pairs(&corpus, 7, &words, &seps, PAIRS);
    let Some(out) = run_oracle(Command::new("ruby").arg(oracle_script("gem.rb")), &pairs) else {
        return skip("rubygems", "ruby not available");
    };
    check_simple(
        "rubygems",
        &pairs,
        &out,
        rubygems::is_valid,
        rubygems::compare,
    );
}

/// Composer: Debian's PHP library packages' upstream versions and generated ones against
/// composer/semver (normal forms and Comparator order).
#[test]
fn composer_matches_composer_semver() {
    let mut corpus: BTreeSet<String> = apt_available()
        .into_iter()
        .filter(|(p, _)| p.starts_with("php-"))
        .map(|(_, v)| upstream(&v))
        .collect();
    corpus.extend(osv_versions(&testdata().join("osv/GHSA"), "Packagist"));
    for extra in [
        "dev-main",
        "dev-master",
        "master",
        "1.x-dev",
        "2.0.x-dev",
        "v1.2.3",
        "1.0.0-beta.2",
        "1.0-RC1",
        "1.0.0-alpha1-dev",
        "20230101",
        "2023.01.01",
        "1.0.0+build",
        "1.0@dev",
        "1.0 as 1.1",
        "1.0-stable",
        "1.0-p1",
        "1.0-pl2",
    ] {
        corpus.insert(extra.to_string());
    }
    let corpus: Vec<String> = corpus.into_iter().collect();
    let words = [
        "alpha", "beta", "RC", "rc", "a", "b", "p", "pl", "patch", "stable", "dev", "x", "*", "v",
        "dev-", "@dev", "@stable", " as ", "+build",
    ];
    let seps = [".", "-", "_", "", "+", "@"];
    let pairs = make_pairs(&corpus, 8, &words, &seps, PAIRS);
    if !std::path::Path::new("/usr/share/php/Composer/Semver/autoload.php").exists() {
        return skip("composer", "php-composer-semver not installed");
    }
    let Some(out) = run_oracle(
        Command::new("php").arg(oracle_script("composer.php")),
        &pairs,
    ) else {
        return skip("composer", "php not available");
    };
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    let mut ordered = 0;
    for ((a, b), line) in pairs.iter().zip(&out) {
        let ans = answer(line);
        for (v, ok, norm) in [
            (a, ans.va, ans.extra.first()),
            (b, ans.vb, ans.extra.get(1)),
        ] {
            let mine = composer::normalize(v);
            let mine_text = match &mine {
                composer::Normalized::Version(s) | composer::Normalized::Branch(s) => s.as_str(),
                composer::Normalized::Invalid => "",
            };
            t.check(
                ok == composer::is_valid(v) && norm.copied().unwrap_or("") == mine_text,
                || format!("normalize({v:?}): composer {:?}, kvet {mine:?}", norm),
            );
        }
        let both_branches = matches!(composer::normalize(a), composer::Normalized::Branch(_))
            && matches!(composer::normalize(b), composer::Normalized::Branch(_));
        let got = sym(composer::compare(a, b));
        if both_branches {
            // Composer relates two branches only by equality.
            t.check((ans.ord == '=') == (got == '='), || {
                format!("{a:?} vs {b:?}: composer {}, kvet {got}", ans.ord)
            });
        } else if ans.ord != '?' {
            ordered += 1;
            t.check(got == ans.ord, || {
                format!("{a:?} vs {b:?}: composer {}, kvet {got}", ans.ord)
            });
        } else if ans.va && ans.vb {
            t.check(false, || {
                format!("{a:?} vs {b:?}: composer relates them by nothing")
            });
        }
    }
    eprintln!("kvet-version differential composer: {ordered} pairs ordered by the oracle");
    t.finish("composer");
}

/// crates.io: the semver crate is Cargo's own implementation; as a cross-check, its strict
/// SemVer 2.0 precedence must agree with node-semver's (non-loose) on versions both accept.
#[test]
fn cargo_semver_agrees_with_node_semver_strict() {
    let text =
        std::fs::read_to_string(data("npm-versions.tsv")).expect("tests/data/npm-versions.tsv");
    let mut corpus = BTreeSet::new();
    for line in text.lines() {
        if let Some((_, json)) = line.split_once('\t') {
            if let Ok(serde_json::Value::Array(vs)) = serde_json::from_str(json) {
                corpus.extend(
                    vs.into_iter()
                        .filter_map(|v| v.as_str().map(str::to_string)),
                );
            }
        }
    }
    let corpus: Vec<String> = corpus.into_iter().filter(|v| cargo::is_valid(v)).collect();
    let pairs = make_pairs(
        &corpus,
        9,
        &["alpha", "rc", "0", "1"],
        &[".", "-", "+"],
        PAIRS,
    );
    let dir = oracle_dir().join("npm");
    if !dir.join("node_modules/semver").exists() {
        return skip("cargo", "node-semver not installed");
    }
    let Some(out) = run_oracle(
        Command::new("node").arg(oracle_script("npm.js")).arg(&dir),
        &pairs,
    ) else {
        return skip("cargo", "node not available");
    };
    let mut t = Tally {
        pairs: pairs.len(),
        ..Default::default()
    };
    for ((a, b), line) in pairs.iter().zip(&out) {
        let ans = answer(line);
        if ans.ord != '?' && cargo::is_valid(a) && cargo::is_valid(b) {
            let got = sym(cargo::compare(a, b));
            t.check(got == ans.ord, || {
                format!("{a:?} vs {b:?}: node-semver {}, kvet {got}", ans.ord)
            });
        }
    }
    t.finish("cargo");
}

/// NuGet: the comparison and parsing vectors of NuGet.Client's own tests
/// (tests/data/nuget-vectors.tsv).
#[test]
fn nuget_matches_nuget_client_vectors() {
    let text =
        std::fs::read_to_string(data("nuget-vectors.tsv")).expect("tests/data/nuget-vectors.tsv");
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            [a, op, b] => {
                let got = sym(nuget::compare(a, b)).to_string();
                assert_eq!(&got, op, "nuget-vectors.tsv line {}: {line}", i + 1);
            }
            ["invalid", v] => assert!(
                !nuget::is_valid(v),
                "line {}: {v:?} should be invalid",
                i + 1
            ),
            ["valid", v] => assert!(nuget::is_valid(v), "line {}: {v:?} should be valid", i + 1),
            _ => panic!("bad line {}: {line}", i + 1),
        }
        n += 1;
    }
    assert!(n >= 40, "only {n} vectors");
    eprintln!("kvet-version nuget: {n} NuGet.Client vectors, 0 disagreements");
}
