pub mod audit;
pub mod checks;
pub mod cluster;
pub mod cluster_vuln;
pub mod config;
pub mod db;
pub mod fs;
pub mod image;
pub mod image_target;
pub mod output;
pub mod sbom;

use kvet_core::CheckMeta;

/// What a scanning command looks for (`--scanners`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scanners {
    pub misconfig: bool,
    pub secret: bool,
}

impl Scanners {
    pub fn parse(list: &str) -> anyhow::Result<Scanners> {
        let mut s = Scanners::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "misconfig" | "config" => s.misconfig = true,
                "secret" | "secrets" => s.secret = true,
                other => {
                    anyhow::bail!("unknown scanner '{other}' in --scanners (misconfig, secret)")
                }
            }
        }
        if !s.misconfig && !s.secret {
            anyhow::bail!("--scanners needs at least one of misconfig, secret");
        }
        Ok(s)
    }
}

/// Every check of every catalogue (workload checks, Dockerfile checks, then audit rules).
pub fn all_metas() -> Vec<&'static CheckMeta> {
    kvet_checks::all()
        .iter()
        .map(|c| &c.meta)
        .chain(kvet_dockerfile::all().iter().map(|c| &c.meta))
        .chain(kvet_audit::rules::rules().iter().map(|r| &r.meta))
        .collect()
}

/// Whether `id` names a check of any catalogue.
pub fn known_check(id: &str) -> bool {
    kvet_checks::find(id).is_some() || kvet_dockerfile::find(id).is_some()
}

/// The `--checks` list, validated.
pub fn only_checks(list: Option<&str>) -> anyhow::Result<Vec<String>> {
    let only: Vec<String> = list
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for id in &only {
        if !known_check(id) {
            anyhow::bail!("unknown check '{id}' in --checks (see `kvet checks`)");
        }
    }
    Ok(only)
}
