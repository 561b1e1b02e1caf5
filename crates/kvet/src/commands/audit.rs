//! `kvet audit`: analyse API-server audit logs. Findings go through the same whitelist,
//! severity filter and exit code as `kvet config`; the report itself is rendered by
//! kvet-audit (its sections do not fit the manifest report).

use super::output;
use crate::cli::AuditArgs;
use crate::EXIT_INPUT_ERROR;
use kvet_audit::{
    parse_bound, AuditDocument, Filters, Format, Input, Limits, Options, RenderOptions,
};
use kvet_core::Severity;

pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    // Everything the user typed is checked before the (possibly long) read.
    let format: Format = args.format.parse()?;
    let severities = match &args.severity {
        Some(s) => Severity::parse_list(s).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    let filters = Filters {
        since: args.since.as_deref().map(parse_bound).transpose()?,
        until: args.until.as_deref().map(parse_bound).transpose()?,
        user: args.user.clone(),
        namespace: args.namespace.clone(),
    };
    if let (Some(s), Some(u)) = (filters.since, filters.until) {
        anyhow::ensure!(s <= u, "--since is after --until");
    }
    let ignore = output::load_ignorefile(&args.ignorefile)?;
    if args.files.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (`-`) can be read only once");
    }
    let inputs: Vec<Input> = args.files.iter().map(|p| Input::from_arg(p)).collect();
    let limits = Limits {
        max_line: args.max_line.max(1),
    };

    let analysis = kvet_audit::analyse(&inputs, limits, Options::default(), filters);
    let unreadable = analysis.report.inputs.iter().any(|i| i.error.is_some());

    let (mut findings, mut ignored, mut notices) =
        ignore.apply(analysis.findings, chrono::Utc::now());
    if !severities.is_empty() {
        findings.retain(|f| severities.contains(&f.severity));
        ignored.retain(|i| severities.contains(&i.finding.severity));
    }
    let mut all_notices = analysis.notices;
    all_notices.append(&mut notices);
    output::print_notices(&all_notices, args.quiet);

    let doc = AuditDocument::new(
        analysis.report,
        findings,
        ignored,
        all_notices,
        env!("CARGO_PKG_VERSION"),
    );
    let opts = RenderOptions { top: args.top };
    output::write_report(&args.output, &|w| {
        kvet_audit::render(&doc, format, &opts, w)
    })?;
    Ok(if unreadable {
        EXIT_INPUT_ERROR
    } else if !doc.findings.is_empty() {
        args.exit_code
    } else {
        0
    })
}
