//! `kvet cluster`: collect live clusters (or read snapshots) and run the same checks as on
//! manifests, one report with a section and a health score per cluster; with `--scanners vuln`,
//! also every image the clusters run (see [`super::cluster_vuln`]).

use super::cluster_vuln::{self, SecretMap};
use super::output;
use crate::cli::{ClusterAction, ClusterArgs, ClusterTargetArgs, SnapshotArgs};
use crate::EXIT_PARTIAL;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kvet_checks::{Engine, Partial};
use kvet_cluster::pullsecrets::fetch_pull_secrets;
use kvet_cluster::{
    collect, node_from_json, targets, top_level_objects, ClusterSnapshot, CollectOptions, Progress,
    Snapshot, KINDS,
};
use kvet_core::{Notice, NoticeLevel, Report, Section};
use kvet_k8s::Object;
use std::sync::Arc;

pub fn run(args: ClusterArgs) -> anyhow::Result<u8> {
    if let Some(ClusterAction::Snapshot(s)) = args.action {
        return snapshot(s);
    }
    let scanners = parse_scanners(&args.scanners)?;
    let prepared = output::prepare(&args.report)?;
    let only = super::only_checks(args.checks.as_deref())?;
    let only: Vec<&str> = only.iter().map(String::as_str).collect();
    // The database is opened before a (possibly long) collection, so that a missing one fails fast.
    let vuln = if scanners.vuln {
        Some(cluster_vuln::Settings::new(&args.vuln, args.report.quiet)?)
    } else {
        None
    };
    let clusters: Vec<(ClusterSnapshot, Option<SecretMap>)> = if args.snapshots.is_empty() {
        collect_all(&args.target, args.report.quiet, scanners.vuln)?
            .into_iter()
            .map(|(c, s)| (c, Some(s)))
            .collect()
    } else {
        let mut all = Vec::new();
        for p in &args.snapshots {
            all.extend(Snapshot::read(p)?.clusters.into_iter().map(|c| (c, None)));
        }
        all
    };

    let engine = Engine::new(prepared.settings.clone(), &only, args.report.include_passed);
    let mut report = Report {
        command: "cluster".into(),
        rules: if scanners.misconfig {
            engine.check_metas().collect()
        } else {
            Vec::new()
        },
        ..Report::default()
    };
    let mut partial = false;
    for (cluster, secrets) in &clusters {
        let (section, all, notices) = analyse(scanners.misconfig.then_some(&engine), cluster);
        partial |= !section.not_collected.is_empty();
        report.findings.extend(all.findings);
        report.ignored.extend(all.ignored);
        report.passed.extend(all.passed);
        report.tally.merge(all.tally.clone());
        report.resources += all.resources;
        report.notices.extend(notices);
        report.sections.push(section);
        if let Some(v) = &vuln {
            let found = cluster_vuln::scan(cluster, secrets.as_ref(), v, &prepared.ignore)?;
            partial |= found.failed > 0;
            report.findings.extend(found.findings);
            report.ignored.extend(found.ignored);
            report.images.extend(found.images);
            report.notices.extend(found.notices);
        }
    }
    let code = output::finish(report, &args.report, prepared, true)?;
    Ok(if code == 0 && partial && args.strict {
        EXIT_PARTIAL
    } else {
        code
    })
}

/// What `--scanners` asks of `kvet cluster`.
#[derive(Debug, Clone, Copy, Default)]
struct ClusterScanners {
    misconfig: bool,
    vuln: bool,
}

fn parse_scanners(list: &str) -> anyhow::Result<ClusterScanners> {
    let mut s = ClusterScanners::default();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "misconfig" | "config" => s.misconfig = true,
            "vuln" | "vulnerability" | "vulnerabilities" => s.vuln = true,
            other => anyhow::bail!("unknown scanner '{other}' in --scanners (misconfig, vuln)"),
        }
    }
    if !s.misconfig && !s.vuln {
        anyhow::bail!("--scanners needs at least one of misconfig, vuln");
    }
    Ok(s)
}

/// Runs the engine (when the misconfig scanner is on) over one cluster's top-level objects.
/// Set checks are judged per cluster: one cluster's NetworkPolicies never cover another's pods.
fn analyse(engine: Option<&Engine>, cluster: &ClusterSnapshot) -> (Section, Partial, Vec<Notice>) {
    let path = format!("cluster:{}", cluster.context);
    let file: Arc<str> = path.as_str().into();
    let all = match engine {
        Some(engine) => {
            let mut part = Partial::default();
            for value in top_level_objects(&cluster.objects) {
                let Some(obj) = Object::from_node(file.clone(), node_from_json(value)) else {
                    continue;
                };
                engine.evaluate(&obj, &mut part);
            }
            engine.judge(part)
        }
        None => Partial::default(),
    };
    let mut notices = Vec::new();
    let not_collected: Vec<String> = cluster
        .not_collected
        .iter()
        .map(|n| format!("{}: {}", n.kind, n.reason))
        .collect();
    for n in &not_collected {
        notices.push(Notice {
            level: NoticeLevel::Warning,
            path: Some(path.clone()),
            line: None,
            message: format!("not collected: {n}"),
        });
    }
    // The control-plane checks judge static pods of kube-system; when they are enabled but none
    // was evaluated, the cluster hides its control plane (managed clusters do).
    let evaluated =
        |c: &kvet_core::CheckMeta| all.tally.checks.get(c.id).is_some_and(|t| t.evaluated > 0);
    let control_plane: Vec<_> = engine
        .into_iter()
        .flat_map(Engine::check_metas)
        .filter(|c| c.category == kvet_core::Category::ControlPlane)
        .collect();
    if !control_plane.is_empty() && !control_plane.iter().any(|c| evaluated(c)) {
        notices.push(Notice {
            level: NoticeLevel::Info,
            path: Some(path.clone()),
            line: None,
            message: "control plane not observable (no kube-apiserver pod in kube-system, as on \
                managed clusters): the control-plane and etcd checks were not evaluated"
                .into(),
        });
    }
    let section = Section {
        name: cluster.context.clone(),
        path,
        server: cluster.server.clone(),
        version: cluster.version.as_ref().map(|v| v.git_version.clone()),
        resources: all.resources,
        not_collected,
        tally: all.tally.clone(),
        ..Section::default()
    };
    (section, all, notices)
}

fn snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    let clusters: Vec<ClusterSnapshot> = collect_all(&args.target, args.quiet, false)?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let objects: usize = clusters.iter().map(|c| c.objects.len()).sum();
    let snap = Snapshot::new(clusters, created);
    snap.write(&args.output)?;
    if !args.quiet {
        eprintln!(
            "kvet: wrote {} ({} cluster(s), {objects} objects)",
            args.output.display(),
            snap.clusters.len()
        );
    }
    Ok(0)
}

/// A progress bar on standard error: one tick per kind listed (hidden with --quiet and when
/// standard error is not a terminal).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn kind_listed(&self, context: &str, kind: &str, objects: usize) {
        self.0.inc(1);
        self.0.set_message(format!("{context}: {kind} ({objects})"));
    }
}

/// Collects every target cluster; with `pull_secrets`, also reads the pull secrets its images
/// name (in memory only: a snapshot never holds them).
fn collect_all(
    t: &ClusterTargetArgs,
    quiet: bool,
    pull_secrets: bool,
) -> anyhow::Result<Vec<(ClusterSnapshot, SecretMap)>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let found = targets(t.kubeconfig.as_deref(), &t.contexts, t.all_contexts).await?;
        let bar = ProgressBar::with_draw_target(
            Some((found.len() * KINDS.len()) as u64),
            if quiet {
                ProgressDrawTarget::hidden()
            } else {
                ProgressDrawTarget::stderr()
            },
        );
        bar.set_style(
            ProgressStyle::with_template("{spinner} collecting {pos}/{len} kinds {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let opts = CollectOptions {
            namespace: t.namespace.clone(),
            timeout: t.timeout,
            progress: Some(Arc::new(Bar(bar.clone()))),
            ..Default::default()
        };
        let mut out = Vec::new();
        for target in &found {
            let snapshot = collect(target, &opts).await?;
            let secrets = if pull_secrets {
                let wanted = cluster_vuln::wanted_secrets(&snapshot);
                fetch_pull_secrets(target, &wanted, t.timeout).await
            } else {
                SecretMap::new()
            };
            out.push((snapshot, secrets));
        }
        bar.finish_and_clear();
        Ok(out)
    })
}
