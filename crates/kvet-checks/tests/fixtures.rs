//! Runs every check against its fixtures in `tests/fixtures/<checkId>/`.
//!
//! A fixture is a manifest in the shape of real ones (most are trimmed from the Kubernetes
//! documentation's examples or the manifests in ../shared/testdata/manifests). A line ending
//! in `# expect: <checkId>` is where a finding of that check must point; `fail*.yaml` files
//! must have at least one such line, `pass*.yaml` none, and must actually exercise the check
//! (it applies to at least one object). Every check in the catalogue must have both.

mod common;
use common::run_check;
use std::path::Path;

fn expected_lines(text: &str, id: &str) -> Vec<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once("# expect:")
                .is_some_and(|(_, ids)| ids.split(',').any(|i| i.trim() == id))
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

fn run(id: &str, path: &Path) -> (Vec<u32>, u64) {
    let (all, errors) = run_check(id, &[path]);
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    let mut lines: Vec<u32> = all
        .findings
        .iter()
        .chain(all.ignored.iter().map(|i| &i.finding))
        .filter(|f| f.check_id == id)
        .map(|f| f.location.as_ref().and_then(|l| l.line).unwrap())
        .collect();
    lines.sort();
    let evaluated = all.tally.checks.get(id).map_or(0, |t| t.evaluated);
    (lines, evaluated)
}

#[test]
fn every_check_matches_its_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for check in kvet_checks::all() {
        let id = check.meta.id;
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
                "{id}: needs pass*.yaml and fail*.yaml in {}",
                dir.display()
            ));
            continue;
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut expected = expected_lines(&text, id);
            expected.sort();
            let (got, evaluated) = run(id, &f);
            let n = name(&f);
            if n.starts_with("fail") && expected.is_empty() {
                problems.push(format!(
                    "{id}/{n}: a fail fixture must mark lines with '# expect: {id}'"
                ));
            }
            if n.starts_with("pass") && !expected.is_empty() {
                problems.push(format!("{id}/{n}: a pass fixture must not expect findings"));
            }
            if evaluated == 0 {
                problems.push(format!("{id}/{n}: the check applied to no object"));
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
