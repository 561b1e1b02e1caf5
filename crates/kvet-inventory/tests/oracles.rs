//! Differential tests against the ecosystems' own readers, on every real file of this machine:
//! every gemspec Debian's Ruby installed (read by RubyGems' `Gem::Specification.load`), and
//! every distribution in the machine's Python `site-packages` and Debian's `dist-packages`
//! (read by `importlib.metadata`). `scripts/setup/appcat.sh` installs `ruby`; CPython is part
//! of the machine.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use kvet_inventory::{catalogue, is_wanted, Files, PackageKind};

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed for this test ({e}): run scripts/setup/appcat.sh")
        });
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Every file under `dir` the image walker would keep, keyed by its real absolute path.
fn wanted_under(dir: &Path) -> Files {
    let mut files = Files::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        let path = entry.path().to_string_lossy().into_owned();
        if entry.file_type().is_file() && is_wanted(&path) {
            files.insert(path, std::fs::read(entry.path()).expect("readable"));
        }
    }
    files
}

const GEM_DIRS: &[&str] = &[
    "/usr/lib/ruby/gems",
    "/usr/share/rubygems-integration/all/specifications",
];

#[test]
fn gemspecs_agree_with_rubygems() {
    let script = r#"
        Dir["/usr/lib/ruby/gems/*/specifications/**/*.gemspec",
            "/usr/share/rubygems-integration/all/specifications/*.gemspec"].sort.each do |f|
          s = Gem::Specification.load(f)
          puts [f, s.name, s.version.to_s, s.licenses.join(" OR ")].join("\t")
        end
    "#;
    let oracle: BTreeSet<String> = run("ruby", &["-e", script])
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        oracle.len() > 20,
        "too few gemspecs on this machine: {}",
        oracle.len()
    );
    let mut files = Files::new();
    for d in GEM_DIRS {
        files.extend(wanted_under(Path::new(d)));
    }
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let ours: BTreeSet<String> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Gem)
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}",
                p.location,
                p.name,
                p.version,
                p.license.clone().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(ours, oracle);
}

#[test]
fn python_distributions_agree_with_importlib_metadata() {
    let script = r#"
import importlib.metadata as m, site
for d in site.getsitepackages() + ["/usr/lib/python3/dist-packages"]:
    print("DIR\t" + d)
    for dist in m.distributions(path=[d]):
        print(dist.metadata["Name"] + "\t" + dist.version)
"#;
    let out = run("python3", &["-c", script]);
    let mut oracle = BTreeSet::new();
    let mut files = Files::new();
    for line in out.lines() {
        match line.split_once('\t') {
            Some(("DIR", dir)) => files.extend(wanted_under(Path::new(dir))),
            Some((name, version)) => {
                oracle.insert((name.to_owned(), version.to_owned()));
            }
            None => {}
        }
    }
    assert!(
        oracle.len() > 20,
        "too few Python distributions: {}",
        oracle.len()
    );
    let inv = catalogue(&files);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let ours: BTreeSet<(String, String)> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Python)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(ours, oracle);
}
