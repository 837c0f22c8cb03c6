//! JSON and JSON Lines. The shape is a stable contract documented in README.md.

use std::io::Write;

use serde::Serialize;

use super::{ReportError, ReportOptions, plaintext};
use crate::finding::{Finding, Location};
use crate::rules::RuleClass;
use crate::scan::{ScanOutcome, Stats};

/// Bumped only when a field is removed or changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<FindingView<'a>>,
    stats: &'a Stats,
}

#[derive(Serialize)]
pub(super) struct FindingView<'a> {
    rule: &'a str,
    provider: &'a str,
    class: RuleClass,
    description: &'a str,
    fingerprint: &'a str,
    redacted: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    locations: &'a [Location],
}

impl<'a> FindingView<'a> {
    pub(super) fn new(finding: &'a Finding, options: ReportOptions) -> Self {
        FindingView {
            rule: &finding.rule_id,
            provider: &finding.provider,
            class: finding.class,
            description: &finding.description,
            fingerprint: &finding.fingerprint,
            redacted: &finding.redacted,
            secret: options.show_secrets.then(|| plaintext(&finding.secret)),
            locations: &finding.locations,
        }
    }
}

pub fn write(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let document = Document {
        version: SCHEMA_VERSION,
        findings: outcome
            .findings
            .iter()
            .map(|f| FindingView::new(f, options))
            .collect(),
        stats: &outcome.stats,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

pub fn write_lines(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    for finding in &outcome.findings {
        serde_json::to_writer(&mut *out, &FindingView::new(finding, options))?;
        writeln!(out)?;
    }
    Ok(())
}
