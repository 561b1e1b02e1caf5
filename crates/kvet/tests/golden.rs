//! The JSON and SARIF outputs for a real manifest (kubernetes-goat's health-check scenario),
//! compared with reviewed golden files and validated against docs/report.schema.json and the
//! official SARIF 2.1.0 schema. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p kvet --test golden` and review the diff.

mod common;
use common::*;

const INPUT: &str = "examples/manifests/kubernetes-goat/health-check__deployment.yaml";

fn golden(name: &str, actual: &[u8]) {
    let path = root().join("crates/kvet/tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let actual = String::from_utf8_lossy(actual);
    assert!(
        expected == actual,
        "{name} differs from its golden file; diff:\n{}",
        first_diff(&expected, &actual)
    );
}

fn first_diff(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}:\n- {x}\n+ {y}", i + 1))
        .unwrap_or_else(|| format!("lengths {} vs {}", a.len(), b.len()))
}

#[test]
fn json_report() {
    let out = kvet()
        .args(["config", INPUT, "-f", "json"])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_valid(&validator(&root().join("docs/report.schema.json")), &doc);
    golden("health-check.json", &out.stdout);

    let passed = kvet()
        .args(["config", INPUT, "-f", "json", "--include-passed"])
        .output()
        .unwrap();
    let doc = json_of(&passed.stdout);
    assert_valid(&validator(&root().join("docs/report.schema.json")), &doc);
    let n = doc["passed"].as_array().unwrap().len() as u64;
    assert_eq!(n, doc["summary"]["passed"].as_u64().unwrap());
    assert!(n > 0);
}

#[test]
fn sarif_report() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join(".kvetignore.yaml"),
        "ignore:\n- check: cpuRequestsMissing\n  reason: tuned later\n",
    )
    .unwrap();
    let input = root().join(INPUT);
    std::fs::copy(&input, d.path().join("health-check.yaml")).unwrap();
    let out = kvet()
        .current_dir(d.path())
        .args(["config", "health-check.yaml", "-f", "sarif"])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_valid(
        &validator(&root().join("crates/kvet-report/tests/schemas/sarif-schema-2.1.0.json")),
        &doc,
    );
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "health-check.yaml");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let suppressed: Vec<_> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert!(
        !suppressed.is_empty()
            && suppressed
                .iter()
                .all(|r| r["ruleId"] == "cpuRequestsMissing")
    );
    golden("health-check.sarif", &out.stdout);
}
