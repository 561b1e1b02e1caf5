//! What the check tests share: run one check over some files, as `kvet config --checks ID`.

use kvet_checks::{Engine, Partial, Settings};
use kvet_core::Notice;
use kvet_k8s::{load_source, Limits};
use std::path::Path;

/// Runs only check `id` over `files` (enabled even if off by default) and returns the judged
/// result with the loader's error notices.
pub fn run_check(id: &str, files: &[&Path]) -> (Partial, Vec<Notice>) {
    let engine = Engine::new(Settings::default(), &[id], false);
    let mut part = Partial::default();
    let mut errors = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        let summary = load_source(
            &f.display().to_string(),
            &bytes,
            Limits::default(),
            &mut |o| engine.evaluate(&o, &mut part),
        );
        if summary.errors > 0 {
            errors.extend(summary.notices);
        }
    }
    (engine.finish([part]), errors)
}
