//! JSON and JSON Lines. The shape is a stable contract documented in docs/output-formats.md;
//! `stray merge` reads it back, so every type here both serializes and deserializes.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{ReportError, ReportOptions, plaintext};
use crate::detect::references::Reference;
use crate::detect::rules::{Criticality, RuleClass};
use crate::finding::Owner;
use crate::finding::suppression::{ExpiredException, Suppression};
use crate::finding::verdict::VaultVerdict;
use crate::finding::{Finding, Location};
use crate::judge::reconcile::StatusCounts;
use crate::scan::{ScanInfo, ScanOutcome, Stats};

/// Bumped only when a field is removed or changes meaning; additions keep it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportDocument {
    pub version: u32,
    /// Where and when the scan ran (for merged team views: the first scan's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanInfo>,
    pub findings: Vec<ReportFinding>,
    /// Credentials whose every place is suppressed (with `--show-suppressed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<ReportFinding>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Counts per vault status and coverage, when a vault was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub stats: Stats,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Share of found credentials the vault knows, 0.0–1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_coverage: Option<f64>,
    /// Share of references among all credential places (references + plaintext places).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_share: Option<f64>,
    /// Places not reported because a baseline entry or an inline allow covers them.
    #[serde(default)]
    pub suppressed_places: usize,
    /// Credentials whose every place is suppressed.
    #[serde(default)]
    pub suppressed_credentials: usize,
    /// Findings reported again because their baseline entry expired.
    #[serde(default)]
    pub expired_exceptions: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportFinding {
    pub rule: String,
    pub provider: String,
    pub class: RuleClass,
    /// Always written; `None` only in results written before criticality existed, which an
    /// import then records without a tier rather than guessing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    pub description: String,
    pub fingerprint: String,
    pub redacted: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub locations: Vec<ReportLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<VaultVerdict>,
    /// Places not reported, and why (with `--show-suppressed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedLocation>,
    /// The baseline entry that covered this credential has expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_exception: Option<ExpiredException>,
    /// The tools and services that read it (Cursor, a GitHub Actions workflow, a project…).
    #[serde(default)]
    pub consumers: Vec<String>,
    /// Read by two or more consumers: one credential doing several jobs.
    #[serde(default)]
    pub shared: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Where to revoke and re-issue it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    /// Machines the credential was found on (merged team views).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machines: Vec<String>,
    /// Whether it still works, when the scan was run with `--validate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<crate::finding::validation::Validation>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReportLocation {
    #[serde(flatten)]
    pub location: Location,
    /// Which machine this place is on (merged team views).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
}

impl ReportLocation {
    /// `path:line` (the path escaped for one line of text), after `machine:` in a merged team
    /// view.
    pub fn place(&self) -> String {
        let machine = self
            .machine
            .as_deref()
            .map(|m| format!("{m}:"))
            .unwrap_or_default();
        format!(
            "{machine}{}:{}",
            crate::pathtext::escaped(&self.location.path),
            self.location.line
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuppressedLocation {
    #[serde(flatten)]
    pub location: Location,
    pub suppression: Suppression,
}

impl ReportFinding {
    pub fn new(finding: &Finding, options: ReportOptions) -> Self {
        ReportFinding {
            rule: finding.rule_id.clone(),
            provider: finding.provider.clone(),
            class: finding.class,
            criticality: Some(finding.criticality),
            description: finding.description.clone(),
            fingerprint: finding.fingerprint.clone(),
            redacted: finding.redacted.clone(),
            secret: options.show_secrets.then(|| plaintext(&finding.secret)),
            locations: finding
                .locations
                .iter()
                .map(|location| ReportLocation {
                    location: location.clone(),
                    machine: None,
                })
                .collect(),
            vault: finding.vault.clone(),
            suppressed: if options.show_suppressed {
                finding
                    .suppressed
                    .iter()
                    .map(|(location, suppression)| SuppressedLocation {
                        location: location.clone(),
                        suppression: suppression.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            expired_exception: finding.expired_exception.clone(),
            consumers: finding.consumers.clone(),
            shared: finding.shared(),
            owner: finding.owner.clone(),
            revoke_url: finding.revoke_url.clone(),
            machines: Vec::new(),
            validation: finding.validation.clone(),
        }
    }
}

impl ReportDocument {
    pub fn new(outcome: &ScanOutcome, options: ReportOptions) -> Self {
        ReportDocument {
            version: SCHEMA_VERSION,
            scan: Some(outcome.info.clone()),
            findings: outcome
                .findings
                .iter()
                .map(|f| ReportFinding::new(f, options))
                .collect(),
            suppressed: if options.show_suppressed {
                outcome
                    .suppressed
                    .iter()
                    .map(|f| ReportFinding::new(f, options))
                    .collect()
            } else {
                Vec::new()
            },
            references: outcome.references.clone(),
            summary: summary(outcome),
            stats: outcome.stats.clone(),
        }
    }
}

/// Status counts and coverage; `None` unless a vault reconciled the findings.
pub fn summary(outcome: &ScanOutcome) -> Option<Summary> {
    let suppressed_places: usize = outcome
        .findings
        .iter()
        .chain(&outcome.suppressed)
        .map(|f| f.suppressed.len())
        .sum();
    let expired_exceptions = outcome
        .findings
        .iter()
        .filter(|f| f.expired_exception.is_some())
        .count();
    if outcome.findings.iter().all(|f| f.vault.is_none())
        && outcome.references.is_empty()
        && suppressed_places == 0
        && expired_exceptions == 0
    {
        return None;
    }
    let counts = StatusCounts::of(&outcome.findings);
    let places: usize = outcome.findings.iter().map(|f| f.locations.len()).sum();
    let references = outcome.references.len();
    Some(Summary {
        counts,
        vault_coverage: counts.coverage(),
        reference_share: (places + references > 0)
            .then(|| references as f64 / (places + references) as f64),
        suppressed_places,
        suppressed_credentials: outcome.suppressed.len(),
        expired_exceptions,
    })
}

pub fn write(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    write_document(&ReportDocument::new(outcome, options), out)
}

pub fn write_document(document: &ReportDocument, out: &mut dyn Write) -> Result<(), ReportError> {
    super::pretty_json(out, document)?;
    writeln!(out)?;
    Ok(())
}

pub fn write_lines(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // Buffered for the reason `pretty_json` is.
    let mut out = std::io::BufWriter::with_capacity(super::JSON_BUFFER, out);
    for finding in &outcome.findings {
        serde_json::to_writer(&mut out, &ReportFinding::new(finding, options))?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}
