//! Cross-check with the formats' own tooling, installed by `scripts/setup/sbom-format.sh`
//! (called from `scripts/test.sh`): the SPDX project's `pyspdxtools` (spdx-tools 0.8.5, which
//! checks more than the schema: id syntax, dangling references, licence expressions against the
//! licence list and the declared LicenseRefs) and cyclonedx-python-lib 11.12.0's strict
//! CycloneDX 1.5 validator. When the tools are missing the tests say so loudly and skip, so a
//! plain `cargo test` without the setup still runs; `KVET_REQUIRE_SBOM_TOOLS=1` turns the skip
//! into a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use kvet_sbom::{render_to_string, Format, Sbom, Target};

fn venv() -> PathBuf {
    std::env::var_os("KVET_SBOM_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/kvet/sbom-venv")))
        .unwrap_or_else(|| PathBuf::from("/root/.cache/kvet/sbom-venv"))
}

/// The tool at `bin/<name>` of the venv, or `None` after a loud notice.
fn tool(name: &str) -> Option<PathBuf> {
    let p = venv().join("bin").join(name);
    if p.is_file() {
        return Some(p);
    }
    let msg = format!(
        "{} not found: run scripts/setup/sbom-format.sh (or scripts/test.sh)",
        p.display()
    );
    assert!(
        std::env::var_os("KVET_REQUIRE_SBOM_TOOLS").is_none(),
        "{msg}"
    );
    eprintln!("SKIPPED (LOUDLY): {msg}");
    None
}

fn inventories() -> Vec<(&'static str, Target, kvet_inventory::Inventory)> {
    // dpkg/debian12-minbase.status, apk/syft-multiple-2.installed, apk/trivy-alpine.installed,
    // rpmdb/cbl-mariner-2.0/rpmdb.sqlite, kvet-inventory's jars, the layered Debian image.
    vec![
        ("debian", image_target(), debian()),
        ("alpine", Target::image("alpine:3.11", None), alpine()),
        ("alpine-trivy", image_target(), alpine_trivy()),
        (
            "mariner",
            Target::filesystem("/srv/mariner root"),
            mariner(),
        ),
        ("jars", Target::filesystem("/"), jars()),
        ("debian-image", image_target(), debian_image()),
    ]
}

fn write_all(dir: &Path, format: Format) -> Vec<(String, PathBuf)> {
    inventories()
        .into_iter()
        .map(|(name, t, inv)| {
            let s = render_to_string(
                &Sbom {
                    target: &t,
                    inventory: &inv,
                    vulnerabilities: None,
                },
                format,
                &opts(),
            )
            .unwrap();
            let p = dir.join(format!("{name}.json"));
            std::fs::write(&p, s).unwrap();
            (name.to_owned(), p)
        })
        .collect()
}

#[test]
fn pyspdxtools_accepts_every_document() {
    let Some(pyspdxtools) = tool("pyspdxtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, path) in write_all(dir.path(), Format::Spdx) {
        let out = Command::new(&pyspdxtools)
            .arg("-i")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: pyspdxtools rejected it:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And it does reject a broken one: the validator is really running.
    let bad = dir.path().join("bad.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("alpine.json")).unwrap())
            .unwrap();
    doc["packages"][2]["licenseDeclared"] = "GPLv2+".into();
    std::fs::write(&bad, doc.to_string()).unwrap();
    let out = Command::new(&pyspdxtools)
        .arg("-i")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GPLv2+"));
}

const CDX_CHECK: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
v = JsonStrictValidator(SchemaVersion.V1_5)
bad = 0
for path in sys.argv[1:]:
    err = v.validate_str(open(path).read(), all_errors=True)
    if err:
        bad += 1
        print(path, *(str(e) for e in err), sep="\n")
sys.exit(1 if bad else 0)
"#;

#[test]
fn cyclonedx_python_lib_accepts_every_document() {
    let Some(python) = tool("python") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), Format::CycloneDx);
    let out = Command::new(&python)
        .arg("-c")
        .arg(CDX_CHECK)
        .args(files.iter().map(|(_, p)| p))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cyclonedx-python-lib rejected:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A broken document fails: the validator is really running.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0].1).unwrap()).unwrap();
    doc["components"][1]["kvetExtra"] = true.into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, doc.to_string()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(CDX_CHECK)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "strict validator accepted an unknown field"
    );
}
