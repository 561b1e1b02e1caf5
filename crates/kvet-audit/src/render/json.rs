//! The JSON document: [`AuditDocument`] as is, described by `docs/audit-report.schema.json`.

use crate::report::AuditDocument;
use std::io::{self, Write};

pub fn render(doc: &AuditDocument, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    out.write_all(b"\n")
}
