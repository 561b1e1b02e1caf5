//! Inputs found by `cargo fuzz run dockerfile` (fuzz/) that once crashed or misbehaved, plus
//! hand-written edge cases: each must parse or fail with an error naming a line of the input,
//! and the checks must run on whatever parses, with findings inside the file.

use kvet_checks::Settings;
use kvet_dockerfile::{analyse, parse, DockerfileError, Facts};
use std::path::Path;

fn exercise(name: &str, text: &str) {
    let lines = text.lines().count().max(1) as u32 + 1;
    match parse(text) {
        Ok(file) => {
            let a = analyse(&file, name, &Facts::default(), &Settings::default(), &[]);
            for f in a.findings {
                let l = f.location.and_then(|l| l.line).unwrap_or(0);
                assert!(
                    (1..=lines).contains(&l),
                    "{name}: finding at line {l} of {lines}"
                );
            }
        }
        Err(DockerfileError::Syntax { line, message }) => {
            assert!(
                (1..=lines).contains(&line),
                "{name}: error at line {line} of {lines} ({message}) for {text:?}"
            );
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

#[test]
fn fuzz_regressions_and_edge_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        if let Ok(text) = std::str::from_utf8(&bytes) {
            exercise(&p.display().to_string(), text);
            n += 1;
        }
    }
    for text in [
        "",
        "\n\n",
        "# only a comment\n",
        "FROM",
        "FROM a\nRUN \\",
        "FROM a\nRUN <<",
        "FROM a\nRUN <<EOF\n",
        "FROM a\nCOPY <<A <<B /x\nA\n",
        "FROM a AS\n",
        "FROM a\nENV\n",
        "FROM a\nARG =\nENV =x\n",
        "FROM ${X:-${Y:-${Z}}}\nWORKDIR ${\n",
        "# escape=`\nFROM a\nRUN x `",
        "FROM a\nONBUILD ONBUILD RUN x\n",
        "FROM a\nHEALTHCHECK\n",
        "FROM a\nUSER\n",
        "FROM a\nEXPOSE 22-\n",
        "FROM a\nRUN chmod 7777777 x && chmod +++ y\n",
        "FROM a\nRUN apt-get install -o\n",
        "\u{feff}FROM a\r\nRUN \"unterminated\n",
    ] {
        exercise("inline", text);
        n += 1;
    }
    assert!(n >= 20);
}
