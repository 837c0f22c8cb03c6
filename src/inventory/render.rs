//! `stray inventory` output: credential lists, recorded scans and metrics as a table, JSON or
//! CSV. Only redacted values and fingerprints: the database holds nothing else.

use std::io::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::query::{CredentialView, Metrics, ScanRow};
use crate::display::plural;
use crate::names::Named;

/// How `stray inventory` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

impl Named for OutputFormat {
    const ALL: &'static [OutputFormat] =
        &[OutputFormat::Table, OutputFormat::Json, OutputFormat::Csv];

    fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
        }
    }

    fn help(self) -> &'static str {
        match self {
            OutputFormat::Table => "Human-readable",
            OutputFormat::Json => "One JSON document",
            OutputFormat::Csv => "CSV for a spreadsheet",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// `2026-11-01` (UTC).
pub fn date(time: Timestamp) -> String {
    time.to_zoned_datetime(TimeZone::UTC).date().to_string()
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn place_text(place: &super::query::PlaceView) -> String {
    // Names from a recorded scan are printed to a terminal: a control character in one must
    // not drive it.
    let printable = crate::display::printable;
    let mut text = format!(
        "{}  {}:{}:{}  {}",
        printable(&place.machine),
        printable(&place.path),
        place.line,
        place.column,
        place.kind
    );
    if let Some(context) = &place.context {
        text.push_str("  ");
        text.push_str(&printable(context));
    }
    if place.suppressed {
        text.push_str("  (suppressed)");
    }
    text
}

#[derive(Serialize)]
struct CredentialList<'a> {
    as_of: Timestamp,
    database: String,
    credentials: &'a [CredentialView],
}

/// A credential list (present, gone or both), with a summary line in the table format.
pub fn write_credentials(
    credentials: &[CredentialView],
    scans: &[ScanRow],
    database: &str,
    now: Timestamp,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &CredentialList {
                    as_of: now,
                    database: database.to_string(),
                    credentials,
                },
            )?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            crate::report::write_row(
                &mut writer,
                [
                    "fingerprint",
                    "provider",
                    "rule",
                    "class",
                    "criticality",
                    "redacted",
                    "status",
                    "rotation_overdue",
                    "vault_age_days",
                    "first_seen",
                    "last_seen",
                    "age_days",
                    "present",
                    "places_now",
                    "machines",
                    "places",
                    "gone_at",
                    "days_to_gone",
                    "owner",
                    "owner_source",
                    "revoked_at",
                    "vault_item",
                    "vault_source",
                    "vault_age_from",
                ],
            )?;
            for c in credentials {
                let places: Vec<String> = c
                    .places
                    .iter()
                    .map(|p| format!("{}:{}:{} ({})", p.machine, p.path, p.line, p.kind))
                    .collect();
                crate::report::write_row(
                    &mut writer,
                    [
                        c.id.fingerprint.clone(),
                        c.id.provider.clone(),
                        c.id.rule.clone(),
                        c.id.class.clone(),
                        c.custody
                            .criticality
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        c.id.redacted.clone(),
                        c.status_name().to_string(),
                        c.vault.rotation_overdue.to_string(),
                        c.vault
                            .vault_age_days
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        c.first_seen.to_string(),
                        c.last_seen.to_string(),
                        c.age_days.to_string(),
                        c.present.to_string(),
                        c.places_now.to_string(),
                        c.machines.join("; "),
                        places.join("; "),
                        c.gone_at.map(|t| t.to_string()).unwrap_or_default(),
                        c.days_to_gone.map(|d| d.to_string()).unwrap_or_default(),
                        c.custody
                            .owner
                            .as_ref()
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                        c.custody
                            .owner
                            .as_ref()
                            .map(|o| o.source.clone())
                            .unwrap_or_default(),
                        c.revoked_at.map(|t| t.to_string()).unwrap_or_default(),
                        c.vault.vault_item.clone().unwrap_or_default(),
                        c.vault.vault_source.clone().unwrap_or_default(),
                        c.vault.vault_age_from.clone().unwrap_or_default(),
                    ],
                )?;
            }
            writer.flush()?;
        }
        OutputFormat::Table => {
            for c in credentials {
                let overdue = if c.vault.rotation_overdue {
                    ", ROTATION OVERDUE"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{} {} {}  {}  [{}{overdue}]",
                    c.id.provider,
                    c.id.rule,
                    c.id.redacted,
                    &c.id.fingerprint[..c.id.fingerprint.len().min(12)],
                    c.status_name(),
                )?;
                if let Some(vault) = c.vault.describe() {
                    writeln!(out, "    {vault}")?;
                }
                if let Some(live) = c.live.describe() {
                    let dead = c
                        .confirmed_dead_at
                        .map(|at| format!("; confirmed dead since {}", date(at)))
                        .unwrap_or_default();
                    writeln!(out, "    {live}{dead}")?;
                }
                match c.gone_at {
                    None => writeln!(
                        out,
                        "    first seen {}, last seen {}, {} old; {} now on {}",
                        date(c.first_seen),
                        date(c.last_seen),
                        plural(c.age_days.max(0) as usize, "day"),
                        plural(c.places_now, "place"),
                        plural(c.machines.len(), "machine"),
                    )?,
                    Some(gone) => writeln!(
                        out,
                        "    first seen {}, last seen {}, gone by {} ({} after first seen); was at:",
                        date(c.first_seen),
                        date(c.last_seen),
                        date(gone),
                        plural(c.days_to_gone.unwrap_or(0).max(0) as usize, "day"),
                    )?,
                }
                for place in &c.places {
                    writeln!(out, "        {}", place_text(place))?;
                }
            }
            let places: usize = credentials.iter().map(|c| c.places_now).sum();
            let gone = credentials.iter().filter(|c| !c.present).count();
            let latest = scans
                .iter()
                .map(|s| s.scanned_at)
                .max()
                .map(|t| format!(", the latest on {}", date(t)))
                .unwrap_or_default();
            let present = credentials.len() - gone;
            let counts = match (present, gone) {
                (0, 0) => "nothing to list".to_string(),
                (_, 0) => format!(
                    "{} in {}",
                    plural(present, "credential"),
                    plural(places, "place")
                ),
                (0, _) => format!("{} gone", plural(gone, "credential")),
                _ => format!(
                    "{} in {}, {} gone",
                    plural(present, "credential"),
                    plural(places, "place"),
                    gone
                ),
            };
            writeln!(
                out,
                "{}{counts}; {} recorded{latest} in {database}",
                if credentials.is_empty() { "" } else { "\n" },
                plural(scans.len(), "scan"),
            )?;
        }
    }
    Ok(())
}

/// The recorded scans, oldest first.
pub fn write_scans(
    scans: &[ScanRow],
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, scans)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            crate::report::write_row(
                &mut writer,
                [
                    "id",
                    "scanned_at",
                    "machine",
                    "user",
                    "credentials",
                    "references",
                    "rules",
                    "rule_pack",
                    "stray_version",
                    "source",
                    "roots",
                ],
            )?;
            for s in scans {
                crate::report::write_row(
                    &mut writer,
                    [
                        s.id.to_string(),
                        s.scanned_at.to_string(),
                        s.machine.clone(),
                        s.user.clone(),
                        s.credentials.to_string(),
                        s.reference_count.map(|n| n.to_string()).unwrap_or_default(),
                        s.rule_count.map(|n| n.to_string()).unwrap_or_default(),
                        s.rule_pack.clone().unwrap_or_default(),
                        s.stray_version.clone(),
                        s.source.clone(),
                        s.roots.join("; "),
                    ],
                )?;
            }
            writer.flush()?;
        }
        OutputFormat::Table => {
            for s in scans {
                writeln!(
                    out,
                    "{:>4}  {}  {}@{}  {}  stray {}{}  {}{}",
                    s.id,
                    s.scanned_at,
                    s.user,
                    s.machine,
                    plural(s.credentials, "credential"),
                    s.stray_version,
                    s.rules_used()
                        .map(|rules| format!(" ({rules})"))
                        .unwrap_or_default(),
                    s.source,
                    if s.roots.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", s.roots.join(" "))
                    },
                )?;
            }
            writeln!(out, "{} recorded", plural(scans.len(), "scan"))?;
        }
    }
    Ok(())
}

pub fn write_metrics(
    metrics: &Metrics,
    database: &str,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let period_word = metrics.period.name();
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, metrics)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(["metric", "key", "value"])?;
            let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            let rows: Vec<(&str, String)> = vec![
                ("scans", metrics.scans.to_string()),
                ("machines", metrics.machines.to_string()),
                (
                    "credentials_present",
                    metrics.credentials_present.to_string(),
                ),
                ("credentials_gone", metrics.credentials_gone.to_string()),
                ("places_now", metrics.places_now.to_string()),
                ("references_now", metrics.references_now.to_string()),
                ("vault_share", number(metrics.vault_share)),
                ("reference_share", number(metrics.reference_share)),
                ("rotation_sla_share", number(metrics.rotation_sla_share)),
                ("median_days_to_gone", number(metrics.median_days_to_gone)),
                ("revoked_gone", metrics.revoked_gone.to_string()),
                ("mean_hours_to_revoke", number(metrics.mean_hours_to_revoke)),
                (
                    "revocations_pending",
                    metrics.revocations_pending.to_string(),
                ),
                ("owned_present", metrics.owned_present.to_string()),
                ("owner_share", number(metrics.owner_share)),
            ];
            for (name, value) in rows {
                crate::report::write_row(&mut writer, [name, "", value.as_str()])?;
            }
            for point in &metrics.unvaulted_over_time {
                crate::report::write_row(
                    &mut writer,
                    [
                        "unvaulted",
                        point.date.as_str(),
                        &point.unvaulted.to_string(),
                    ],
                )?;
            }
            for count in &metrics.removed_per_period {
                crate::report::write_row(
                    &mut writer,
                    [
                        format!("removed_per_{period_word}").as_str(),
                        count.period.as_str(),
                        &count.removed.to_string(),
                    ],
                )?;
            }
            for count in &metrics.orphans_removed_per_period {
                crate::report::write_row(
                    &mut writer,
                    [
                        format!("orphans_removed_per_{period_word}").as_str(),
                        count.period.as_str(),
                        &count.removed.to_string(),
                    ],
                )?;
            }
            writer.flush()?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "inventory metrics as of {} ({}: {} from {})",
                date(metrics.as_of),
                database,
                plural(metrics.scans, "scan"),
                plural(metrics.machines, "machine"),
            )?;
            writeln!(
                out,
                "  credentials present         {} ({} gone)",
                metrics.credentials_present, metrics.credentials_gone
            )?;
            writeln!(
                out,
                "  in the vault                {} ({} of {})",
                percent(metrics.vault_share),
                metrics.vaulted_present,
                metrics.credentials_present
            )?;
            writeln!(
                out,
                "  references among places     {} ({} of {})",
                percent(metrics.reference_share),
                metrics.references_now,
                metrics.references_now + metrics.places_now
            )?;
            writeln!(
                out,
                "  within rotation SLA         {} ({} of {} vaulted)",
                percent(metrics.rotation_sla_share),
                metrics.vaulted_present - metrics.overdue_present,
                metrics.vaulted_present
            )?;
            writeln!(
                out,
                "  median days to gone         {}",
                metrics
                    .median_days_to_gone
                    .map_or_else(|| "n/a".to_string(), |d| format!("{d}"))
            )?;
            writeln!(
                out,
                "  with a named owner          {} ({} of {})",
                percent(metrics.owner_share),
                metrics.owned_present,
                metrics.credentials_present
            )?;
            writeln!(
                out,
                "  mean hours to revoke        {} ({} revoked and gone)",
                metrics
                    .mean_hours_to_revoke
                    .map_or_else(|| "n/a".to_string(), |h| format!("{h:.1}")),
                metrics.revoked_gone
            )?;
            writeln!(
                out,
                "  revocations pending         {}",
                metrics.revocations_pending
            )?;
            writeln!(out, "unvaulted credentials by scan date")?;
            for point in &metrics.unvaulted_over_time {
                writeln!(
                    out,
                    "  {}  {} of {}",
                    point.date, point.unvaulted, point.present
                )?;
            }
            writeln!(out, "strays removed per {period_word}")?;
            for count in &metrics.removed_per_period {
                writeln!(out, "  {}  {}", count.period, count.removed)?;
            }
            writeln!(
                out,
                "orphan (unowned) credentials removed per {period_word}"
            )?;
            for count in &metrics.orphans_removed_per_period {
                writeln!(out, "  {}  {}", count.period, count.removed)?;
            }
        }
    }
    Ok(())
}
