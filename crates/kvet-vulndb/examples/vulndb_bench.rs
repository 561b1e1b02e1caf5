//! Benchmark driver for bench/vulndb_bench.sh.
//!
//! `vulndb_bench generate OSV_DIR OUT_DIR COPIES`: replicates every real record under OSV_DIR
//! (folders of *.json and all.zip archives) COPIES times into per-ecosystem `all.zip` files
//! (new ids `<id>-R<n>`, package names `<name>~<n>` for the copies, so the database grows in
//! packages as a real one does, not only in advisories per package).
//!
//! `vulndb_bench import DB ZIP_DIR [--sequential]`: imports every zip, prints records/s.
//!
//! `vulndb_bench match DB`: opens the database and matches a 1,000-package inventory (real
//! names from the records, nine in ten at a version past every fix), five times; prints each.

use kvet_vulndb::import::{self, Input};
use kvet_vulndb::{PackageQuery, VulnDb};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("generate") => generate(Path::new(&a[2]), Path::new(&a[3]), a[4].parse().unwrap()),
        Some("import") => run_import(
            Path::new(&a[2]),
            Path::new(&a[3]),
            a.get(4).is_some_and(|s| s == "--sequential"),
        ),
        Some("match") => run_match(Path::new(&a[2])),
        _ => eprintln!("usage: vulndb_bench generate|import|match …"),
    }
}

fn records(osv: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(osv).sort_by_file_name() {
        let e = e.unwrap();
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            out.push(serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap());
        } else if p.extension().is_some_and(|x| x == "zip") {
            let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                out.push(serde_json::from_slice(&b).unwrap());
            }
        }
    }
    out
}

fn generate(osv: &Path, out: &Path, copies: usize) {
    let recs = records(osv);
    std::fs::create_dir_all(out).unwrap();
    let mut zips: BTreeMap<String, zip::ZipWriter<std::fs::File>> = BTreeMap::new();
    let mut n = 0;
    for c in 0..copies {
        for r in &recs {
            let mut r = r.clone();
            let base = r["affected"][0]["package"]["ecosystem"]
                .as_str()
                .unwrap_or("Other")
                .split(':')
                .next()
                .unwrap()
                .to_string();
            if c > 0 {
                let id = format!("{}-R{c}", r["id"].as_str().unwrap());
                r["id"] = id.into();
                if let Some(aff) = r["affected"].as_array_mut() {
                    for a in aff {
                        let name = format!("{}~{c}", a["package"]["name"].as_str().unwrap_or(""));
                        a["package"]["name"] = name.into();
                    }
                }
            }
            let z = zips.entry(base.clone()).or_insert_with(|| {
                std::fs::create_dir_all(out.join(&base)).unwrap();
                zip::ZipWriter::new(std::fs::File::create(out.join(&base).join("all.zip")).unwrap())
            });
            z.start_file(
                format!("{n}-{}.json", r["id"].as_str().unwrap()),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            z.write_all(serde_json::to_string_pretty(&r).unwrap().as_bytes())
                .unwrap();
            n += 1;
        }
    }
    for (_, z) in zips {
        z.finish().unwrap();
    }
    println!("generated {n} records");
}

fn zips(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    v.sort();
    v
}

fn run_import(db: &Path, dir: &Path, sequential: bool) {
    let inputs: Vec<Input> = zips(dir).into_iter().map(Input::from_path).collect();
    let opts = import::Options {
        parallel: !sequential,
        ..import::Options::default()
    };
    let r = import::import(db, &inputs, &opts).unwrap();
    let secs = r.elapsed.as_secs_f64();
    let size = std::fs::metadata(db).unwrap().len();
    println!(
        "import ({}): {} records ({} advisories, {} skipped) in {:.1} s = {:.0} records/s; DB {:.1} MiB",
        if sequential { "parse on the reading thread" } else { "parse on the rayon pool" },
        r.imported,
        r.advisories,
        r.skipped,
        secs,
        r.imported as f64 / secs,
        size as f64 / 1048576.0
    );
}

fn dpkg_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        debversion::Version::from_str(a),
        debversion::Version::from_str(b),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn run_match(db_path: &Path) {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    let mut st = conn
        .prepare("SELECT DISTINCT ecosystem, name FROM affected WHERE name NOT LIKE '%~%' ORDER BY name, ecosystem LIMIT 1000")
        .unwrap();
    let pkgs: Vec<(String, String, String)> = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .enumerate()
        .map(|(i, (e, n))| {
            let old = i % 10 == 0;
            let v = match (e.as_str(), old) {
                ("Go", false) => "v99.0.0",
                ("Go", true) => "v0.1.0",
                (_, false) => "99.0-r0",
                (_, true) => "0.1-r0",
            };
            (e, n, v.to_string())
        })
        .collect();
    drop(st);
    drop(conn);
    assert_eq!(pkgs.len(), 1000);
    for round in 1..=5 {
        let t = Instant::now();
        let db = VulnDb::open(db_path).unwrap();
        let opened = t.elapsed();
        let mut found = 0;
        for (e, n, v) in &pkgs {
            found += db
                .matches(
                    &PackageQuery {
                        ecosystem: e,
                        name: n,
                        version: v,
                    },
                    &dpkg_cmp,
                )
                .unwrap()
                .len();
        }
        let total = t.elapsed();
        let t2 = Instant::now();
        let mut entries = 0;
        for (e, n, _) in &pkgs {
            entries += db.entries(e, n).unwrap().len();
        }
        println!(
            "round {round}: open {:.2} ms, open + match 1000 packages {:.1} ms ({found} matches; reading the {entries} candidate entries alone: {:.1} ms)",
            opened.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            t2.elapsed().as_secs_f64() * 1e3
        );
    }
}
