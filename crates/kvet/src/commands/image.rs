//! `kvet image`: the inventory of `kvet sbom`, matched against the local OSV database. Findings
//! go through the same whitelist, severity filter, exit code and formats as `kvet config`;
//! `--format cyclonedx` writes the SBOM with its vulnerabilities instead.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use kvet_core::{
    Category, Finding, FindingClass, IgnoreFile, Ignored, Location, Notice, NoticeLevel, Report,
    VexStatement, VexStatus, VexSubject,
};
use kvet_inventory::{Inventory, Package, PackageKind};
use kvet_version::Scheme;
use kvet_vulndb::merge::Vulnerability;
use kvet_vulndb::VulnDb;

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
    let db = open_db(args.db_dir.as_ref(), args.report.quiet)?;

    let scanned = image_target::scan(&args.target, args.report.quiet)?;
    let (mut vulns, unmatched) = match_inventory(&db, &scanned.inventory)?;
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
            let f = finding(&image, p, v);
            match vex_of(&prepared.ignore, &image, p, v, now) {
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
        report.notices.push(Notice {
            level: NoticeLevel::Info,
            path: None,
            line: None,
            message: format!(
                "{unmatched} packages have no advisory feed kvet knows (distro without a feed, \
                 or programs identified only by their binary) and were not matched"
            ),
        });
    }
    output::finish(report, &args.report, prepared, true)
}

fn open_db(dir: Option<&PathBuf>, quiet: bool) -> anyhow::Result<VulnDb> {
    let db = VulnDb::open_dir(&super::db::db_dir(dir)?)?;
    if let kvet_vulndb::Freshness::Stale { age, .. } =
        db.check_fresh(super::db::MAX_AGE, chrono::Utc::now())?
    {
        if !quiet {
            eprintln!(
                "kvet: warning: the vulnerability database is {} days old: run `kvet db update`",
                age.num_days()
            );
        }
    }
    Ok(db)
}

/// The OSV ecosystems, package name and version under which advisories list `p`: distro
/// packages by their distro's feeds (Debian, Ubuntu and Alpine by source package), language
/// packages by their registry. `None` for packages no feed covers.
fn query_of<'a>(p: &'a Package, distro_feeds: &[String]) -> Option<(Vec<String>, &'a str, String)> {
    let app = |eco: &str| Some((vec![eco.to_owned()], p.name.as_str(), p.version.clone()));
    match p.kind {
        PackageKind::Deb | PackageKind::Apk => {
            if distro_feeds.is_empty() {
                return None;
            }
            let name = p.source_name.as_deref().unwrap_or(&p.name);
            let version = p.source_version.clone().unwrap_or_else(|| p.full_version());
            Some((distro_feeds.to_vec(), name, version))
        }
        PackageKind::Rpm => {
            if distro_feeds.is_empty() {
                return None;
            }
            Some((distro_feeds.to_vec(), p.name.as_str(), p.full_version()))
        }
        PackageKind::Maven => app("Maven"),
        PackageKind::Golang => app("Go"),
        PackageKind::Python => app("PyPI"),
        PackageKind::Npm => app("npm"),
        PackageKind::Cargo => app("crates.io"),
        PackageKind::Gem => app("RubyGems"),
        PackageKind::Composer => app("Packagist"),
        PackageKind::Nuget => app("NuGet"),
        PackageKind::Binary => None,
    }
}

/// Vulnerabilities per package index (aliases merged), and how many packages no feed covers.
fn match_inventory(
    db: &VulnDb,
    inv: &Inventory,
) -> anyhow::Result<(BTreeMap<usize, Vec<Vulnerability>>, usize)> {
    let distro_feeds = db.distro_ecosystems(&inv.distro)?;
    let mut out = BTreeMap::new();
    let mut unmatched = 0;
    for (i, p) in inv.packages.iter().enumerate() {
        let Some((feeds, name, version)) = query_of(p, &distro_feeds) else {
            unmatched += 1;
            continue;
        };
        let Some(scheme) = feeds.first().and_then(|f| Scheme::for_osv_ecosystem(f)) else {
            unmatched += 1;
            continue;
        };
        let cmp = move |a: &str, b: &str| scheme.compare(a, b);
        let matches = db
            .matches_in(&feeds, name, &version, &cmp)
            .with_context(|| format!("matching {} {version}", p.name))?;
        if !matches.is_empty() {
            out.insert(i, kvet_vulndb::merge::merge(matches));
        }
    }
    Ok((out, unmatched))
}

/// The user's VEX statement about this vulnerability of this package, if one applies.
fn vex_of<'a>(
    ignore: &'a IgnoreFile,
    image: &str,
    p: &Package,
    v: &Vulnerability,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<&'a VexStatement> {
    if ignore.vex.is_empty() {
        return None;
    }
    let ids: Vec<&str> = std::iter::once(v.id.as_str())
        .chain(v.aliases.iter().map(String::as_str))
        .collect();
    let subject = VexSubject {
        ids: &ids,
        image: Some(image),
        package: &p.name,
        purl: Some(&p.purl),
    };
    ignore.vex_for(&subject, now)
}

fn finding(image: &str, p: &Package, v: &Vulnerability) -> Finding {
    let fix = if v.fixed.is_empty() {
        "no fixed version yet".to_owned()
    } else {
        format!("fixed in {}", v.fixed.join(", "))
    };
    let also = if v.aliases.is_empty() {
        String::new()
    } else {
        format!(" (also {})", v.aliases.join(", "))
    };
    let source = if v.package != p.name {
        format!(" [source package {}]", v.package)
    } else {
        String::new()
    };
    let layer = p
        .layer
        .as_ref()
        .map(|l| format!("; layer {}", l.index))
        .unwrap_or_default();
    let message = format!(
        "{} {} is affected by {}{also}: {fix}{source}; feed {}{layer}",
        p.name,
        v.installed,
        v.id,
        v.feeds.join(", ")
    );
    let remediation = if v.fixed.is_empty() {
        format!(
            "No fixed version of {} is known yet: weigh the risk, mitigate, or whitelist it \
             with a reason and an expiry.",
            v.package
        )
    } else {
        format!(
            "Upgrade {} to {} or later (rebuild the image on an updated base or dependency).",
            p.name,
            v.fixed.join(" / ")
        )
    };
    let extra = format!("{image}\u{0}{}\u{0}{}", p.name, p.location);
    Finding {
        fingerprint: Finding::compute_fingerprint(&v.id, None, None, &extra),
        check_id: Cow::Owned(v.id.clone()),
        class: FindingClass::Vulnerability,
        category: Category::Images,
        severity: v.severity.level,
        title: Cow::Owned(v.summary.clone().unwrap_or_else(|| v.id.clone())),
        message,
        resource: None,
        container: None,
        image: Some(image.to_owned()),
        location: Some(Location {
            path: p.location.as_str().into(),
            line: None,
        }),
        package: Some(p.name.as_str().into()),
        user: None,
        remediation: Cow::Owned(remediation),
        references: v
            .references
            .iter()
            .map(|r| Cow::Owned(r.clone()))
            .collect::<Arc<[_]>>(),
        controls: Default::default(),
    }
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
            let f = finding(&image, p, v);
            let vex = vex_of(&prepared.ignore, &image, p, v, now);
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
