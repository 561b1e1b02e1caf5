//! Differential test against Polaris's own fixtures for the checks kvet shares with it
//! (tests/polaris/<checkId>/, copied from FairwindsOps/polaris test/checks, Apache-2.0; see
//! tests/polaris/SOURCES.md): every `success*` file must pass, every `failure*` file must fail.

mod common;
use common::run_check;
use std::path::Path;

/// Fixtures where kvet judges differently from Polaris on purpose, with why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // Polaris fails a binding whose role does not exist; kvet judges a binding by the role it
    // grants and does not judge one whose role is not in the scan (manifests often bind roles
    // defined elsewhere, or built-in ones).
    (
        "clusterrolebindingPodExecAttach/failure.binding_points_to_missing_ref.yaml",
        "missing role",
    ),
    (
        "rolebindingClusterRolePodExecAttach/failure.binding_points_to_missing_ref.yaml",
        "missing role",
    ),
    (
        "rolebindingRolePodExecAttach/failure.binding_points_to_missing_ref.yaml",
        "missing role",
    ),
    (
        "rolebindingRolePodExecAttach/failure.role_omits_namespace.yaml",
        "missing role",
    ),
    // Polaris wants explicit rules in both directions; kvet counts a policy type without rules
    // (deny everything in that direction, the strictest policy) as restricting it.
    (
        "missingNetworkPolicy/failure.netpol_missing_egress_rules.yaml",
        "deny-all egress",
    ),
    (
        "missingNetworkPolicy/failure.netpol_missing_ingress_rules.yaml",
        "deny-all ingress",
    ),
];

fn findings(id: &str, path: &Path) -> usize {
    run_check(id, &[path])
        .0
        .findings
        .iter()
        .filter(|f| f.check_id == id)
        .count()
}

#[test]
fn kvet_agrees_with_polaris_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/polaris");
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let id = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(kvet_checks::find(&id).is_some(), "no kvet check {id}");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let should_fail = name.starts_with("failure");
            let n = findings(&id, &f);
            checked += 1;
            let key = format!("{id}/{name}");
            if KNOWN_DIFFERENCES.iter().any(|(k, _)| *k == key) {
                assert_eq!(n > 0, !should_fail, "{key}: the known difference is gone");
                continue;
            }
            if (n > 0) != should_fail {
                problems.push(format!(
                    "{key}: Polaris {}, kvet {n} finding(s)",
                    if should_fail { "fails" } else { "passes" }
                ));
            }
        }
    }
    assert!(checked >= 100, "only {checked} fixtures");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
