//! `kvet image`: the inventory of `kvet sbom`, matched against the local OSV database. Findings
//! go through the same whitelist, severity filter, exit code and formats as `kvet config`;
//! `--format cyclonedx` writes the SBOM with its vulnerabilities instead.

use std::collections::BTreeMap;

use kvet_core::{Ignored, Report, VexStatement, VexStatus};
use kvet_inventory::Package;
use kvet_vulndb::merge::Vulnerability;

use crate::vulns;

use super::{image_target, output};
use crate::cli::ImageArgs;

pub fn run(args: ImageArgs) -> anyhow::Result<u8> {
    // Everything the user typed, and the database, are checked before a (possibly long) pull.
    let cyclonedx = matches!(
        args.report.format.to_ascii_lowercase().as_str(),
        "cyclonedx" | "cdx"
    );
    let mut report_args = args.report.clone();
    if cyclonedx {
        report_args.format = "json".into();
    }
    let prepared = output::prepare(&report_args)?;
    let db = vulns::open_db(args.db_dir.as_ref(), args.report.quiet)?;

    let scanned = image_target::scan(&args.target, args.report.quiet)?;
    let (mut vulns, unmatched) = vulns::match_inventory(&db, &scanned.inventory)?;
    if args.ignore_unfixed {
        for (_, v) in vulns.iter_mut() {
            v.retain(|v| !v.fixed.is_empty());
        }
    }

    if cyclonedx {
        return write_cyclonedx(&args, &scanned, &vulns, &prepared);
    }
    let image = scanned.target.name.clone();
    let mut report = Report {
        command: "image".into(),
        files: 1,
        resources: scanned.inventory.packages.len(),
        ..Report::default()
    };
    let now = chrono::Utc::now();
    for (i, list) in &vulns {
        let p = &scanned.inventory.packages[*i];
        for v in list {
            let f = vulns::finding(&image, p, v, None);
            match vulns::vex_of(&prepared.ignore, &image, p, v, now) {
                Some(s) => report.ignored.push(Ignored {
                    finding: f,
                    reason: s.reason(),
                    source: s.source.clone(),
                }),
                None => report.findings.push(f),
            }
        }
    }
    if unmatched > 0 {
        report
            .notices
            .push(vulns::unmatched_notice(unmatched, None));
    }
    output::finish(report, &args.report, prepared, true)
}

fn write_cyclonedx(
    args: &ImageArgs,
    scanned: &image_target::Scanned,
    vulns: &BTreeMap<usize, Vec<Vulnerability>>,
    prepared: &output::Prepared,
) -> anyhow::Result<u8> {
    let image = scanned.target.name.clone();
    // The same whitelist and severity filter as every other format, through findings.
    // Vulnerabilities under a VEX statement stay in the SBOM with its analysis (that is what
    // CycloneDX's VEX is); whitelisted ones are left out.
    let now = chrono::Utc::now();
    let mut findings = Vec::new();
    let mut records = Vec::new();
    for (i, list) in vulns {
        let p = &scanned.inventory.packages[*i];
        for v in list {
            let f = vulns::finding(&image, p, v, None);
            let vex = vulns::vex_of(&prepared.ignore, &image, p, v, now);
            records.push((f.fingerprint, record(p, v, vex)));
            findings.push(f);
        }
    }
    let (kept, ignored, notices) = prepared.ignore.apply(findings, now);
    output::print_notices(&notices, args.report.quiet);
    let vexed: std::collections::HashSet<_> = records
        .iter()
        .filter(|(_, r)| r.analysis.is_some())
        .map(|(fp, _)| *fp)
        .collect();
    let keep: std::collections::HashSet<_> = kept
        .iter()
        .chain(
            ignored
                .iter()
                .map(|i| &i.finding)
                .filter(|f| vexed.contains(&f.fingerprint)),
        )
        .filter(|f| prepared.severities.is_empty() || prepared.severities.contains(&f.severity))
        .map(|f| f.fingerprint)
        .collect();
    let records: Vec<kvet_sbom::Vulnerability> = records
        .into_iter()
        .filter(|(fp, _)| keep.contains(fp))
        .map(|(_, r)| r)
        .collect();
    let remain = records.iter().filter(|r| r.analysis.is_none()).count();
    let sbom = kvet_sbom::Sbom {
        target: &scanned.target,
        inventory: &scanned.inventory,
        vulnerabilities: Some(&records),
    };
    let opts = kvet_sbom::RenderOptions::new(env!("CARGO_PKG_VERSION"));
    output::write_report(&args.report.output, &|w| {
        kvet_sbom::render(&sbom, kvet_sbom::Format::CycloneDx, &opts, w)
            .map_err(std::io::Error::other)
    })?;
    Ok(if remain > 0 { args.report.exit_code } else { 0 })
}

fn record(p: &Package, v: &Vulnerability, vex: Option<&VexStatement>) -> kvet_sbom::Vulnerability {
    kvet_sbom::Vulnerability {
        id: v.id.clone(),
        aliases: v.aliases.clone(),
        source: Some(kvet_sbom::VulnerabilitySource {
            name: v.feeds.join(", "),
            url: None,
        }),
        severity: Some(v.severity.level),
        ratings: vec![kvet_sbom::Rating {
            source: None,
            severity: Some(v.severity.level),
            score: v.severity.score,
            vector: v.severity.vector.clone(),
        }],
        description: v.summary.clone(),
        fixed_versions: v.fixed.clone(),
        affects: vec![kvet_sbom::Affected {
            purl: p.purl.clone(),
            location: Some(p.location.clone()),
        }],
        references: v.references.clone(),
        cwes: Vec::new(),
        published: None,
        modified: None,
        analysis: vex.map(|s| kvet_sbom::Analysis {
            state: match s.status {
                VexStatus::NotAffected => "not_affected",
                VexStatus::Fixed => "resolved",
            },
            justification: s.justification.map(|j| j.cyclonedx()),
            detail: Some(s.reason()),
        }),
    }
}
