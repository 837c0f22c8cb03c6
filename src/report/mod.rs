//! Output formats. Every format redacts secrets unless `show_secrets` is set.

mod csv;
pub mod gitlab;
pub mod ics;
pub mod inventory;
pub mod json;
mod markdown;
pub mod runbook;
mod sarif;
mod table;

use std::io::Write;

use crate::detect::rules::Rule;
use crate::names::Named;
use crate::scan::ScanOutcome;

/// Every report format; its name is what `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
    Csv,
    Inventory,
    Markdown,
    Gitlab,
}

impl Named for Format {
    const ALL: &'static [Format] = &[
        Format::Table,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Csv,
        Format::Inventory,
        Format::Markdown,
        Format::Gitlab,
    ];

    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Inventory => "inventory",
            Format::Markdown => "markdown",
            Format::Gitlab => "gitlab",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Format::Table => "Human-readable, grouped by credential",
            Format::Json => "One JSON document with findings and stats",
            Format::Jsonl => "One JSON finding per line",
            Format::Sarif => "SARIF 2.1.0 for code-scanning dashboards",
            Format::Csv => "One row per credential location",
            Format::Inventory => {
                "One row per credential with vault status and all its places: the Step-1 \
                 spreadsheet"
            }
            Format::Markdown => {
                "A Markdown table of the credentials, for CI job summaries and merge-request \
                 comments"
            }
            Format::Gitlab => "GitLab's secret-detection report (gl-secret-detection-report.json)",
        }
    }
}

impl Format {
    /// A CSV format (`--bom` applies).
    pub fn is_csv(self) -> bool {
        matches!(self, Format::Csv | Format::Inventory)
    }

    /// The format a report file's name asks for: `.json`, `.jsonl`/`.ndjson`, `.sarif` (also
    /// `.sarif.json`), `.csv`, `.md`, GitLab's `gl-secret-detection-report.json`; `None` for
    /// anything else.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let extension = name.rsplit_once('.')?.1;
        if name.ends_with(".sarif.json") {
            return Some(Format::Sarif);
        }
        // The name GitLab's merge-request widget reads (`artifacts: reports: secret_detection`).
        if name.ends_with("secret-detection-report.json") {
            return Some(Format::Gitlab);
        }
        match extension {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "sarif" => Some(Format::Sarif),
            "csv" => Some(Format::Csv),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Print secrets in full instead of redacted.
    pub show_secrets: bool,
    /// ANSI colour in the table format.
    pub color: bool,
    /// List suppressed places and credentials too.
    pub show_suppressed: bool,
    /// Start a CSV (`csv`, `inventory`) with a UTF-8 byte order mark, for spreadsheet programs
    /// that need one (`--bom`).
    pub bom: bool,
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

/// Writes `outcome` in `format`. `rules` are every rule in use (GitLab lists them all; SARIF
/// reads how each decodes what it captured, to say where a secret ends).
pub fn write_report(
    format: Format,
    outcome: &ScanOutcome,
    rules: &[Rule],
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    if options.bom && format.is_csv() {
        out.write_all(UTF8_BOM)?;
    }
    match format {
        Format::Table => table::write(outcome, options, out)?,
        Format::Json => json::write(outcome, options, out)?,
        Format::Jsonl => json::write_lines(outcome, options, out)?,
        Format::Sarif => sarif::write(outcome, rules, options, out)?,
        Format::Csv => csv::write(outcome, options, out)?,
        Format::Inventory => {
            inventory::write(&json::ReportDocument::new(outcome, options), false, out)?
        }
        Format::Markdown => markdown::write(outcome, options, out)?,
        Format::Gitlab => gitlab::write(outcome, rules, out)?,
    }
    out.flush()?;
    Ok(())
}

/// `value` as indented JSON. Buffered here: serde writes a document in thousands of small
/// pieces, and each would otherwise be a call through `dyn Write` (milliseconds for a large
/// scan's report).
pub(crate) fn pretty_json(
    out: &mut dyn Write,
    value: &impl serde::Serialize,
) -> Result<(), ReportError> {
    let mut buffered = std::io::BufWriter::with_capacity(JSON_BUFFER, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    buffered.flush()?;
    Ok(())
}

/// [`pretty_json`]'s buffer.
pub(crate) const JSON_BUFFER: usize = 64 * 1024;

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
/// formula (CSV injection); a leading apostrophe keeps it text. Numbers are left alone.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes one CSV row with every cell made [`spreadsheet_safe`].
pub fn write_row<W: Write, I, S>(writer: &mut ::csv::Writer<W>, cells: I) -> ::csv::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    writer.write_record(
        cells
            .into_iter()
            .map(|c| spreadsheet_safe(c.as_ref()).into_owned()),
    )
}

/// The UTF-8 byte order mark a CSV starts with for `--bom`: Excel reads a CSV without one in
/// the system's legacy code page, so `é` and `…` come out garbled.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The secret as text, for `--show-secrets`.
fn plaintext(secret: &[u8]) -> String {
    String::from_utf8_lossy(secret).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-----…-----"), "'-----…-----");
        assert_eq!(spreadsheet_safe("@sum"), "'@sum");
        assert_eq!(spreadsheet_safe("-12"), "-12");
        assert_eq!(spreadsheet_safe("home/.env"), "home/.env");
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        write_row(&mut writer, ["+cmd", "ok"]).expect("row");
        let text = String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8");
        assert_eq!(text, "'+cmd,ok\n");
    }
}
