//! Runs every Dockerfile check against its fixtures in `tests/fixtures/<checkId>/`.
//!
//! `fail*.Dockerfile` files mark where findings must point with a comment line
//! `# expect: <checkId>` placed just above the offending instruction (a trailing comment is
//! not possible in a Dockerfile: `#` mid-line is part of the arguments). `pass*.Dockerfile`
//! files have no such line and must exercise the check (it applies). A line `# fact:
//! dockerignore` tells the analysis a `.dockerignore` lies next to the file. Every check
//! must have both kinds of fixture, and its own catalogue example must pass it.

use kvet_checks::Settings;
use kvet_dockerfile::{analyse, parse, Facts};
use std::path::Path;

fn expected_lines(text: &str, id: &str) -> Vec<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some((_, ids)) = l.split_once("# expect:") else {
            continue;
        };
        if !ids.split(',').any(|x| x.trim() == id) {
            continue;
        }
        let next = lines[i + 1..]
            .iter()
            .position(|n| !n.trim().is_empty() && !n.trim_start().starts_with('#'))
            .map(|p| (i + 1 + p + 1) as u32);
        out.push(
            next.unwrap_or_else(|| {
                panic!("'# expect' on line {} has no instruction after it", i + 1)
            }),
        );
    }
    out
}

fn run(id: &str, text: &str, name: &str) -> (Vec<u32>, u64) {
    let file = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let facts = Facts {
        has_dockerignore: text.lines().any(|l| l.trim() == "# fact: dockerignore"),
    };
    let a = analyse(&file, name, &facts, &Settings::default(), &[id]);
    let mut lines: Vec<u32> = a
        .findings
        .iter()
        .filter(|f| f.check_id == id)
        .map(|f| f.location.as_ref().and_then(|l| l.line).unwrap_or(0))
        .collect();
    lines.sort();
    let evaluated = a.tally.checks.get(id).map_or(0, |t| t.evaluated);
    (lines, evaluated)
}

#[test]
fn every_check_matches_its_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for check in kvet_dockerfile::all() {
        let id = check.meta.id;
        let (got, _) = run(id, check.meta.example, "example");
        if !got.is_empty() {
            problems.push(format!("{id}: its own example fails it at lines {got:?}"));
        }
        let dir = root.join(id);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().to_string();
        if !files.iter().any(|p| name(p).starts_with("pass"))
            || !files.iter().any(|p| name(p).starts_with("fail"))
        {
            problems.push(format!(
                "{id}: needs pass*.Dockerfile and fail*.Dockerfile in {}",
                dir.display()
            ));
            continue;
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let n = name(&f);
            let mut expected = expected_lines(&text, id);
            expected.sort();
            let (got, evaluated) = run(id, &text, &n);
            if n.starts_with("fail") && expected.is_empty() {
                problems.push(format!(
                    "{id}/{n}: a fail fixture must mark lines with '# expect: {id}'"
                ));
            }
            if n.starts_with("pass") && !expected.is_empty() {
                problems.push(format!("{id}/{n}: a pass fixture must not expect findings"));
            }
            if evaluated == 0 {
                problems.push(format!("{id}/{n}: the check did not apply"));
            }
            if got != expected {
                problems.push(format!(
                    "{id}/{n}: findings at lines {got:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
