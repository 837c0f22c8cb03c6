//! The Step-1 inventory: one CSV row per credential, with its vault status and every place.
//! A team concatenates the CSVs of every laptop, or merges the JSON results (`stray merge`).

use std::collections::BTreeSet;
use std::io::Write;

use super::ReportError;
use super::json::ReportDocument;
use crate::detect::rules::Criticality;

const HEADER: &[&str] = &[
    "provider",
    "rule",
    "class",
    "criticality",
    "redacted",
    "fingerprint",
    "status",
    "vault_item",
    "vault",
    "age_days",
    "rotation_overdue",
    "places",
    "locations",
    "contexts",
    "consumers",
    "shared",
    "owner",
    "machines",
];

/// How much of the fingerprint identifies a credential in a spreadsheet.
const FINGERPRINT_PREFIX: usize = 16;

pub fn write(document: &ReportDocument, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let this_machine = document
        .scan
        .as_ref()
        .map(|s| format!("{}@{}", s.user, s.machine));
    for finding in &document.findings {
        let (status, item, vault, age, overdue) = match &finding.vault {
            Some(verdict) => {
                let first = verdict.items.first();
                (
                    verdict.status.to_string(),
                    first
                        .map(|i| format!("{} ({})", i.item, i.field))
                        .unwrap_or_default(),
                    first.and_then(|i| i.vault.clone()).unwrap_or_default(),
                    verdict.age_days.map(|d| d.to_string()).unwrap_or_default(),
                    verdict.rotation_overdue.to_string(),
                )
            }
            None => (
                "not-reconciled".to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        let locations: Vec<String> = finding
            .locations
            .iter()
            .map(|l| {
                let machine = l
                    .machine
                    .as_deref()
                    .map(|m| format!("{m}:"))
                    .unwrap_or_default();
                format!(
                    "{machine}{}:{} ({})",
                    crate::pathtext::escaped(&l.location.path),
                    l.location.line,
                    l.location.kind
                )
            })
            .collect();
        let contexts: BTreeSet<&str> = finding
            .locations
            .iter()
            .filter_map(|l| l.location.context.as_deref())
            .collect();
        let machines = if finding.machines.is_empty() {
            this_machine.clone().unwrap_or_default()
        } else {
            finding.machines.join("; ")
        };
        let fingerprint = &finding.fingerprint[..finding.fingerprint.len().min(FINGERPRINT_PREFIX)];
        super::write_row(
            &mut writer,
            [
                finding.provider.as_str(),
                finding.rule.as_str(),
                finding.class.as_str(),
                finding.criticality.map_or("", Criticality::as_str),
                finding.redacted.as_str(),
                fingerprint,
                status.as_str(),
                item.as_str(),
                vault.as_str(),
                age.as_str(),
                overdue.as_str(),
                &finding.locations.len().to_string(),
                &locations.join("; "),
                &contexts.into_iter().collect::<Vec<_>>().join("; "),
                &finding.consumers.join("; "),
                if finding.shared { "true" } else { "false" },
                &finding
                    .owner
                    .as_ref()
                    .map(|o| format!("{} ({})", o.name, o.source))
                    .unwrap_or_default(),
                machines.as_str(),
            ],
        )?;
    }
    writer.flush()?;
    Ok(())
}
