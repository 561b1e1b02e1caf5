//! JUnit XML for CI systems that show test reports: one test suite per scanned file, one
//! failed test case per finding, skipped ones for ignored findings and, with
//! `--include-passed`, passed ones.

use crate::RenderOptions;
use kvet_core::{Finding, Report};
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};

fn case_name(
    check: &str,
    f_res: Option<&kvet_core::ResourceRef>,
    container: Option<&str>,
) -> String {
    let mut s = format!("[{check}]");
    if let Some(r) = f_res {
        s.push_str(&format!(" {r}"));
    }
    if let Some(c) = container {
        s.push_str(&format!(" container {c}"));
    }
    s
}

fn file_of(f: &Finding) -> String {
    f.location
        .as_ref()
        .map_or_else(|| "(no file)".to_string(), |l| l.path.to_string())
}

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for f in &report.findings {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{}: {}", f.severity, f.message));
        status.set_type(f.severity.as_str());
        let line = f
            .location
            .as_ref()
            .and_then(|l| l.line)
            .map_or(String::new(), |l| format!(" (line {l})"));
        status.set_description(format!("{}{line}\nRemediation: {}", f.title, f.remediation));
        let tc = TestCase::new(
            case_name(&f.check_id, f.resource.as_deref(), f.container.as_deref()),
            status,
        );
        suites
            .entry(file_of(f))
            .or_insert_with_key(|k| TestSuite::new(k.clone()))
            .add_test_case(tc);
    }
    for i in &report.ignored {
        let f = &i.finding;
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("ignored: {} ({})", i.reason, i.source));
        let tc = TestCase::new(
            case_name(&f.check_id, f.resource.as_deref(), f.container.as_deref()),
            status,
        );
        suites
            .entry(file_of(f))
            .or_insert_with_key(|k| TestSuite::new(k.clone()))
            .add_test_case(tc);
    }
    if opts.include_passed {
        for p in &report.passed {
            let tc = TestCase::new(
                case_name(p.check_id, Some(&p.resource), None),
                TestCaseStatus::success(),
            );
            let file = p.path.clone().unwrap_or_else(|| "(no file)".into());
            suites
                .entry(file)
                .or_insert_with_key(|k| TestSuite::new(k.clone()))
                .add_test_case(tc);
        }
    }
    let mut r = JReport::new("kvet");
    r.add_test_suites(suites.into_values());
    let xml = r.to_string().map_err(io::Error::other)?;
    out.write_all(xml.as_bytes())
}
