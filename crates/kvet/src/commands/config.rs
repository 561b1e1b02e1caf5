//! `kvet config`: scan Kubernetes manifests.

use super::output;
use crate::cli::ConfigArgs;
use kvet_checks::{Engine, Partial};
use kvet_core::Report;
use kvet_k8s::{discover, load_source, Input, Limits};
use rayon::prelude::*;
use std::path::PathBuf;

pub fn run(args: ConfigArgs) -> anyhow::Result<u8> {
    let prepared = output::prepare(&args.report)?;
    let only = only_checks(&args.checks)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (inputs, mut notices) = discover(&paths);
    let engine = Engine::new(prepared.settings.clone(), &only, args.report.include_passed);
    let limits = Limits::default();

    // Each input is read, parsed and evaluated on its own thread; objects never outlive
    // their document, so memory follows the largest document, not the corpus. Inputs go in
    // batches merged as they complete, so finished partials and the merged findings are
    // never both held whole.
    let batch = rayon::current_num_threads().max(1) * 8;
    let mut errors = notices.len();
    let mut all = Partial::default();
    for chunk in inputs.chunks(batch) {
        let done: Vec<(Partial, kvet_k8s::LoadSummary)> = chunk
            .par_iter()
            .map(|input| scan_input(input, &engine, limits))
            .collect();
        for (part, summary) in done {
            errors += summary.errors;
            notices.extend(summary.notices);
            Engine::merge(&mut all, part);
        }
    }
    let all = engine.judge(all);
    let report = Report {
        command: "config".into(),
        rules: engine.check_metas().collect(),
        findings: all.findings,
        ignored: all.ignored,
        passed: all.passed,
        notices,
        tally: all.tally,
        files: inputs.len(),
        resources: all.resources,
        errors,
        sections: Vec::new(),
    };
    output::finish(report, &args.report, prepared, !args.skip_invalid)
}

/// The ids of `--checks`, each of which must exist.
pub(crate) fn only_checks(list: &Option<String>) -> anyhow::Result<Vec<&str>> {
    let only: Vec<&str> = list
        .as_deref()
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for id in &only {
        if kvet_checks::find(id).is_none() {
            anyhow::bail!("unknown check '{id}' in --checks (see `kvet checks`)");
        }
    }
    Ok(only)
}

fn scan_input(input: &Input, engine: &Engine, limits: Limits) -> (Partial, kvet_k8s::LoadSummary) {
    let name = input.display_name();
    let mut part = Partial::default();
    let summary = match input.read() {
        Ok(bytes) => load_source(&name, &bytes, limits, &mut |obj| {
            engine.evaluate(&obj, &mut part)
        }),
        Err(message) => kvet_k8s::LoadSummary {
            objects: 0,
            errors: 1,
            notices: vec![kvet_core::Notice {
                level: kvet_core::NoticeLevel::Error,
                path: Some(name),
                line: None,
                message,
            }],
        },
    };
    part.shrink_to_fit();
    (part, summary)
}
