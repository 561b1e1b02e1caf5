//! `kvet config`: scan Kubernetes manifests and Dockerfiles.

use super::{output, Scanners};
use crate::cli::ConfigArgs;
use kvet_checks::{Engine, Partial};
use kvet_core::{CheckMeta, CheckTally, Finding, Notice, NoticeLevel, Report};
use kvet_dockerfile::{is_dockerfile_name, Facts};
use kvet_k8s::{discover_with, is_manifest_name, load_source, Input, Limits, LoadSummary};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub fn run(args: ConfigArgs) -> anyhow::Result<u8> {
    let prepared = output::prepare(&args.report)?;
    let scanners = Scanners::parse(&args.scanners)?;
    let only = super::only_checks(args.checks.as_deref())?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let report = collect(
        &paths,
        &prepared,
        &only,
        scanners,
        args.report.include_passed,
    )
    .into_report("config");
    output::finish(report, &args.report, prepared, !args.skip_invalid)
}

/// What the config scan of some paths produced, before whitelisting and rendering.
#[derive(Default)]
pub struct Collected {
    pub rules: Vec<&'static CheckMeta>,
    pub part: Partial,
    pub notices: Vec<Notice>,
    pub files: usize,
    pub errors: usize,
}

impl Collected {
    pub fn into_report(self, command: &str) -> Report {
        Report {
            command: command.into(),
            rules: self.rules,
            findings: self.part.findings,
            ignored: self.part.ignored,
            passed: self.part.passed,
            notices: self.notices,
            tally: self.part.tally,
            files: self.files,
            resources: self.part.resources,
            errors: self.errors,
            sections: Vec::new(),
            images: Vec::new(),
        }
    }
}

/// Whether a file found in a folder walk is scanned: manifests by extension, Dockerfiles by
/// name.
fn wanted(p: &Path) -> bool {
    is_manifest_name(p) || is_dockerfile(p)
}

fn is_dockerfile(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_dockerfile_name)
}

/// What one input gave.
#[derive(Default)]
struct InputResult {
    part: Partial,
    summary: LoadSummary,
    docker: CheckTally,
    secrets: Vec<Finding>,
    dockerfiles: usize,
}

/// Runs the config scan (misconfig checks on manifests and Dockerfiles, and, when asked,
/// secrets in manifest fields and Dockerfiles) on every input found under `paths`.
pub fn collect(
    paths: &[PathBuf],
    prepared: &output::Prepared,
    only: &[String],
    scanners: Scanners,
    include_passed: bool,
) -> Collected {
    let only: Vec<&str> = only.iter().map(String::as_str).collect();
    let (inputs, mut notices) = discover_with(paths, &wanted);
    let engine = Engine::new(prepared.settings.clone(), &only, include_passed);
    let limits = Limits::default();

    // Each input is read, parsed and evaluated on its own thread; objects never outlive
    // their document, so memory follows the largest document, not the corpus. Inputs go in
    // batches merged as they complete, so finished partials and the merged findings are
    // never both held whole.
    let batch = rayon::current_num_threads().max(1) * 8;
    let mut errors = notices.len();
    let mut all = Partial::default();
    let mut docker = CheckTally::default();
    let mut secrets = Vec::new();
    let mut dockerfiles = 0;
    for chunk in inputs.chunks(batch) {
        let results: Vec<InputResult> = chunk
            .par_iter()
            .map(|input| scan_input(input, &engine, prepared, &only, scanners, limits))
            .collect();
        for r in results {
            errors += r.summary.errors;
            notices.extend(r.summary.notices);
            Engine::merge(&mut all, r.part);
            docker.merge(r.docker);
            secrets.extend(r.secrets);
            dockerfiles += r.dockerfiles;
        }
    }
    let mut part = engine.judge(all);
    part.tally.merge(docker);
    part.findings.extend(secrets);
    part.resources += dockerfiles;
    let mut rules: Vec<&'static CheckMeta> = if scanners.misconfig {
        engine.check_metas().collect()
    } else {
        Vec::new()
    };
    if scanners.misconfig {
        rules.extend(
            kvet_dockerfile::all()
                .iter()
                .map(|c| &c.meta)
                .filter(|m| kvet_dockerfile::engine::is_active(m, &prepared.settings, &only)),
        );
    }
    Collected {
        rules,
        part,
        notices,
        files: inputs.len(),
        errors,
    }
}

fn error_summary(name: String, line: Option<u32>, message: String) -> LoadSummary {
    LoadSummary {
        objects: 0,
        errors: 1,
        notices: vec![Notice {
            level: NoticeLevel::Error,
            path: Some(name),
            line,
            message,
        }],
    }
}

fn scan_input(
    input: &Input,
    engine: &Engine,
    prepared: &output::Prepared,
    only: &[&str],
    scanners: Scanners,
    limits: Limits,
) -> InputResult {
    let name = input.display_name();
    let mut out = InputResult::default();
    let bytes = match input.read() {
        Ok(b) => b,
        Err(message) => {
            out.summary = error_summary(name, None, message);
            return out;
        }
    };
    if let Input::File(path) = input {
        if is_dockerfile(path) {
            scan_dockerfile(path, &name, &bytes, prepared, only, scanners, &mut out);
            return out;
        }
    }
    let secrets = &prepared.secrets;
    let part = &mut out.part;
    let found = &mut out.secrets;
    out.summary = load_source(&name, &bytes, limits, &mut |obj| {
        if scanners.misconfig {
            engine.evaluate(&obj, part);
        } else {
            part.resources += 1;
        }
        if scanners.secret {
            found.extend(secrets.scan_object(&obj));
        }
    });
    out.part.shrink_to_fit();
    out
}

/// Parses and checks one Dockerfile; the `.dockerignore` fact is gathered here, next to
/// the file, so the checks stay pure.
fn scan_dockerfile(
    path: &Path,
    name: &str,
    bytes: &[u8],
    prepared: &output::Prepared,
    only: &[&str],
    scanners: Scanners,
    out: &mut InputResult,
) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        out.summary = error_summary(name.to_string(), None, "not valid UTF-8 text".into());
        return;
    };
    let file = match kvet_dockerfile::parse(text) {
        Ok(f) => f,
        Err(kvet_dockerfile::DockerfileError::Syntax { line, message }) => {
            out.summary = error_summary(
                name.to_string(),
                Some(line),
                format!("invalid Dockerfile: {message}"),
            );
            return;
        }
        Err(e) => {
            out.summary = error_summary(name.to_string(), None, e.to_string());
            return;
        }
    };
    out.dockerfiles = 1;
    if scanners.misconfig {
        let dir = path.parent().unwrap_or(Path::new("."));
        let own = path
            .file_name()
            .map(|n| format!("{}.dockerignore", n.to_string_lossy()));
        let facts = Facts {
            has_dockerignore: dir.join(".dockerignore").is_file()
                || own.is_some_and(|o| dir.join(o).is_file()),
        };
        let a = kvet_dockerfile::analyse(&file, name, &facts, &prepared.settings, only);
        out.part.findings.extend(a.findings);
        out.docker = a.tally;
    }
    if scanners.secret {
        out.secrets.extend(prepared.secrets.scan_bytes(name, bytes));
    }
}
