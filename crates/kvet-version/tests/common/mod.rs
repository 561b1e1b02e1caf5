//! Shared machinery of the differential tests: real version corpora, a seeded generator of
//! awkward versions, and batched oracle processes.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where `scripts/setup/versions.sh` installs the oracles.
pub fn oracle_dir() -> PathBuf {
    match std::env::var_os("KVET_VERSION_ORACLES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/kvet-version-oracles"),
    }
}

pub fn oracle_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracles")
        .join(name)
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Prints a loud skip marker; used only where an oracle cannot be installed.
pub fn skip(what: &str, why: &str) {
    eprintln!(
        "\n!!!!! SKIPPED differential test {what}: {why} (run scripts/setup/versions.sh) !!!!!\n"
    );
}

/// Runs one oracle process over all pairs (one "a<TAB>b" line each) and returns its output
/// lines, or None when the program cannot be started.
pub fn run_oracle(cmd: &mut Command, pairs: &[(String, String)]) -> Option<Vec<String>> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let _ = writer.join();
    let status = child.wait().ok()?;
    assert!(status.success(), "oracle {cmd:?} failed: {status}");
    let lines: Vec<String> = out.lines().map(str::to_string).collect();
    assert_eq!(
        lines.len(),
        pairs.len(),
        "oracle {cmd:?} answered {} of {} pairs",
        lines.len(),
        pairs.len()
    );
    Some(lines)
}

/// One oracle answer: validity of each side and the order ('<', '=', '>' or '?').
pub struct Answer<'a> {
    pub va: bool,
    pub vb: bool,
    pub ord: char,
    pub extra: Vec<&'a str>,
}

pub fn answer(line: &str) -> Answer<'_> {
    let mut fields = line.split('\t');
    let head = fields.next().unwrap_or("").as_bytes();
    assert!(head.len() == 3, "bad oracle line {line:?}");
    Answer {
        va: head[0] == b'1',
        vb: head[1] == b'1',
        ord: head[2] as char,
        extra: fields.collect(),
    }
}

pub fn sym(o: std::cmp::Ordering) -> char {
    match o {
        std::cmp::Ordering::Less => '<',
        std::cmp::Ordering::Equal => '=',
        std::cmp::Ordering::Greater => '>',
    }
}

/// Tallies agreement with an oracle and reports the first disagreements.
#[derive(Default)]
pub struct Tally {
    pub pairs: usize,
    pub compared: usize,
    pub bad: Vec<String>,
}

impl Tally {
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.compared += 1;
        if !ok {
            self.bad.push(what());
        }
    }

    pub fn finish(self, name: &str) {
        eprintln!(
            "kvet-version differential {name}: {} pairs, {} checks, {} disagreements",
            self.pairs,
            self.compared,
            self.bad.len()
        );
        assert!(self.pairs >= 2000, "{name}: only {} pairs", self.pairs);
        if !self.bad.is_empty() {
            let shown: Vec<_> = self.bad.iter().take(40).cloned().collect();
            panic!(
                "{name}: {} disagreements with the oracle, e.g.:\n{}",
                self.bad.len(),
                shown.join("\n")
            );
        }
    }
}

/// A small deterministic generator (xorshift64*), so every run tests the same pairs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Version-like strings built from `words` and `seps`: short and leading-zero numbers, huge
/// numbers, empty parts, doubled separators.
pub fn generate(rng: &mut Rng, words: &[&str], seps: &[&str]) -> String {
    let mut s = String::new();
    let parts = 1 + rng.below(5);
    for i in 0..parts {
        if i > 0 || rng.chance(10) {
            s.push_str(rng.pick::<&str>(seps));
        }
        match rng.below(10) {
            0..=4 => s.push_str(&rng.below(20).to_string()),
            5 => s.push_str(&format!("0{}", rng.below(10))),
            6 => {
                let n = 15 + rng.below(30);
                let digits: String = (0..n)
                    .map(|_| char::from(b'0' + rng.below(10) as u8))
                    .collect();
                s.push_str(&digits);
            }
            7 | 8 => s.push_str(rng.pick::<&str>(words)),
            _ => {
                s.push_str(rng.pick::<&str>(words));
                s.push_str(&rng.below(5).to_string());
            }
        }
    }
    s
}

/// A small edit of a real version: a character changed, a token inserted, or a cut.
pub fn mutate(rng: &mut Rng, v: &str, words: &[&str], seps: &[&str]) -> String {
    let chars: Vec<char> = v.chars().collect();
    let at = rng.below(chars.len() + 1);
    let head: String = chars[..at].iter().collect();
    let tail: String = chars[at..].iter().collect();
    match rng.below(6) {
        0 => head,
        1 => format!("{head}{}{tail}", rng.pick(seps)),
        2 => format!("{head}{}{tail}", rng.pick(words)),
        3 => format!("{head}{}{tail}", rng.below(100)),
        4 => {
            let t: String = tail.chars().skip(1).collect();
            format!("{head}{}{t}", rng.pick(seps))
        }
        _ => format!("{v}{}{}", rng.pick(seps), generate(rng, words, seps)),
    }
}

/// Pairs for one ecosystem: real versions against each other (random and sorted
/// neighbours), against small edits of themselves, and generated strings.
pub fn make_pairs(
    corpus: &[String],
    seed: u64,
    words: &[&str],
    seps: &[&str],
    n: usize,
) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let ok = |s: &str| !s.contains(['\t', '\n', '\r']);
    let real = |rng: &mut Rng| -> String {
        if corpus.is_empty() {
            String::new()
        } else {
            rng.pick(corpus).clone()
        }
    };
    while out.len() < n {
        let (a, b) = match rng.below(8) {
            0..=2 if !corpus.is_empty() => (real(&mut rng), real(&mut rng)),
            3 if !corpus.is_empty() => {
                let i = rng.below(corpus.len());
                (corpus[i].clone(), corpus[(i + 1) % corpus.len()].clone())
            }
            4 | 5 if !corpus.is_empty() => {
                let a = real(&mut rng);
                let b = mutate(&mut rng, &a, words, seps);
                (a, b)
            }
            6 if !corpus.is_empty() => (real(&mut rng), generate(&mut rng, words, seps)),
            _ => (
                generate(&mut rng, words, seps),
                generate(&mut rng, words, seps),
            ),
        };
        if ok(&a) && ok(&b) {
            out.push((a, b));
        }
    }
    out
}

pub fn testdata() -> PathBuf {
    kvet_core::testdata_dir()
        .expect("shared test data: set KVET_TESTDATA or place it beside the repo")
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Versions named in OSV advisories (`versions` and range events) whose ecosystem starts
/// with `prefix`, from JSON files and zip archives under `dir`.
pub fn osv_versions(dir: &Path, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut take = |text: &[u8]| {
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(text) else {
            return;
        };
        for aff in doc["affected"].as_array().into_iter().flatten() {
            let eco = aff["package"]["ecosystem"].as_str().unwrap_or("");
            if !eco.starts_with(prefix) {
                continue;
            }
            for v in aff["versions"].as_array().into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    out.insert(v.to_string());
                }
            }
            for r in aff["ranges"].as_array().into_iter().flatten() {
                if r["type"] == "GIT" {
                    continue;
                }
                for ev in r["events"].as_array().into_iter().flatten() {
                    for k in ["introduced", "fixed", "last_affected", "limit"] {
                        if let Some(v) = ev[k].as_str() {
                            if v != "0" && v != "*" {
                                out.insert(v.to_string());
                            }
                        }
                    }
                }
            }
        }
    };
    for f in files(dir) {
        if f.extension().is_some_and(|e| e == "json") {
            if let Ok(t) = std::fs::read(&f) {
                take(&t);
            }
        } else if f.extension().is_some_and(|e| e == "zip") {
            let Ok(file) = std::fs::File::open(&f) else {
                continue;
            };
            let Ok(mut z) = zip::ZipArchive::new(file) else {
                continue;
            };
            for i in 0..z.len() {
                let Ok(mut e) = z.by_index(i) else { continue };
                let mut buf = Vec::new();
                if e.read_to_end(&mut buf).is_ok() {
                    take(&buf);
                }
            }
        }
    }
    out
}

/// Values of `Key: value` lines (dpkg status files, apk `V:` lines) under `dir`.
pub fn field_values(dir: &Path, key: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files(dir) {
        let Ok(text) = std::fs::read(&f) else {
            continue;
        };
        for line in BufReader::new(&text[..]).lines().map_while(Result::ok) {
            if let Some(v) = line.strip_prefix(key) {
                let v = v.trim();
                if !v.is_empty() {
                    out.insert(v.to_string());
                }
            }
        }
    }
    out
}

/// `(package, version)` of every package this machine's APT lists know (`apt-cache
/// dumpavail`); empty when APT has no lists.
pub fn apt_available() -> Vec<(String, String)> {
    let Ok(out) = Command::new("apt-cache")
        .arg("dumpavail")
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut pkg = String::new();
    let mut res = Vec::new();
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("Package: ") {
            pkg = p.trim().to_string();
        } else if let Some(v) = line.strip_prefix("Version: ") {
            res.push((pkg.clone(), v.trim().to_string()));
        }
    }
    res
}

/// The upstream part of a Debian version (no epoch, no revision).
pub fn upstream(v: &str) -> String {
    let v = v.split_once(':').map_or(v, |(_, r)| r);
    let v = v.rsplit_once('-').map_or(v, |(u, _)| u);
    v.split(['+', '~']).next().unwrap_or(v).to_string()
}
