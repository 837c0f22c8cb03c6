//! The Step-1 inventory: one CSV row per credential, with its vault status and every place.
//! A team concatenates the CSVs of every laptop, or merges the JSON results (`stray merge`).
//!
//! [`COLUMNS`] is the one column set of every inventory CSV: `stray scan --format inventory`
//! fills a [`Row`] from a scan's result ([`Row::from_report`]), `stray inventory --format csv`
//! from the recorded history (`inventory::render`), and [`write_rows`] writes either. A new
//! column is a line in [`COLUMNS`] (and, for new data, a field of [`Row`]).

use std::collections::BTreeSet;
use std::io::Write;

use jiff::{SignedDuration, Timestamp};

use super::ReportError;
use super::json::{ReportDocument, ReportFinding};
use crate::detect::rules::Criticality;
use crate::finding::Owner;

/// One credential of the inventory. What a source does not know stays empty (`None`): a scan
/// has no history (first seen, gone), and the inventory keeps no vault name apart from the
/// item's label.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub provider: String,
    pub rule: String,
    pub class: String,
    pub criticality: Option<Criticality>,
    pub redacted: String,
    /// The full SHA-256 fingerprint (hex).
    pub fingerprint: String,
    /// `unvaulted`, `stray-copy`, `rotated-out` or `not-reconciled`.
    pub status: String,
    /// `vault/item (field)`.
    pub vault_item: Option<String>,
    /// The product that keeps it (`1Password`…).
    pub vault_source: Option<String>,
    /// Which of the export's dates the age is counted from.
    pub vault_age_from: Option<String>,
    pub vault_age_days: Option<i64>,
    /// When the vault last changed it: the last rotation.
    pub last_rotated: Option<Timestamp>,
    /// `None` when no vault reconciled it.
    pub rotation_overdue: Option<bool>,
    /// `machine:path:line (kind)` (the machine where known).
    pub locations: Vec<String>,
    /// Variable names it is assigned to.
    pub contexts: Vec<String>,
    /// The tools and services that read it.
    pub consumers: Vec<String>,
    pub shared: bool,
    pub owner: Option<Owner>,
    /// `user@machine` or machine names: where it runs.
    pub machines: Vec<String>,
    /// What it can reach: the vault item's tags for now.
    pub reach: Vec<String>,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// Whole days since first seen.
    pub age_days: Option<i64>,
    pub present: Option<bool>,
    /// Places in the latest scan of each machine.
    pub places_now: Option<usize>,
    pub gone_at: Option<Timestamp>,
    pub days_to_gone: Option<i64>,
    pub revoked_at: Option<Timestamp>,
    /// The latest validation's state (`live`, `invalid`, `unknown`), when one was made.
    pub validation: Option<String>,
    pub validated_at: Option<Timestamp>,
    /// Who the provider said the credential belongs to.
    pub validated_identity: Option<String>,
    /// When the provider was first seen refusing it after it last worked.
    pub confirmed_dead_at: Option<Timestamp>,
}

/// A column: its header and how a row fills it.
pub type Column = (&'static str, fn(&Row) -> String);

fn text<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn date(value: &Option<Timestamp>) -> String {
    value
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Every inventory CSV's columns, in order. The Step-1 sheet's questions: the tool
/// (`consumers`), where it runs (`machines`), the credential (`provider`, `rule`, `redacted`,
/// `fingerprint`), who issued it (`provider`), where it lives (`locations`, `vault_item`), the
/// last rotation date (`last_rotated`) and what it can reach (`reach`).
pub const COLUMNS: &[Column] = &[
    ("provider", |r| r.provider.clone()),
    ("rule", |r| r.rule.clone()),
    ("class", |r| r.class.clone()),
    ("criticality", |r| {
        r.criticality
            .map(|c| c.as_str().to_string())
            .unwrap_or_default()
    }),
    ("redacted", |r| r.redacted.clone()),
    ("fingerprint", |r| r.fingerprint.clone()),
    ("status", |r| r.status.clone()),
    ("vault_item", |r| text(&r.vault_item)),
    ("vault_age_days", |r| text(&r.vault_age_days)),
    ("last_rotated", |r| date(&r.last_rotated)),
    ("rotation_overdue", |r| text(&r.rotation_overdue)),
    ("places", |r| r.locations.len().to_string()),
    ("locations", |r| r.locations.join("; ")),
    ("contexts", |r| r.contexts.join("; ")),
    ("consumers", |r| r.consumers.join("; ")),
    ("shared", |r| r.shared.to_string()),
    ("owner", |r| {
        r.owner.as_ref().map(|o| o.name.clone()).unwrap_or_default()
    }),
    ("owner_source", |r| {
        r.owner
            .as_ref()
            .map(|o| o.source.clone())
            .unwrap_or_default()
    }),
    ("machines", |r| r.machines.join("; ")),
    ("reach", |r| r.reach.join("; ")),
    ("first_seen", |r| text(&r.first_seen)),
    ("last_seen", |r| text(&r.last_seen)),
    ("age_days", |r| text(&r.age_days)),
    ("present", |r| text(&r.present)),
    ("places_now", |r| text(&r.places_now)),
    ("gone_at", |r| text(&r.gone_at)),
    ("days_to_gone", |r| text(&r.days_to_gone)),
    ("revoked_at", |r| text(&r.revoked_at)),
    ("vault_source", |r| text(&r.vault_source)),
    ("vault_age_from", |r| text(&r.vault_age_from)),
    ("validation", |r| text(&r.validation)),
    ("validated_at", |r| text(&r.validated_at)),
    ("validated_identity", |r| text(&r.validated_identity)),
    ("confirmed_dead_at", |r| text(&r.confirmed_dead_at)),
];

/// Writes `rows` under [`COLUMNS`]' header; `bom` starts the file with a UTF-8 byte order
/// mark (for spreadsheet programs that need one).
pub fn write_rows(rows: &[Row], bom: bool, out: &mut dyn Write) -> Result<(), ::csv::Error> {
    if bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let mut writer = ::csv::Writer::from_writer(out);
    super::write_row(&mut writer, COLUMNS.iter().map(|(name, _)| *name))?;
    for row in rows {
        super::write_row(&mut writer, COLUMNS.iter().map(|(_, cell)| cell(row)))?;
    }
    writer.flush()?;
    Ok(())
}

impl Row {
    /// A finding of a result; `this_machine` (`user@machine` of the scan) where the finding
    /// names no machines of its own (a merged view does).
    pub fn from_report(
        finding: &ReportFinding,
        this_machine: Option<&str>,
        scanned_at: Option<Timestamp>,
    ) -> Row {
        let verdict = finding.vault.as_ref();
        let first = verdict.and_then(|v| v.items.first());
        let locations = finding
            .locations
            .iter()
            .map(|l| format!("{} ({})", l.place(), l.location.kind))
            .collect();
        let contexts: BTreeSet<&str> = finding
            .locations
            .iter()
            .filter_map(|l| l.location.context.as_deref())
            .collect();
        let machines = if finding.machines.is_empty() {
            this_machine.map(str::to_string).into_iter().collect()
        } else {
            finding.machines.clone()
        };
        let age_days = verdict.and_then(|v| v.age_days);
        Row {
            provider: finding.provider.clone(),
            rule: finding.rule.clone(),
            class: finding.class.as_str().to_string(),
            criticality: finding.criticality,
            redacted: finding.redacted.clone(),
            fingerprint: finding.fingerprint.clone(),
            status: verdict
                .map_or("not-reconciled", |v| v.status.as_str())
                .to_string(),
            vault_item: first.map(crate::finding::verdict::VaultItem::label),
            vault_source: first.and_then(|i| i.source.clone()),
            vault_age_from: first.and_then(|i| i.age_from.clone()),
            vault_age_days: age_days,
            last_rotated: first.and_then(|i| i.updated).or_else(|| {
                let days = age_days?;
                scanned_at?
                    .checked_sub(SignedDuration::from_hours(24 * days))
                    .ok()
            }),
            rotation_overdue: verdict.map(|v| v.rotation_overdue),
            locations,
            contexts: contexts.into_iter().map(str::to_string).collect(),
            consumers: finding.consumers.clone(),
            shared: finding.shared,
            owner: finding.owner.clone(),
            machines,
            // The vault's tags, and the scopes the provider reported when it was validated.
            reach: first
                .map(|i| i.tags.clone())
                .unwrap_or_default()
                .into_iter()
                .chain(finding.validation.iter().flat_map(|v| v.scopes.clone()))
                .collect(),
            validation: finding.validation.as_ref().map(|v| v.state.to_string()),
            validated_at: finding.validation.as_ref().map(|v| v.checked_at),
            validated_identity: finding.validation.as_ref().and_then(|v| v.identity.clone()),
            ..Row::default()
        }
    }
}

/// The inventory CSV of a result document (`scan --format inventory`, `merge --format
/// inventory`).
pub fn write(document: &ReportDocument, bom: bool, out: &mut dyn Write) -> Result<(), ReportError> {
    let this_machine = document
        .scan
        .as_ref()
        .map(|s| format!("{}@{}", s.user, s.machine));
    let scanned_at = document.scan.as_ref().map(|s| s.scanned_at);
    let rows: Vec<Row> = document
        .findings
        .iter()
        .map(|f| Row::from_report(f, this_machine.as_deref(), scanned_at))
        .collect();
    write_rows(&rows, bom, out)?;
    Ok(())
}
