//! A Markdown summary for CI job pages (GitHub's job summary, a merge-request comment): one
//! table row per credential, redacted, with where it is and what the vault says.

use std::io::Write;

use super::{ReportError, ReportOptions, plaintext};
use crate::display::plural;
use crate::finding::Finding;
use crate::scan::ScanOutcome;

/// How many places a row names before it counts the rest: a key in hundreds of files would
/// make the table unreadable.
const PLACES_SHOWN: usize = 3;

pub fn write(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let credentials = outcome.findings.len();
    let places: usize = outcome.findings.iter().map(|f| f.locations.len()).sum();
    if credentials == 0 {
        writeln!(out, "### stray: no credentials found\n")?;
    } else {
        writeln!(
            out,
            "### stray: {} in {}\n",
            plural(credentials, "credential"),
            plural(places, "place")
        )?;
        writeln!(
            out,
            "| Provider | Rule | Credential | Criticality | Vault | Places | Fingerprint |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for finding in &outcome.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | `{}` |",
                cell(&finding.provider),
                cell(&finding.rule_id),
                code(&shown_value(finding, options)),
                finding.criticality,
                cell(&match &finding.validation {
                    Some(v) => format!("{}; {}", vault_status(finding), v.describe()),
                    None => vault_status(finding),
                }),
                places_cell(finding),
                finding
                    .fingerprint
                    .get(..12)
                    .unwrap_or(&finding.fingerprint),
            )?;
        }
        writeln!(out)?;
    }
    let stats = &outcome.stats;
    let suppressed: usize = outcome
        .findings
        .iter()
        .chain(&outcome.suppressed)
        .map(|f| f.suppressed.len())
        .sum();
    write!(
        out,
        "{} scanned, {} skipped",
        plural(stats.files_scanned as usize, "file"),
        stats.files_skipped
    )?;
    if suppressed > 0 {
        write!(
            out,
            "; {} suppressed by a baseline or an inline allow",
            plural(suppressed, "place")
        )?;
    }
    writeln!(out, ".")?;
    Ok(())
}

fn shown_value(finding: &Finding, options: ReportOptions) -> String {
    if options.show_secrets {
        plaintext(&finding.secret)
    } else {
        finding.redacted.clone()
    }
}

fn vault_status(finding: &Finding) -> String {
    match &finding.vault {
        None => "not reconciled".to_string(),
        Some(verdict) => verdict.describe(),
    }
}

/// `path:line` of the first places, with the introducing commit in history scans.
fn places_cell(finding: &Finding) -> String {
    let mut shown: Vec<String> = finding
        .locations
        .iter()
        .take(PLACES_SHOWN)
        .map(|location| {
            let place = format!(
                "{}:{}",
                crate::pathtext::escaped(&location.path),
                location.line
            );
            match &location.commit {
                Some(commit) => format!(
                    "{} ({})",
                    code(&place),
                    commit.id.get(..12).unwrap_or(&commit.id)
                ),
                None => code(&place),
            }
        })
        .collect();
    let rest = finding.locations.len().saturating_sub(PLACES_SHOWN);
    if rest > 0 {
        shown.push(format!("and {rest} more"));
    }
    shown.join("<br>")
}

/// Text for a table cell: a `|` would end the cell, a newline the row, and `<`/`>` would open
/// tags in a renderer that allows some HTML.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span that survives backticks in the text (a longer fence around it).
fn code(text: &str) -> String {
    let text = cell(text);
    let fence = if text.contains('`') { "``" } else { "`" };
    format!("{fence}{text}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc<d>"), "a\\|b c&lt;d&gt;");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("plain"), "`plain`");
    }
}
