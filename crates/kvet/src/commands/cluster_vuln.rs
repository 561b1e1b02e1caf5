//! `kvet cluster --scanners vuln`: every distinct image a cluster runs (by registry digest)
//! pulled once, with the pull secret its pods use when it is readable, scanned a few at a time,
//! matched against the local OSV database, and reported once per (workload, container,
//! vulnerability). Images of control-plane, node, network and registry components are marked.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kvet_cluster::images::{discover, ClusterImage, SecretRef};
use kvet_cluster::pullsecrets::{registry_of, RegistryLogin, SecretError};
use kvet_cluster::ClusterSnapshot;
use kvet_core::{Finding, IgnoreFile, Ignored, ImageSummary, Notice, NoticeLevel, ResourceRef};
use kvet_image::{scan_image, Credentials, Limits, SourceOptions, SourceSpec};
use kvet_inventory::Inventory;
use kvet_vulndb::VulnDb;

use crate::cli::ClusterVulnArgs;
use crate::vulns;

/// The pull secrets of one cluster as read (or not) from its API.
pub type SecretMap = BTreeMap<SecretRef, Result<Vec<RegistryLogin>, SecretError>>;

/// Everything checked before collection starts: the database and the image-source flags.
pub struct Settings {
    db: VulnDb,
    source: SourceOptions,
    fallback: Option<Credentials>,
    parallel: usize,
    ignore_unfixed: bool,
    quiet: bool,
}

impl Settings {
    pub fn new(args: &ClusterVulnArgs, quiet: bool) -> anyhow::Result<Settings> {
        let db = vulns::open_db(args.db_dir.as_ref(), quiet)?;
        let source = args.registry.source_options(args.image_timeout)?;
        let fallback = args.registry.credentials();
        Ok(Settings {
            db,
            source,
            fallback,
            parallel: usize::from(args.parallel).max(1),
            ignore_unfixed: args.ignore_unfixed,
            quiet,
        })
    }
}

/// What the vulnerability scan of one cluster adds to the report.
#[derive(Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Findings a VEX statement of the ignore file covers.
    pub ignored: Vec<Ignored>,
    pub images: Vec<ImageSummary>,
    pub notices: Vec<Notice>,
    /// Images that could not be pulled or read.
    pub failed: usize,
}

/// The names of the secrets the images of `cluster` may be pulled with (to fetch them).
pub fn wanted_secrets(cluster: &ClusterSnapshot) -> Vec<SecretRef> {
    let mut all: Vec<SecretRef> = discover(&cluster.objects)
        .into_iter()
        .flat_map(|i| i.pull_secrets)
        .collect();
    all.sort();
    all.dedup();
    all
}

/// An image pulled and inventoried.
struct Pulled {
    inventory: Inventory,
    digest: Option<String>,
}

fn pull_and_scan(pull: &str, opts: &SourceOptions) -> anyhow::Result<Pulled> {
    let spec = SourceSpec::registry(pull)?;
    let (image, blobs) = kvet_image::open(&spec, opts)?;
    let limits = Limits::default();
    let scanned = scan_image(&image, blobs.as_ref(), &limits, None)?;
    Ok(Pulled {
        inventory: scanned.inventory,
        digest: image.manifest_digest,
    })
}

fn user_label(u: &kvet_cluster::images::ImageUse) -> String {
    format!("{} ({})", u.workload, u.container)
}

/// The credentials for `image` and where they come from: a login for its registry from one of
/// its readable pull secrets, else `--username/--password`, else `None` (the docker config, then
/// anonymous).
fn credentials_for(
    image: &ClusterImage,
    secrets: Option<&SecretMap>,
    fallback: &Option<Credentials>,
) -> (Option<Credentials>, String) {
    let registry = registry_of(&image.pull);
    let from_secret = secrets.and_then(|map| {
        image.pull_secrets.iter().find_map(|s| {
            let login = map
                .get(s)?
                .as_ref()
                .ok()?
                .iter()
                .find(|l| l.registry == registry)?;
            Some((s, login))
        })
    });
    match (from_secret, fallback) {
        (Some((s, l)), _) => (
            Some(Credentials {
                username: l.username.clone(),
                password: l.password.clone(),
            }),
            format!("the login of pull secret {s}"),
        ),
        (None, Some(c)) => (Some(c.clone()), "--username/--password".to_string()),
        (None, None) => (None, "your docker config, else anonymously".to_string()),
    }
}

/// One notice per pull secret that could not be used; `secrets` is `None` for snapshots,
/// which carry no secret values.
fn secret_notices(
    images: &[ClusterImage],
    secrets: Option<&SecretMap>,
    section: &str,
) -> Vec<Notice> {
    let notice = |level, message| Notice {
        level,
        path: Some(section.to_string()),
        line: None,
        message,
    };
    let Some(map) = secrets else {
        let named = images.iter().any(|i| !i.pull_secrets.is_empty());
        return if named {
            vec![notice(
                NoticeLevel::Info,
                "pull secrets are not read from snapshots: images are pulled with your docker \
                 config (~/.docker/config.json) or --username/--password"
                    .to_string(),
            )]
        } else {
            Vec::new()
        };
    };
    map.iter()
        .filter_map(|(s, r)| {
            let why = match r.as_ref().err()? {
                SecretError::Forbidden => "forbidden".to_string(),
                SecretError::NotFound => "not found".to_string(),
                SecretError::Invalid(m) => format!("unusable: {m}"),
            };
            Some(notice(
                NoticeLevel::Warning,
                format!(
                    "pull secret {s} could not be read ({why}): its images are pulled with your \
                     docker config (~/.docker/config.json) or --username/--password"
                ),
            ))
        })
        .collect()
}

fn progress(quiet: bool, total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} scanning images {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Pulls, scans and matches every distinct image of `cluster`, `settings.parallel` at a time.
/// Matching happens on this thread as each image arrives (the database connection is not
/// shared), and each inventory is dropped once matched: memory holds at most `parallel`
/// images being read plus one inventory.
pub fn scan(
    cluster: &ClusterSnapshot,
    secrets: Option<&SecretMap>,
    settings: &Settings,
    ignore: &IgnoreFile,
) -> anyhow::Result<Outcome> {
    let section: Arc<str> = format!("cluster:{}", cluster.context).into();
    let images = discover(&cluster.objects);
    let mut out = Outcome {
        notices: secret_notices(&images, secrets, &section),
        ..Outcome::default()
    };
    if images.is_empty() {
        return Ok(out);
    }
    let bar = progress(settings.quiet, images.len());
    let next = AtomicUsize::new(0);
    // A rendezvous channel: a worker with a finished inventory waits for this thread to take
    // it, so inventories never queue up however slow matching is.
    let (tx, rx) = mpsc::sync_channel::<(usize, anyhow::Result<Pulled>, String)>(0);
    let workers = settings.parallel.min(images.len());
    let mut resources: HashMap<&ResourceRef, Arc<ResourceRef>> = HashMap::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // The workers see only the source options: the database stays on this thread.
        let (source, fallback) = (&settings.source, &settings.fallback);
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            let images = &images;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(image) = images.get(i) else {
                    break;
                };
                let mut opts = source.clone();
                let (credentials, how) = credentials_for(image, secrets, fallback);
                opts.credentials = credentials;
                let r = pull_and_scan(&image.pull, &opts)
                    .with_context(|| format!("cannot scan image {}", image.pull));
                if tx.send((i, r, how)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, r, how) in rx {
            bar.inc(1);
            bar.set_message(images[i].pull.clone());
            // Matched at once, so that finished inventories do not pile up.
            let matched = match r {
                Ok(p) => Ok(match_one(settings, p)?),
                Err(e) => Err(e),
            };
            let (summary, findings, unmatched) = report_one(
                &cluster.context,
                &images[i],
                matched,
                &section,
                &mut resources,
                ignore,
            );
            if let Some(e) = &summary.error {
                out.failed += 1;
                out.notices.push(Notice {
                    level: NoticeLevel::Warning,
                    path: Some(section.to_string()),
                    line: None,
                    message: format!(
                        "image {} (used by {}) could not be scanned, pulled with {how}: {e}",
                        images[i].pull,
                        images[i]
                            .uses
                            .iter()
                            .map(user_label)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            if unmatched > 0 {
                out.notices
                    .push(vulns::unmatched_notice(unmatched, Some(&images[i].pull)));
            }
            out.findings.extend(findings.0);
            out.ignored.extend(findings.1);
            out.images.push(summary);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    out.images.sort_by(|a, b| a.reference.cmp(&b.reference));
    Ok(out)
}

/// An inventory's matches, with what the summary needs of the inventory.
struct Matched {
    inventory: Inventory,
    digest: Option<String>,
    vulns: BTreeMap<usize, Vec<kvet_vulndb::merge::Vulnerability>>,
    unmatched: usize,
}

fn match_one(settings: &Settings, p: Pulled) -> anyhow::Result<Matched> {
    let (mut vulns, unmatched) = vulns::match_inventory(&settings.db, &p.inventory)?;
    if settings.ignore_unfixed {
        for v in vulns.values_mut() {
            v.retain(|v| !v.fixed.is_empty());
        }
    }
    Ok(Matched {
        inventory: p.inventory,
        digest: p.digest,
        vulns,
        unmatched,
    })
}

fn os_of(inv: &Inventory) -> Option<String> {
    let d = &inv.distro;
    (d.id != "unknown" && !d.id.is_empty()).then(|| match &d.version_id {
        Some(v) => format!("{} {v}", d.id),
        None => d.id.clone(),
    })
}

/// An image's findings: kept, and covered by a VEX statement.
type Judged = (Vec<Finding>, Vec<Ignored>);

/// The image's summary and its findings, one per (workload container, package, vulnerability),
/// each checked against the ignore file's VEX statements as `kvet image` does.
fn report_one<'a>(
    context: &str,
    image: &'a ClusterImage,
    matched: anyhow::Result<Matched>,
    section: &Arc<str>,
    resources: &mut HashMap<&'a ResourceRef, Arc<ResourceRef>>,
    ignore: &IgnoreFile,
) -> (ImageSummary, Judged, usize) {
    let mut summary = ImageSummary {
        cluster: context.to_string(),
        reference: image.pull.clone(),
        names: image.names.clone(),
        digest: image.digest.clone(),
        workloads: image.uses.iter().map(user_label).collect(),
        core_component: image.core.map(|c| c.as_str().to_string()),
        ..ImageSummary::default()
    };
    let m = match matched {
        Ok(m) => m,
        Err(e) => {
            summary.error = Some(format!("{e:#}"));
            return (summary, (Vec::new(), Vec::new()), 0);
        }
    };
    summary.digest = summary.digest.or(m.digest);
    summary.os = os_of(&m.inventory);
    summary.packages = m.inventory.packages.len();
    let now = chrono::Utc::now();
    let (mut findings, mut ignored) = (Vec::new(), Vec::new());
    for (i, list) in &m.vulns {
        let p = &m.inventory.packages[*i];
        for v in list {
            *summary.vulnerabilities.entry(v.severity.level).or_insert(0) += 1;
            for u in &image.uses {
                let resource = resources
                    .entry(&u.workload)
                    .or_insert_with(|| Arc::new(u.workload.clone()))
                    .clone();
                let w = vulns::Workload {
                    resource,
                    container: &u.container,
                    section: section.clone(),
                };
                let f = vulns::finding(&u.image, p, v, Some(&w));
                match vulns::vex_of(ignore, &u.image, p, v, now) {
                    Some(st) => ignored.push(Ignored {
                        finding: f,
                        reason: st.reason(),
                        source: st.source.clone(),
                    }),
                    None => findings.push(f),
                }
            }
        }
    }
    (summary, (findings, ignored), m.unmatched)
}
