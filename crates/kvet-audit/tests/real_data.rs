//! The analysis on real audit events: falco's k8s_audit trace files and audit2rbac's demo.log
//! (../shared/testdata/audit, see its SOURCES.md; `KVET_AUDIT_TESTDATA` overrides the folder).
//! Each test names the files it reads and asserts exact counts and matches.

use kvet_audit::reader::EventReader;
use kvet_audit::{analyse, Analysis, Filters, Input, Limits, Options};
use std::io::Write;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    let dir = std::env::var_os("KVET_AUDIT_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            kvet_core::testdata_dir()
                .expect("shared test data (set KVET_TESTDATA)")
                .join("audit")
        });
    let p = dir.join(name);
    assert!(
        p.exists(),
        "test data missing: {} (set KVET_AUDIT_TESTDATA)",
        p.display()
    );
    p
}

fn run(files: &[&str], filters: Filters) -> Analysis {
    let inputs: Vec<Input> = files.iter().map(|f| Input::Path(data(f))).collect();
    analyse(&inputs, Limits::default(), Options::default(), filters)
}

/// (rule, user, resource, namespace, name, detail) of every listed match, in order.
type Match = (String, String, String, String, String, String);

fn matches(a: &Analysis) -> Vec<Match> {
    a.report
        .sensitive
        .iter()
        .chain(&a.report.risky)
        .map(|l| {
            (
                l.rule.to_string(),
                l.user.clone(),
                l.resource.clone(),
                l.namespace.clone().unwrap_or_default(),
                l.name.clone().unwrap_or_default(),
                l.detail.clone(),
            )
        })
        .collect()
}

fn m(rule: &str, user: &str, res: &str, ns: &str, name: &str, detail: &str) -> Match {
    (
        rule.into(),
        user.into(),
        res.into(),
        ns.into(),
        name.into(),
        detail.into(),
    )
}

const MINIKUBE: &str = "minikube-user";
const RS: &str = "system:serviceaccount:kube-system:replicaset-controller";
const POD: &str = "nginx-deployment-7998647bdf-phvq7";

/// Every falco trace file alone: events read, requests, and exactly what was flagged.
#[test]
fn each_falco_file_flags_exactly_its_operation() {
    let expect: Vec<(&str, u64, Vec<Match>)> = vec![
        (
            "exec_pod.json",
            1,
            vec![m(
                "auditPodExec",
                MINIKUBE,
                "pods/exec",
                "default",
                POD,
                "command bash",
            )],
        ),
        (
            "attach_pod.json",
            1,
            vec![m(
                "auditPodAttach",
                MINIKUBE,
                "pods/attach",
                "default",
                POD,
                "",
            )],
        ),
        (
            "create_nginx_pod_privileged.json",
            1,
            vec![m(
                "auditPrivilegedPod",
                RS,
                "pods",
                "default",
                "",
                "privileged container nginx",
            )],
        ),
        (
            "create_nginx_pod_privileged_2nd_container.json",
            1,
            vec![m(
                "auditPrivilegedPod",
                RS,
                "pods",
                "default",
                "",
                "privileged container mysql",
            )],
        ),
        (
            "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json",
            1,
            vec![m(
                "auditPrivilegedPod",
                RS,
                "pods",
                "default",
                "",
                "privileged container mysql",
            )],
        ),
        (
            "create_nginx_pod_hostnetwork.json",
            1,
            vec![m(
                "auditHostNamespacePod",
                RS,
                "pods",
                "default",
                "",
                "hostNetwork",
            )],
        ),
        (
            "create_nginx_pod_sensitive_mount.json",
            1,
            vec![m(
                "auditHostPathPod",
                RS,
                "pods",
                "default",
                "",
                "hostPath /etc",
            )],
        ),
        (
            "create_nginx_pod_sensitive_mount_2nd_container.json",
            1,
            vec![m(
                "auditHostPathPod",
                RS,
                "pods",
                "default",
                "",
                "hostPath /etc",
            )],
        ),
        (
            "anonymous_creates_namespace_foo.json",
            1,
            vec![m(
                "auditAnonymousRequest",
                "system:anonymous",
                "namespaces",
                "",
                "foo",
                "",
            )],
        ),
        (
            "create_clusterrole.json",
            1,
            vec![m(
                "auditRbacChange",
                MINIKUBE,
                "clusterroles",
                "",
                "some-reader",
                "",
            )],
        ),
        (
            "create_clusterrolebinding.json",
            1,
            vec![m(
                "auditRbacChange",
                MINIKUBE,
                "clusterrolebindings",
                "",
                "some-reader-binding",
                "",
            )],
        ),
        (
            "attach_cluster_admin_role.json",
            1,
            vec![m(
                "auditRbacChange",
                MINIKUBE,
                "clusterrolebindings",
                "",
                "some-reader-binding",
                "",
            )],
        ),
        (
            "modify_cluster_role_node_problem_detector.json",
            1,
            vec![m(
                "auditRbacChange",
                MINIKUBE,
                "clusterroles",
                "",
                "system:node-problem-detector",
                "",
            )],
        ),
        (
            "delete_clusterrole.json",
            1,
            vec![
                m(
                    "auditDelete",
                    MINIKUBE,
                    "clusterroles",
                    "",
                    "some-reader",
                    "",
                ),
                m(
                    "auditRbacChange",
                    MINIKUBE,
                    "clusterroles",
                    "",
                    "some-reader",
                    "",
                ),
            ],
        ),
        (
            "delete_secret.json",
            1,
            vec![m(
                "auditDelete",
                MINIKUBE,
                "secrets",
                "default",
                "example-secret",
                "",
            )],
        ),
        (
            "delete_namespace_foo.json",
            1,
            vec![m("auditDelete", MINIKUBE, "namespaces", "foo", "foo", "")],
        ),
        (
            "delete_deployment.json",
            1,
            vec![m(
                "auditDelete",
                MINIKUBE,
                "deployments",
                "default",
                "nginx-deployment",
                "",
            )],
        ),
        // Nothing sensitive: an unprivileged pod, a non-host mount, config maps, and a token
        // Secret logged at level Metadata (no body, so its type is unknown).
        ("create_nginx_pod_unprivileged.json", 1, vec![]),
        ("create_nginx_pod_unsensitive_mount.json", 1, vec![]),
        ("create_nginx_pod_nohostnetwork.json", 1, vec![]),
        ("create_configmap_sensitive_values.json", 6, vec![]),
        ("create_service_account_token_secret.json", 1, vec![]),
        ("minikube_creates_namespace_foo.json", 1, vec![]),
    ];
    for (file, requests, want) in expect {
        let a = run(&[file], Filters::default());
        assert_eq!(a.report.totals.events_read, requests, "{file}");
        assert_eq!(a.report.totals.requests, requests, "{file}");
        assert_eq!(matches(&a), want, "{file}");
        assert_eq!(
            a.findings.len(),
            want.len(),
            "{file}: one finding per match here"
        );
    }
}

/// exec_pod.json: the listed entry carries time, source IP, outcome and location.
#[test]
fn exec_is_listed_with_its_context() {
    let a = run(&["exec_pod.json"], Filters::default());
    let l = &a.report.sensitive[0];
    assert_eq!(l.time.as_deref(), Some("2018-10-26T13:38:34Z"));
    assert_eq!(l.source_ip.as_deref(), Some("192.168.99.1"));
    assert_eq!(l.outcome, "allowed (101)");
    assert_eq!((l.input, l.line), (0, Some(1)));
    let f = &a.findings[0];
    assert_eq!(f.check_id, "auditPodExec");
    assert_eq!(f.class, kvet_core::FindingClass::Audit);
    assert_eq!(f.severity, kvet_core::Severity::High);
    let loc = f.location.as_ref().unwrap();
    assert!(loc.path.ends_with("exec_pod.json") && loc.line == Some(1));
}

/// audit2rbac/demo.log: 37 v1 events, all impersonated by system:admin, 11 refused.
#[test]
fn demo_log_impersonation_and_refusals() {
    let a = run(&["audit2rbac/demo.log"], Filters::default());
    let t = &a.report.totals;
    assert_eq!(
        (t.events_read, t.requests, t.refused, t.users),
        (37, 37, 11, 3)
    );
    assert_eq!((t.sensitive, t.risky), (0, 37));
    let counts: Vec<(&str, u64)> = a
        .report
        .rules
        .iter()
        .filter(|r| r.matches > 0)
        .map(|r| (r.id, r.matches))
        .collect();
    assert_eq!(
        counts,
        vec![("auditForbidden", 11), ("auditImpersonation", 37)]
    );
    let users: Vec<(&str, u64, u64)> = a
        .report
        .users
        .iter()
        .map(|u| (u.user.as_str(), u.requests, u.refused))
        .collect();
    assert_eq!(
        users,
        vec![
            ("bob", 29, 4),
            ("system:serviceaccount:ns1:sa1", 5, 4),
            ("alice", 3, 3)
        ]
    );
    // alice's `list secrets` was refused: a refused attempt, not a secret read.
    assert!(a.report.sensitive.is_empty());
    assert!(a
        .report
        .risky
        .iter()
        .any(|l| l.rule == "auditForbidden" && l.user == "alice" && l.resource == "secrets"));
    assert!(a
        .report
        .risky
        .iter()
        .filter(|l| l.rule == "auditImpersonation")
        .all(|l| l.impersonated_by.as_deref() == Some("system:admin")));
    // Findings are aggregated: 3 impersonation (one per user), 9 (user, resource, verb) refusals.
    assert_eq!(a.findings.len(), 12);
}

/// demo.log with --user, --namespace, --since/--until.
#[test]
fn filters() {
    let by_user = run(
        &["audit2rbac/demo.log"],
        Filters {
            user: Some("alice".into()),
            ..Filters::default()
        },
    );
    assert_eq!(
        (
            by_user.report.totals.requests,
            by_user.report.totals.filtered_out
        ),
        (3, 34)
    );
    // --user also matches the impersonator.
    let admin = run(
        &["audit2rbac/demo.log"],
        Filters {
            user: Some("system:admin".into()),
            ..Filters::default()
        },
    );
    assert_eq!(admin.report.totals.requests, 37);
    let ns = run(
        &["audit2rbac/demo.log"],
        Filters {
            namespace: Some("ns1".into()),
            ..Filters::default()
        },
    );
    assert!(ns.report.totals.requests > 0);
    assert!(ns.report.namespaces.iter().all(|n| n.namespace == "ns1"));
    let t = |s: &str| kvet_audit::parse_bound(s).unwrap();
    let window = run(
        &["audit2rbac/demo.log"],
        Filters {
            since: Some(t("2017-09-11T20:00:00Z")),
            until: Some(t("2017-09-11T20:02:00Z")),
            ..Filters::default()
        },
    );
    assert_eq!(
        window.report.totals.requests, 5,
        "sa1's five requests at 20:00:59–20:01:50"
    );
}

/// All 47 falco files and demo.log merged: time order, the one malformed file, and two falco
/// fixtures that are edits of one event (same auditID: counted once).
#[test]
fn everything_merged_in_time_order() {
    let mut files: Vec<String> = std::fs::read_dir(data(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 47);
    files.push("audit2rbac/demo.log".into());
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let a = run(&names, Filters::default());
    let t = &a.report.totals;
    assert_eq!((t.events_read, t.duplicate_stages, t.requests), (88, 2, 86));
    let bad: Vec<_> = a.report.inputs.iter().filter(|i| i.malformed > 0).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].name.ends_with("fal_01_003.json"));
    assert_eq!(bad[0].malformed_lines[0].0, 1);
    assert!(a
        .notices
        .iter()
        .any(|n| n.line == Some(1) && n.message.contains("malformed")));
    let times: Vec<&str> = a
        .report
        .sensitive
        .iter()
        .filter_map(|l| l.time.as_deref())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let counts: Vec<(&str, u64)> = a
        .report
        .rules
        .iter()
        .filter(|r| r.matches > 0)
        .map(|r| (r.id, r.matches))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("auditPodExec", 1),
            ("auditPodAttach", 1),
            ("auditDelete", 9),
            ("auditRbacChange", 11),
            ("auditPrivilegedPod", 2),
            ("auditHostNamespacePod", 1),
            ("auditHostPathPod", 2),
            ("auditForbidden", 11),
            ("auditAnonymousRequest", 1),
            ("auditImpersonation", 37),
            ("auditNewSourceIp", 1),
        ]
    );
    // minikube-user moved from 192.168.99.1 (2018) to 192.168.64.1 (2020).
    let ip = a
        .report
        .risky
        .iter()
        .find(|l| l.rule == "auditNewSourceIp")
        .unwrap();
    assert_eq!(
        (ip.user.as_str(), ip.source_ip.as_deref()),
        (MINIKUBE, Some("192.168.64.1"))
    );
}

fn lines_of(file: &str) -> Vec<String> {
    std::fs::read_to_string(data(file))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// exec_pod.json re-logged at three stages (RequestReceived, ResponseStarted, ResponseComplete)
/// counts once, with the final stage's response code.
#[test]
fn stages_of_one_request_count_once() {
    let line = &lines_of("exec_pod.json")[0];
    let received = line
        .replace(
            r#""stage":"ResponseStarted""#,
            r#""stage":"RequestReceived""#,
        )
        .replace(r#""responseStatus":{"code":101,"metadata":{}},"#, "");
    let complete = line.replace(
        r#""stage":"ResponseStarted""#,
        r#""stage":"ResponseComplete""#,
    );
    let d = tempfile::tempdir().unwrap();
    let p = temp_file(
        &d,
        "stages.log",
        format!("{received}\n{line}\n{complete}\n").as_bytes(),
    );
    let a = analyse(
        &[Input::Path(p)],
        Limits::default(),
        Options::default(),
        Filters::default(),
    );
    let t = &a.report.totals;
    assert_eq!((t.events_read, t.duplicate_stages, t.requests), (3, 2, 1));
    assert_eq!(a.report.sensitive.len(), 1);
    assert_eq!(a.report.sensitive[0].code, Some(101));
}

/// demo.log gzip-compressed, then the same truncated: what was read is reported, then a clear
/// error.
#[test]
fn gzip_and_truncated_gzip() {
    let text = std::fs::read(data("audit2rbac/demo.log")).unwrap();
    // Enough distinct events that a cut falls mid-stream: demo.log 200 times, new auditIDs.
    let mut big = Vec::new();
    for i in 0..200 {
        big.extend_from_slice(
            String::from_utf8_lossy(&text)
                .replace("\"auditID\":\"", &format!("\"auditID\":\"{i}-"))
                .as_bytes(),
        );
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&big).unwrap();
    let gz = enc.finish().unwrap();
    let d = tempfile::tempdir().unwrap();
    let whole = temp_file(&d, "audit.log.gz", &gz);
    let cut = temp_file(&d, "cut.log.gz", &gz[..gz.len() / 2]);

    let a = analyse(
        &[Input::Path(whole)],
        Limits::default(),
        Options::default(),
        Filters::default(),
    );
    assert_eq!(a.report.totals.requests, 37 * 200);
    assert!(a.report.inputs[0].gzip && a.report.inputs[0].error.is_none());

    let a = analyse(
        &[Input::Path(cut)],
        Limits::default(),
        Options::default(),
        Filters::default(),
    );
    let s = &a.report.inputs[0];
    let err = s.error.as_deref().unwrap();
    assert!(
        err.starts_with("gzip stream is truncated: stopped after line "),
        "{err}"
    );
    assert!(s.events > 0 && s.events < 37 * 200, "{} events", s.events);
    assert!(
        err.contains(&format!("({} events read before)", s.events)),
        "{err}"
    );
    assert_eq!(a.report.totals.requests, s.events);
}

/// demo.log's events as one pretty-printed EventList document.
#[test]
fn event_list_document() {
    let items: Vec<serde_json::Value> = lines_of("audit2rbac/demo.log")
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let doc = serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items});
    let d = tempfile::tempdir().unwrap();
    let p = temp_file(
        &d,
        "list.json",
        serde_json::to_string_pretty(&doc).unwrap().as_bytes(),
    );
    let a = analyse(
        &[Input::Path(p)],
        Limits::default(),
        Options::default(),
        Filters::default(),
    );
    assert_eq!(a.report.inputs[0].format, "event-list");
    assert_eq!(
        (a.report.totals.requests, a.report.totals.refused),
        (37, 11)
    );
    // The same list on one line (JSON lines holding an EventList).
    let p = temp_file(
        &d,
        "list.jsonl",
        serde_json::to_string(&doc).unwrap().as_bytes(),
    );
    let a = analyse(
        &[Input::Path(p)],
        Limits::default(),
        Options::default(),
        Filters::default(),
    );
    assert_eq!(
        (a.report.inputs[0].format, a.report.totals.requests),
        ("json-lines", 37)
    );
}

/// Malformed lines among demo.log's: counted, the first five listed by line number.
#[test]
fn malformed_lines_are_counted_and_sampled() {
    let mut text = String::new();
    for (i, l) in lines_of("audit2rbac/demo.log").iter().enumerate() {
        text.push_str(l);
        text.push('\n');
        if i % 5 == 0 {
            text.push_str(&l[..l.len() / 2]); // a cut line
            text.push('\n');
        }
    }
    let d = tempfile::tempdir().unwrap();
    let p = temp_file(&d, "bad.log", text.as_bytes());
    let mut reader = EventReader::new(&[Input::Path(p)], Limits::default());
    let n = reader.by_ref().count();
    let s = &reader.into_stats()[0];
    assert_eq!(n, 37);
    assert_eq!(s.malformed, 8);
    let lines: Vec<u64> = s.malformed_lines.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![2, 8, 14, 20, 26]);
}
