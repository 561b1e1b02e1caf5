//! Differential test of the control-plane checks against kubescape's regolibrary test cases
//! (../shared/testdata/cis/kubescape-regolibrary: real kube-apiserver, controller-manager,
//! scheduler and etcd static pods from minikube and rke2, with kubescape's expected verdict in
//! each case's `expected.json` — a non-empty list means the rule fails).

mod common;
use common::run_check;
use std::path::PathBuf;

const RULES: &[(&str, &str)] = &[
    ("ensure-that-the-api-server-anonymous-auth-argument-is-set-to-false", "apiserverAnonymousAuth"),
    ("ensure-that-the-api-server-authorization-mode-argument-is-not-set-to-AlwaysAllow", "apiserverAlwaysAllowAuthorization"),
    ("ensure-that-the-api-server-encryption-provider-config-argument-is-set-as-appropriate", "apiserverEncryptionAtRestMissing"),
    ("ensure-that-the-api-server-audit-log-path-argument-is-set", "apiserverAuditLogMissing"),
    ("ensure-that-the-api-server-kubelet-certificate-authority-argument-is-set-as-appropriate", "apiserverKubeletCertificateAuthorityMissing"),
    ("ensure-that-the-api-server-tls-cert-file-and-tls-private-key-file-arguments-are-set-as-appropriate", "apiserverTlsMissing"),
    ("ensure-that-the-api-server-profiling-argument-is-set-to-false", "controlPlaneProfilingEnabled"),
    ("ensure-that-the-controller-manager-profiling-argument-is-set-to-false", "controlPlaneProfilingEnabled"),
    ("ensure-that-the-scheduler-profiling-argument-is-set-to-false", "controlPlaneProfilingEnabled"),
    ("ensure-that-the-controller-manager-use-service-account-credentials-argument-is-set-to-true", "controllerManagerServiceAccountCredentials"),
    ("ensure-that-the-controller-manager-bind-address-argument-is-set-to-127.0.0.1", "controlPlaneBindAddress"),
    ("ensure-that-the-scheduler-bind-address-argument-is-set-to-127.0.0.1", "controlPlaneBindAddress"),
    ("etcd-client-auth-cert", "etcdClientCertAuthDisabled"),
    ("etcd-peer-client-auth-cert", "etcdPeerClientCertAuthDisabled"),
    ("etcd-auto-tls-disabled", "etcdAutoTls"),
    ("etcd-peer-auto-tls-disabled", "etcdPeerAutoTls"),
];

/// Cases where kvet deliberately judges differently, with why. kubescape passes an API server
/// that has `--audit-log-path` but no `--audit-policy-file`; without a policy the API server
/// logs nothing, so kvet fails it.
const KNOWN_DIFFERENCES: &[&str] = &[
    "ensure-that-the-api-server-audit-log-path-argument-is-set/passed",
    "ensure-that-the-api-server-audit-log-path-argument-is-set/rke2-args",
];

fn rules_dir() -> PathBuf {
    kvet_core::testdata_dir()
        .expect("shared test data (set KVET_TESTDATA)")
        .join("cis/kubescape-regolibrary/rules")
}

fn findings(id: &str, inputs: &[PathBuf]) -> usize {
    let files: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
    run_check(id, &files).0.findings.len()
}

#[test]
fn control_plane_checks_agree_with_kubescape() {
    let root = rules_dir();
    if !root.is_dir() {
        panic!("kubescape test data not found at {}", root.display());
    }
    let mut cases = 0;
    let mut disagreements = Vec::new();
    for (rule, id) in RULES {
        let tests = root.join(rule).join("test");
        let mut dirs: Vec<_> = std::fs::read_dir(&tests)
            .unwrap_or_else(|e| panic!("{}: {e}", tests.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for case in dirs {
            let inputs: Vec<PathBuf> = std::fs::read_dir(case.join("input"))
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            let expected = std::fs::read_to_string(case.join("expected.json")).unwrap_or_default();
            let should_fail = serde_json::from_str::<serde_json::Value>(&expected)
                .ok()
                .and_then(|v| v.as_array().map(|a| !a.is_empty()))
                .unwrap_or(false);
            let got = findings(id, &inputs);
            cases += 1;
            let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
            if KNOWN_DIFFERENCES.contains(&name.as_str()) {
                assert_eq!(
                    got > 0,
                    !should_fail,
                    "{name}: the known difference is gone"
                );
                continue;
            }
            if (got > 0) != should_fail {
                disagreements.push(format!(
                    "{name}: kubescape {}, kvet {id} {} finding(s)",
                    if should_fail { "fails" } else { "passes" },
                    got
                ));
            }
        }
    }
    assert!(cases >= 40, "only {cases} cases found");
    assert!(disagreements.is_empty(), "\n{}", disagreements.join("\n"));
}
