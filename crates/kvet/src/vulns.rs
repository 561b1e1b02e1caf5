//! Vulnerability matching shared by `kvet image` and `kvet cluster --scanners vuln`: one
//! inventory against the local OSV database, and the findings built from the matches, so both
//! commands report a vulnerability with the same words, severity and fingerprint inputs (the
//! cluster adds the workload and container running the image).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use kvet_core::{
    Category, Finding, FindingClass, IgnoreFile, Location, Notice, NoticeLevel, ResourceRef,
    VexStatement, VexSubject,
};
use kvet_inventory::{Inventory, Package, PackageKind};
use kvet_version::Scheme;
use kvet_vulndb::merge::Vulnerability;
use kvet_vulndb::VulnDb;

/// Opens the database `--db-dir` (or its default) names, warning when it is stale.
pub fn open_db(dir: Option<&PathBuf>, quiet: bool) -> anyhow::Result<VulnDb> {
    let db = VulnDb::open_dir(&crate::commands::db::db_dir(dir)?)?;
    if let kvet_vulndb::Freshness::Stale { age, .. } =
        db.check_fresh(crate::commands::db::MAX_AGE, chrono::Utc::now())?
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
pub fn match_inventory(
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
pub fn vex_of<'a>(
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

/// Where a cluster runs the image: the finding is about this workload's container, and is
/// located in the cluster's section.
pub struct Workload<'a> {
    pub resource: Arc<ResourceRef>,
    pub container: &'a str,
    /// `cluster:<context>`.
    pub section: Arc<str>,
}

/// One finding for (package, vulnerability) of `image`, attributed to `workload` when the
/// image runs in a cluster.
pub fn finding(
    image: &str,
    p: &Package,
    v: &Vulnerability,
    workload: Option<&Workload<'_>>,
) -> Finding {
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
    let mut message = format!(
        "{} {} is affected by {}{also}: {fix}{source}; feed {}{layer}",
        p.name,
        v.installed,
        v.id,
        v.feeds.join(", ")
    );
    // In a cluster the location is the cluster section: the package's path goes in the text.
    if workload.is_some() {
        message.push_str(&format!("; {} in {image}", p.location));
    }
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
        fingerprint: Finding::compute_fingerprint(
            &v.id,
            workload.map(|w| &*w.resource),
            workload.map(|w| w.container),
            &extra,
        ),
        check_id: Cow::Owned(v.id.clone()),
        class: FindingClass::Vulnerability,
        category: Category::Images,
        severity: v.severity.level,
        title: Cow::Owned(v.summary.clone().unwrap_or_else(|| v.id.clone())),
        message,
        resource: workload.map(|w| w.resource.clone()),
        container: workload.map(|w| w.container.to_owned()),
        image: Some(image.to_owned()),
        location: Some(Location {
            path: workload.map_or_else(|| p.location.as_str().into(), |w| w.section.clone()),
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

/// The notice for packages no feed covers (`of`: the image, in a cluster scan).
pub fn unmatched_notice(unmatched: usize, of: Option<&str>) -> Notice {
    let what = of.map(|i| format!("{i}: ")).unwrap_or_default();
    Notice {
        level: NoticeLevel::Info,
        path: None,
        line: None,
        message: format!(
            "{what}{unmatched} packages have no advisory feed kvet knows (distro without a feed, \
             or programs identified only by their binary) and were not matched"
        ),
    }
}
