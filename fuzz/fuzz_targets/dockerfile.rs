//! Parse arbitrary text as a Dockerfile and run every check on what parses: neither may
//! panic, and every finding must point at a line of the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = kvet_dockerfile::parse(text) {
        let settings = kvet_checks::Settings::default();
        let facts = kvet_dockerfile::Facts::default();
        let a = kvet_dockerfile::analyse(&file, "Dockerfile", &facts, &settings, &[]);
        let lines = text.lines().count().max(1) as u32 + 1;
        for f in a.findings {
            let line = f.location.and_then(|l| l.line).unwrap_or(0);
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        }
    }
});
