//! kvet's output formats. Each renders a [`kvet_core::Report`]; none of them filters or
//! judges — that happened before the report was built.

mod json;
mod junit;
mod sarif;
mod table;
mod uri;

use kvet_core::Report;
use std::io::{self, Write};
use std::str::FromStr;

pub use json::JSON_SCHEMA_VERSION;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "junit" => Ok(Format::Junit),
            _ => Err(format!(
                "unknown format '{s}' (expected table, json, sarif or junit)"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// ANSI colours in the table.
    pub color: bool,
    /// List passed (check × object) evaluations (JSON) or test cases (JUnit).
    pub include_passed: bool,
    pub tool_version: String,
}

pub fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, opts, out),
        Format::Json => json::render(report, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, opts, out),
    }
}
