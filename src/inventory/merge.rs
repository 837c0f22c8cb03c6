//! `stray merge`: JSON results from several laptops joined into one team view, grouped by
//! fingerprint — the same key on three laptops is one credential with three machines.

use std::collections::BTreeMap;
use std::path::Path;

use crate::detect::matcher::Matcher;
use crate::finding::verdict::Status;
use crate::judge::reconcile::StatusCounts;
use crate::report::json::{ReportDocument, ReportFinding, SCHEMA_VERSION, Summary};
use crate::scan::Stats;
use crate::scrub::Scrubber;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{path}: cannot read: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: not a stray JSON result: {message}")]
    Parse { path: String, message: String },
}

/// Reads a JSON result written by `stray scan --format json`, with every free-text field
/// scrubbed: the secrets its `secret` fields carry (a `--show-secrets` result) and anything a
/// rule of `matcher` matches are redacted wherever else they appear (a crafted `context`, path,
/// owner or reason), and in the error for a file that is not a result.
pub fn read_result(path: &Path, matcher: &Matcher) -> Result<ReportDocument, MergeError> {
    let name = path.display().to_string();
    let bytes = crate::input::files::read_bounded(path, crate::input::files::MAX_EXPORT_SIZE)
        .map_err(|error| MergeError::Io {
            path: name.clone(),
            error,
        })?;
    let parse_error = |message: String| MergeError::Parse {
        path: name.clone(),
        message: Scrubber::new(std::iter::empty(), Some(matcher))
            .text(&message)
            .into_owned(),
    };
    let document: ReportDocument =
        serde_json::from_slice(&bytes).map_err(|e| parse_error(e.to_string()))?;
    if document.version != SCHEMA_VERSION {
        return Err(parse_error(format!(
            "schema version {} (this stray reads {SCHEMA_VERSION})",
            document.version
        )));
    }
    scrub_document(&document, matcher).map_err(|e| parse_error(e.to_string()))
}

/// `document` with every string but fingerprints and `secret` fields scrubbed of the secrets
/// those fields carry and of rule matches (see [`crate::scrub`]).
pub fn scrub_document(
    document: &ReportDocument,
    matcher: &Matcher,
) -> Result<ReportDocument, serde_json::Error> {
    let secrets = document
        .findings
        .iter()
        .chain(&document.suppressed)
        .filter_map(|f| f.secret.as_deref())
        .map(str::as_bytes);
    let scrubber = Scrubber::new(secrets, Some(matcher));
    let mut value = serde_json::to_value(document)?;
    scrubber.json(&mut value);
    serde_json::from_value(value)
}

/// Joins results; each result's places are tagged with `user@machine` of its scan (or, for a
/// result without scan information, its position in `documents`).
pub fn merge(documents: Vec<ReportDocument>) -> ReportDocument {
    let mut by_fingerprint: BTreeMap<String, ReportFinding> = BTreeMap::new();
    let mut references = Vec::new();
    let mut stats = Stats::default();
    for (index, document) in documents.into_iter().enumerate() {
        let machine = document
            .scan
            .as_ref()
            .map(|s| format!("{}@{}", s.user, s.machine))
            .unwrap_or_else(|| format!("result-{}", index + 1));
        stats.files_scanned += document.stats.files_scanned;
        stats.bytes_scanned += document.stats.bytes_scanned;
        stats.files_skipped += document.stats.files_skipped;
        stats.skipped_binary += document.stats.skipped_binary;
        stats.skipped_too_large += document.stats.skipped_too_large;
        stats.skipped_unreadable += document.stats.skipped_unreadable;
        stats.skipped_archive += document.stats.skipped_archive;
        stats.skipped_special += document.stats.skipped_special;
        stats.elapsed_ms += document.stats.elapsed_ms;
        references.extend(document.references);
        for mut finding in document.findings {
            for location in &mut finding.locations {
                location.machine.get_or_insert_with(|| machine.clone());
            }
            if finding.machines.is_empty() {
                finding.machines.push(machine.clone());
            }
            match by_fingerprint.get_mut(&finding.fingerprint) {
                None => {
                    by_fingerprint.insert(finding.fingerprint.clone(), finding);
                }
                Some(merged) => {
                    merged
                        .locations
                        .extend(std::mem::take(&mut finding.locations));
                    merged.locations.sort();
                    merged.locations.dedup();
                    for machine in std::mem::take(&mut finding.machines) {
                        if !merged.machines.contains(&machine) {
                            merged.machines.push(machine);
                        }
                    }
                    // A vault that knows the credential outranks one that does not.
                    let known = |f: &ReportFinding| {
                        f.vault
                            .as_ref()
                            .is_some_and(|v| v.status != Status::Unvaulted)
                    };
                    if merged.vault.is_none() || (!known(merged) && known(&finding)) {
                        merged.vault = finding.vault;
                    }
                }
            }
        }
    }
    let mut findings: Vec<ReportFinding> = by_fingerprint.into_values().collect();
    findings.sort_by(|a, b| {
        (&a.provider, &a.rule, &a.fingerprint).cmp(&(&b.provider, &b.rule, &b.fingerprint))
    });
    let counts = StatusCounts::from_verdicts(findings.iter().filter_map(|f| f.vault.as_ref()));
    let places: usize = findings.iter().map(|f| f.locations.len()).sum();
    let reconciled = findings.iter().any(|f| f.vault.is_some());
    let summary = (reconciled || !references.is_empty()).then(|| Summary {
        counts,
        vault_coverage: counts.coverage(),
        reference_share: (places + references.len() > 0)
            .then(|| references.len() as f64 / (places + references.len()) as f64),
        suppressed_places: 0,
        suppressed_credentials: 0,
        expired_exceptions: findings
            .iter()
            .filter(|f| f.expired_exception.is_some())
            .count(),
    });
    ReportDocument {
        version: SCHEMA_VERSION,
        scan: None,
        suppressed: Vec::new(),
        findings,
        references,
        summary,
        stats,
    }
}
