//! Rotation on the calendar (`stray rotation`): when each credential's next rotation is due,
//! from its last change (the vault's date for it; without one, when stray first saw it) and
//! the days its tier allows (high 90, medium 180, low 365, or `--max-age`), overdue ones
//! first, as a table, CSV, JSON or an iCalendar file. Only redacted values and fingerprint
//! prefixes: the credentials given here never hold a secret.

use std::collections::BTreeMap;
use std::io::Write;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::credential::{CredentialId, Custody, VaultStanding};
use super::query::CredentialView;
use super::render::RenderError;
use crate::detect::rules::{Criticality, Rule};
use crate::names::Named;
use crate::report::ics;
use crate::report::json::{ReportFinding, ReportLocation};

/// How much of the fingerprint names a credential in a calendar or a tracker.
const FINGERPRINT_PREFIX: usize = 12;

/// How `stray rotation` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationFormat {
    Table,
    Ics,
    Csv,
    Json,
}

impl Named for RotationFormat {
    const ALL: &'static [RotationFormat] = &[
        RotationFormat::Table,
        RotationFormat::Ics,
        RotationFormat::Csv,
        RotationFormat::Json,
    ];

    fn name(self) -> &'static str {
        match self {
            RotationFormat::Table => "table",
            RotationFormat::Ics => "ics",
            RotationFormat::Csv => "csv",
            RotationFormat::Json => "json",
        }
    }

    fn help(self) -> &'static str {
        match self {
            RotationFormat::Table => "Human-readable, overdue first",
            RotationFormat::Ics => {
                "An iCalendar file (RFC 5545) for Google Calendar, Outlook and Apple Calendar"
            }
            RotationFormat::Csv => "One row per credential, for a tracker",
            RotationFormat::Json => "One JSON document",
        }
    }
}

/// What one calendar event covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One event per credential, on its due date.
    Credential,
    /// One event per owner and ISO week, listing that week's rotations.
    OwnerWeek,
}

impl Named for Grouping {
    const ALL: &'static [Grouping] = &[Grouping::Credential, Grouping::OwnerWeek];

    fn name(self) -> &'static str {
        match self {
            Grouping::Credential => "credential",
            Grouping::OwnerWeek => "owner-week",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Grouping::Credential => "One event per credential, on its due date",
            Grouping::OwnerWeek => "One event per owner and week, listing that week's rotations",
        }
    }
}

/// A credential to schedule, from the inventory or from a scan's result.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: CredentialId,
    pub vault: VaultStanding,
    pub custody: Custody,
    /// When it last changed, by the vault, and which of the vault's dates that is.
    pub vault_changed: Option<(Timestamp, String)>,
    pub first_seen: Timestamp,
    /// Where it is: `machine:path:line` (the inventory) or `path:line` (a scan).
    pub places: Vec<String>,
}

impl Subject {
    /// A credential the inventory holds; its vault age was counted to the scan that reconciled
    /// it.
    pub fn from_view(view: &CredentialView) -> Subject {
        let vault_changed = view
            .last_rotated()
            .map(|t| (t, changed_from(view.vault.vault_age_from.as_deref())));
        Subject {
            id: view.id.clone(),
            vault: view.vault.clone(),
            custody: view.custody.clone(),
            vault_changed,
            first_seen: view.first_seen,
            places: view
                .places
                .iter()
                .map(|p| format!("{}:{}:{}", p.machine, p.path, p.line))
                .collect(),
        }
    }

    /// A credential a scan at `scanned_at` found: the vault item's own date when the export
    /// gave one, else its age counted back from the scan.
    pub fn from_report(finding: &ReportFinding, scanned_at: Timestamp) -> Subject {
        let vault = VaultStanding::from_verdict(finding.vault.as_ref());
        let item = finding.vault.as_ref().and_then(|v| v.items.first());
        let vault_changed = match (item.and_then(|i| i.updated), vault.vault_age_days) {
            (Some(updated), _) => Some(updated),
            (None, Some(days)) => scanned_at
                .checked_sub(SignedDuration::from_hours(24 * days))
                .ok(),
            (None, None) => None,
        }
        .map(|t| (t, changed_from(vault.vault_age_from.as_deref())));
        Subject {
            id: CredentialId::from_report(finding),
            custody: Custody::from_report(finding),
            vault,
            vault_changed,
            first_seen: scanned_at,
            places: finding
                .locations
                .iter()
                .map(ReportLocation::place)
                .collect(),
        }
    }
}

fn changed_from(age_from: Option<&str>) -> String {
    match age_from {
        Some(key) => format!("vault ({key})"),
        None => "vault".to_string(),
    }
}

/// One credential's next rotation.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    /// The first 12 hex characters of the fingerprint.
    pub fingerprint: String,
    pub provider: String,
    pub rule: String,
    pub redacted: String,
    pub criticality: Criticality,
    /// Days between rotations: the tier's, or `--max-age`.
    pub max_age_days: i64,
    /// When it last changed (UTC date).
    pub last_changed: Date,
    /// `vault (revisionDate)`, `vault` or `first seen`.
    pub last_changed_from: String,
    pub due: Date,
    /// Days from today to the due date; negative when overdue.
    pub days_left: i64,
    pub overdue: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_source: Option<String>,
    /// The owner's e-mail, where the owner's name is or holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_item: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    /// The rule's `rotation_note` (team packs say how their credentials are rotated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_note: Option<String>,
    pub places: Vec<String>,
}

impl Rotation {
    /// The day its calendar event falls on: the due date, or today when that has passed.
    pub fn event_date(&self, today: Date) -> Date {
        self.due.max(today)
    }

    /// `openai openai-project-key sk-p…AAAA`.
    fn name(&self) -> String {
        format!("{} {} {}", self.provider, self.rule, self.redacted)
    }

    /// `overdue 12 days`, `due today`, `due in 30 days`.
    fn when(&self) -> String {
        match self.days_left {
            d if d < 0 => format!("overdue {}", crate::display::plural((-d) as usize, "day")),
            0 => "due today".to_string(),
            d => format!("due in {}", crate::display::plural(d as usize, "day")),
        }
    }
}

/// UTC date of a time.
fn date_of(time: Timestamp) -> Date {
    time.to_zoned_datetime(TimeZone::UTC).date()
}

/// The next rotation of each subject, overdue first (then by due date, tier and fingerprint).
/// The tier is the recorded one (after the team's `[criticality]` overrides), else the rule's;
/// `max_age` replaces every tier's days. `rules` name revoke pages the record lacks and
/// rotation notes.
pub fn schedule(
    subjects: &[Subject],
    rules: &[Rule],
    max_age: Option<i64>,
    now: Timestamp,
) -> Vec<Rotation> {
    let today = date_of(now);
    let mut rotations: Vec<Rotation> = subjects
        .iter()
        .map(|subject| {
            let rule = rules.iter().find(|r| r.id == subject.id.rule);
            let criticality = subject
                .custody
                .criticality
                .or_else(|| rule.map(|r| r.criticality))
                .unwrap_or_else(|| Criticality::default_for(subject.id.rule_class()));
            let max_age_days = max_age.unwrap_or_else(|| criticality.max_age_days());
            let (changed, from) = match &subject.vault_changed {
                Some((time, from)) => (*time, from.clone()),
                None => (subject.first_seen, "first seen".to_string()),
            };
            let last_changed = date_of(changed);
            let due = last_changed
                .checked_add(jiff::Span::new().days(max_age_days))
                .unwrap_or(Date::MAX);
            let days_left = today
                .until(due)
                .map(|span| i64::from(span.get_days()))
                .unwrap_or(0);
            let owner = subject.custody.owner.as_ref();
            Rotation {
                fingerprint: subject
                    .id
                    .fingerprint
                    .chars()
                    .take(FINGERPRINT_PREFIX)
                    .collect(),
                provider: subject.id.provider.clone(),
                rule: subject.id.rule.clone(),
                redacted: subject.id.redacted.clone(),
                criticality,
                max_age_days,
                last_changed,
                last_changed_from: from,
                due,
                days_left,
                overdue: days_left < 0,
                owner: owner.map(|o| o.name.clone()),
                owner_source: owner.map(|o| o.source.clone()),
                owner_email: owner.and_then(|o| ics::email(&o.name)),
                status: subject.vault.status_name(),
                vault_item: subject.vault.describe_item(),
                vault_source: subject.vault.vault_source.clone(),
                revoke_url: subject
                    .custody
                    .revoke_url
                    .clone()
                    .or_else(|| rule.and_then(|r| r.revoke_url.clone())),
                rotation_note: rule.and_then(|r| r.rotation_note.clone()),
                places: subject.places.clone(),
            }
        })
        .collect();
    rotations.sort_by(|a, b| {
        (a.due, a.criticality, &a.fingerprint).cmp(&(b.due, b.criticality, &b.fingerprint))
    });
    rotations
}

/// What the output says the schedule was drawn from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `inventory /path/to/inventory.db` or `scan of 2026-12-01 09:00 UTC`.
    pub source: String,
    pub now: Timestamp,
}

/// The CSV columns, in order; [`csv_row`] fills them.
pub const CSV_COLUMNS: &[&str] = &[
    "due",
    "days_left",
    "overdue",
    "criticality",
    "max_age_days",
    "last_changed",
    "last_changed_from",
    "provider",
    "rule",
    "redacted",
    "fingerprint",
    "owner",
    "owner_source",
    "owner_email",
    "status",
    "vault_item",
    "revoke_url",
    "rotation_note",
    "places",
];

fn csv_row(r: &Rotation) -> Vec<String> {
    vec![
        r.due.to_string(),
        r.days_left.to_string(),
        r.overdue.to_string(),
        r.criticality.as_str().to_string(),
        r.max_age_days.to_string(),
        r.last_changed.to_string(),
        r.last_changed_from.clone(),
        r.provider.clone(),
        r.rule.clone(),
        r.redacted.clone(),
        r.fingerprint.clone(),
        r.owner.clone().unwrap_or_default(),
        r.owner_source.clone().unwrap_or_default(),
        r.owner_email.clone().unwrap_or_default(),
        r.status.to_string(),
        r.vault_item.clone().unwrap_or_default(),
        r.revoke_url.clone().unwrap_or_default(),
        r.rotation_note.clone().unwrap_or_default(),
        r.places.join("; "),
    ]
}

#[derive(Serialize)]
struct Document<'a> {
    as_of: Timestamp,
    source: &'a str,
    rotations: &'a [Rotation],
}

/// Writes the schedule in `format`; `grouping` applies to the calendar.
pub fn write(
    rotations: &[Rotation],
    origin: &Origin,
    format: RotationFormat,
    grouping: Grouping,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    match format {
        RotationFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &Document {
                    as_of: origin.now,
                    source: &origin.source,
                    rotations,
                },
            )?;
            writeln!(out)?;
        }
        RotationFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            crate::report::write_row(&mut writer, CSV_COLUMNS)?;
            for rotation in rotations {
                crate::report::write_row(&mut writer, csv_row(rotation))?;
            }
            writer.flush()?;
        }
        RotationFormat::Ics => {
            let calendar = calendar(rotations, origin, grouping);
            ics::write(&calendar, origin.now, out)?;
        }
        RotationFormat::Table => table(rotations, origin, out)?,
    }
    Ok(())
}

fn table(rotations: &[Rotation], origin: &Origin, out: &mut dyn Write) -> std::io::Result<()> {
    let printable = crate::display::printable;
    let overdue = rotations.iter().filter(|r| r.overdue).count();
    writeln!(
        out,
        "Rotation schedule for {}, {} ({}), as of {}",
        crate::display::plural(rotations.len(), "credential"),
        if overdue == 0 {
            "none overdue".to_string()
        } else {
            format!("{overdue} overdue")
        },
        origin.source,
        date_of(origin.now),
    )?;
    for r in rotations {
        writeln!(
            out,
            "{}  {:<17} {:<6} {}  {}",
            r.due,
            r.when(),
            r.criticality.as_str(),
            r.name(),
            r.fingerprint
        )?;
        writeln!(
            out,
            "    every {} days from {} ({}); owner: {}; {}",
            r.max_age_days,
            r.last_changed,
            r.last_changed_from,
            r.owner
                .as_deref()
                .map(|o| printable(o).into_owned())
                .unwrap_or_else(|| "unowned".to_string()),
            match &r.vault_item {
                Some(item) => format!("vault: {}", printable(item)),
                None => format!("vault: {}", r.status),
            }
        )?;
        if let Some(note) = &r.rotation_note {
            writeln!(out, "    note: {}", printable(note))?;
        }
    }
    Ok(())
}

/// The calendar: one event per credential, or per owner and ISO week.
pub fn calendar(rotations: &[Rotation], origin: &Origin, grouping: Grouping) -> ics::Calendar {
    let today = date_of(origin.now);
    let events = match grouping {
        Grouping::Credential => rotations
            .iter()
            .map(|r| ics::Event {
                uid: format!("rotation-{}@stray", r.fingerprint),
                date: r.event_date(today),
                summary: format!(
                    "Rotate {} ({}, {})",
                    r.name(),
                    r.criticality.as_str(),
                    if r.overdue {
                        format!("overdue since {}", r.due)
                    } else {
                        format!("due {}", r.due)
                    }
                ),
                description: steps(r, origin),
                attendees: attendee(r).into_iter().collect(),
                categories: vec![
                    "stray".to_string(),
                    "rotation".to_string(),
                    r.criticality.as_str().to_string(),
                ],
            })
            .collect(),
        Grouping::OwnerWeek => {
            let mut weeks: BTreeMap<(i16, i8, String), Vec<&Rotation>> = BTreeMap::new();
            for r in rotations {
                let week = r.event_date(today).iso_week_date();
                let owner = r.owner.clone().unwrap_or_default();
                weeks
                    .entry((week.year(), week.week(), owner))
                    .or_default()
                    .push(r);
            }
            weeks
                .into_iter()
                .map(|((year, week, owner), members)| {
                    let date = members
                        .iter()
                        .map(|r| r.event_date(today))
                        .min()
                        .unwrap_or(today);
                    let who = if owner.is_empty() {
                        "unowned".to_string()
                    } else {
                        owner.clone()
                    };
                    let overdue = members.iter().filter(|r| r.overdue).count();
                    let mut description = format!(
                        "{} to rotate in week {year}-W{week:02} for {who}{}.\n",
                        crate::display::plural(members.len(), "credential"),
                        if overdue > 0 {
                            format!(" ({overdue} overdue)")
                        } else {
                            String::new()
                        }
                    );
                    for r in &members {
                        description.push_str("\n---\n\n");
                        description.push_str(&steps(r, origin));
                    }
                    let mut attendees: Vec<ics::Attendee> =
                        members.iter().filter_map(|r| attendee(r)).collect();
                    attendees.dedup();
                    ics::Event {
                        uid: format!("rotation-{year}-W{week:02}-{}@stray", short_hash(&owner)),
                        date,
                        summary: format!(
                            "Rotate {} ({who}, week {year}-W{week:02})",
                            crate::display::plural(members.len(), "credential")
                        ),
                        description,
                        attendees,
                        categories: vec!["stray".to_string(), "rotation".to_string()],
                    }
                })
                .collect()
        }
    };
    ics::Calendar {
        name: "Credential rotations (stray)".to_string(),
        events,
    }
}

/// The owner as an attendee, where an e-mail address is known.
fn attendee(r: &Rotation) -> Option<ics::Attendee> {
    let email = r.owner_email.clone()?;
    let name = r
        .owner
        .as_deref()
        .and_then(|o| o.split_once('<'))
        .map(|(name, _)| name.trim().to_string())
        .filter(|n| !n.is_empty());
    Some(ics::Attendee { name, email })
}

/// 8 hex characters of SHA-256: a UID part that names an owner without spelling them.
fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What one rotation asks, step by step (the runbook's steps, shortened for a calendar).
fn steps(r: &Rotation, origin: &Origin) -> String {
    let printable = crate::display::printable;
    let mut text = format!(
        "{} (fingerprint {}), tier {}: rotate every {} days.\nLast changed {} ({}); {} ({}).\n",
        r.name(),
        r.fingerprint,
        r.criticality.as_str(),
        r.max_age_days,
        r.last_changed,
        r.last_changed_from,
        if r.overdue {
            format!("was due {}", r.due)
        } else {
            format!("due {}", r.due)
        },
        r.when(),
    );
    text.push_str(&format!(
        "Owner: {}\nVault item: {}\n",
        r.owner
            .as_deref()
            .map(|o| printable(o).into_owned())
            .unwrap_or_else(|| "unowned: name one in .stray.toml [owners]".to_string()),
        r.vault_item
            .as_deref()
            .map(|i| printable(i).into_owned())
            .unwrap_or_else(|| format!("none ({})", r.status)),
    ));
    if let Some(note) = &r.rotation_note {
        text.push_str(&format!("Note: {}\n", printable(note)));
    }
    text.push_str("\nSteps:\n");
    text.push_str(&match &r.revoke_url {
        Some(url) => format!("1. Issue a new value at {url}, one per consumer.\n"),
        None => "1. Issue a new value where it was issued, one per consumer.\n".to_string(),
    });
    text.push_str(match r.vault_item {
        Some(_) => "2. Put the new value into the vault item above.\n",
        None => "2. Put the new value into a vault item (the vault does not know this one).\n",
    });
    text.push_str("3. Update every place that reads it:\n");
    for place in &r.places {
        text.push_str(&format!("   - {}\n", printable(place)));
    }
    text.push_str("4. Revoke the old value.\n");
    text.push_str(&format!(
        "5. Verify: stray scan <those places> --credential {} --fail-on any exits 0.\n\
         The full runbook: stray runbook --credential {}.\n\nFrom stray, {}.",
        r.fingerprint, r.fingerprint, origin.source
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Owner;

    fn subject(
        fingerprint: char,
        tier: Option<Criticality>,
        changed_days_ago: Option<i64>,
    ) -> Subject {
        let now: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
        let ago = |days: i64| {
            now.checked_sub(SignedDuration::from_hours(24 * days))
                .unwrap()
        };
        Subject {
            id: CredentialId {
                fingerprint: fingerprint.to_string().repeat(64),
                provider: "acme".to_string(),
                rule: "acme-key".to_string(),
                class: "saas".to_string(),
                redacted: "acme…1234".to_string(),
            },
            vault: VaultStanding::default(),
            custody: Custody {
                owner: Some(Owner {
                    name: "Ada <ada@acme.io>".to_string(),
                    source: "config".to_string(),
                }),
                criticality: tier,
                revoke_url: None,
            },
            vault_changed: changed_days_ago.map(|d| (ago(d), "vault".to_string())),
            first_seen: ago(10),
            places: vec!["laptop:app/.env:1".to_string()],
        }
    }

    #[test]
    fn due_dates_follow_the_tier_and_overdue_comes_first() {
        let now: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
        let subjects = [
            subject('a', Some(Criticality::Low), Some(100)),
            subject('b', Some(Criticality::High), Some(100)),
            subject('c', None, None),
        ];
        let rotations = schedule(&subjects, &[], None, now);
        let order: Vec<(&str, i64, bool)> = rotations
            .iter()
            .map(|r| (&r.fingerprint[..1], r.days_left, r.overdue))
            .collect();
        // b: high, 90 days from 100 days ago; c: no rule, no tier: saas is medium (180) from
        // first seen 10 days ago; a: low, 365 from 100 days ago.
        assert_eq!(
            order,
            [("b", -10, true), ("c", 170, false), ("a", 265, false)]
        );
        assert_eq!(rotations[0].due.to_string(), "2026-11-21");
        assert_eq!(
            rotations[0].event_date(date_of(now)).to_string(),
            "2026-12-01"
        );
        assert_eq!(rotations[1].last_changed_from, "first seen");
        assert_eq!(rotations[0].owner_email.as_deref(), Some("ada@acme.io"));
        let every_30 = schedule(&subjects, &[], Some(30), now);
        assert!(every_30.iter().all(|r| r.max_age_days == 30));
    }

    #[test]
    fn owner_week_events_have_stable_uids_and_list_each_rotation() {
        let now: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
        let subjects = [
            subject('a', Some(Criticality::High), Some(100)),
            subject('b', Some(Criticality::High), Some(99)),
        ];
        let rotations = schedule(&subjects, &[], None, now);
        let origin = Origin {
            source: "test".to_string(),
            now,
        };
        let calendar = calendar(&rotations, &origin, Grouping::OwnerWeek);
        assert_eq!(calendar.events.len(), 1);
        let event = &calendar.events[0];
        assert_eq!(event.uid, calendar_uid_again(&rotations, &origin));
        assert!(
            event
                .summary
                .starts_with("Rotate 2 credentials (Ada <ada@acme.io>, week 2026-W49)")
        );
        assert_eq!(event.attendees.len(), 1, "one owner, invited once");
        assert_eq!(event.attendees[0].name.as_deref(), Some("Ada"));
        assert!(
            event.description.contains("aaaaaaaaaaaa")
                && event.description.contains("bbbbbbbbbbbb")
        );
        let single = super::calendar(&rotations, &origin, Grouping::Credential);
        assert_eq!(single.events.len(), 2);
        assert_eq!(single.events[0].uid, "rotation-aaaaaaaaaaaa@stray");
    }

    fn calendar_uid_again(rotations: &[Rotation], origin: &Origin) -> String {
        calendar(rotations, origin, Grouping::OwnerWeek).events[0]
            .uid
            .clone()
    }
}
