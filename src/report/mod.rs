//! Output formats. Every format redacts secrets unless `show_secrets` is set.

mod csv;
pub mod html;
mod inventory;
pub mod json;
mod sarif;
mod table;

use std::io::Write;

use crate::rules::Rule;
use crate::scan::ScanOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by credential
    Table,
    /// One JSON document with findings and stats
    Json,
    /// One JSON finding per line
    Jsonl,
    /// SARIF 2.1.0 for code-scanning dashboards
    Sarif,
    /// One row per credential location
    Csv,
    /// One row per credential with vault status and all its places: the Step-1 spreadsheet
    Inventory,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Print secrets in full instead of redacted.
    pub show_secrets: bool,
    /// ANSI colour in the table format.
    pub color: bool,
    /// List suppressed places and credentials too.
    pub show_suppressed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write report: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV report: {0}")]
    Csv(#[from] ::csv::Error),
}

pub use inventory::write as write_inventory;

/// Writes `outcome` in `format`. `rules` are every rule in use (SARIF lists them all).
pub fn write_report(
    format: Format,
    outcome: &ScanOutcome,
    rules: &[Rule],
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    match format {
        Format::Table => table::write(outcome, options, out)?,
        Format::Json => json::write(outcome, options, out)?,
        Format::Jsonl => json::write_lines(outcome, options, out)?,
        Format::Sarif => sarif::write(outcome, rules, out)?,
        Format::Csv => csv::write(outcome, options, out)?,
        Format::Inventory => inventory::write(&json::ReportDocument::new(outcome, options), out)?,
    }
    out.flush()?;
    Ok(())
}

/// The secret as text, for `--show-secrets`.
fn plaintext(secret: &[u8]) -> String {
    String::from_utf8_lossy(secret).into_owned()
}
