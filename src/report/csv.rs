//! CSV inventory: one row per credential location, the Step-1 spreadsheet.

use std::io::Write;

use super::{ReportError, ReportOptions, plaintext};
use crate::scan::ScanOutcome;

const HEADER: &[&str] = &[
    "provider",
    "class",
    "rule",
    "fingerprint",
    "redacted",
    "path",
    "line",
    "column",
    "kind",
    "context",
    "commit",
    "places",
];

pub fn write(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = HEADER.to_vec();
    // Only a validated scan has these columns, so a plain scan's CSV keeps its shape.
    let validated = outcome.findings.iter().any(|f| f.validation.is_some());
    if validated {
        header.extend(["validation", "validated_identity"]);
    }
    if options.show_secrets {
        header.push("secret");
    }
    writer.write_record(&header)?;
    for finding in &outcome.findings {
        let places = finding.locations.len().to_string();
        for location in &finding.locations {
            let mut row = vec![
                finding.provider.clone(),
                finding.class.to_string(),
                finding.rule_id.clone(),
                finding.fingerprint.clone(),
                finding.redacted.clone(),
                crate::pathtext::escaped(&location.path).into_owned(),
                location.line.to_string(),
                location.column.to_string(),
                location.kind.to_string(),
                location.context.clone().unwrap_or_default(),
                location
                    .commit
                    .as_ref()
                    .map(|c| c.id.clone())
                    .unwrap_or_default(),
                places.clone(),
            ];
            if validated {
                let validation = finding.validation.as_ref();
                row.push(validation.map(|v| v.state.to_string()).unwrap_or_default());
                row.push(
                    validation
                        .and_then(|v| v.identity.clone())
                        .unwrap_or_default(),
                );
            }
            if options.show_secrets {
                row.push(plaintext(&finding.secret));
            }
            super::write_row(&mut writer, &row)?;
        }
    }
    writer.flush()?;
    Ok(())
}
