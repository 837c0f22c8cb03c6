//! Reading the history back: each credential's first and last sighting, where it is now, whether
//! it is gone, and the maturity metrics. Definitions are documented in docs/inventory.md
//! ("Metrics").
//!
//! "Now" for a credential means the latest recorded scan of each machine that has ever seen it:
//! a credential is *present* when at least one of those scans contains it, and *gone* otherwise.
//! It went gone at the first scan (on each machine) after its last sighting there; when it was on
//! several machines, the latest of those moments.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::params;
use serde::{Serialize, Serializer};

use super::credential::{CredentialId, Custody, LiveStanding, VaultStanding, is_vaulted};
use super::db::{Database, InventoryError};
use crate::detect::rules::{Criticality, RuleClass};
use crate::finding::Owner;
use crate::finding::validation::LiveState;
use crate::finding::verdict::Status;
use crate::names::{self, Named};

const DAY: i64 = 86_400;

/// One recorded scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow {
    pub id: i64,
    pub scanned_at: Timestamp,
    pub machine: String,
    pub user: String,
    pub roots: Vec<String>,
    pub stray_version: String,
    /// How many rules were in use; absent for imported results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_count: Option<i64>,
    /// The rule-pack version (`187 rules, sha256:…`); absent before schema 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_pack: Option<String>,
    /// Vault references found; absent for scans recorded before schema 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_count: Option<i64>,
    pub source: String,
    /// Credentials the scan saw.
    pub credentials: usize,
}

impl ScanRow {
    /// Which rules judged the scan: its rule-pack version, else its rule count (scans recorded
    /// before schema 5), else nothing (imports of older results).
    pub fn rules_used(&self) -> Option<String> {
        match (&self.rule_pack, self.rule_count) {
            (Some(pack), _) => Some(pack.clone()),
            (None, Some(count)) => Some(format!("{count} rules")),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Sighting {
    /// Index into `History::scans` (time order).
    scan: usize,
    vault: VaultStanding,
    custody: Custody,
    live: LiveStanding,
}

/// One place a credential is (or was) at, on one machine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PlaceView {
    pub machine: String,
    pub user: String,
    pub path: String,
    pub line: i64,
    pub column: i64,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Covered by a baseline entry or an inline `stray:allow`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

/// One credential across the whole history.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialView {
    #[serde(flatten)]
    pub id: CredentialId,
    /// From the most recent scan that reconciled it with a vault; `not-reconciled` if none did.
    #[serde(flatten)]
    pub vault: VaultStanding,
    /// When the scan that said `vault` ran (the vault age was counted to then).
    #[serde(skip)]
    pub reconciled_at: Option<Timestamp>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Whole days from first seen to now.
    pub age_days: i64,
    /// Every machine that has seen it.
    pub machines: Vec<String>,
    pub present: bool,
    /// Places in the latest scan of each machine (0 when gone).
    pub places_now: usize,
    /// Where it is now; for a gone credential, where it was when last seen.
    pub places: Vec<PlaceView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gone_at: Option<Timestamp>,
    /// Whole days from first seen to gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_to_gone: Option<i64>,
    /// Owner, tier and revoke page, each from the most recent sighting that recorded one.
    #[serde(flatten)]
    pub custody: Custody,
    /// When it was revoked (`stray inventory revoke`; the latest recorded revocation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// Hours from revoked to confirmed dead (`confirmed_dead_at`), else to gone (0 when it was
    /// gone before the revocation was recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_to_revoke: Option<f64>,
    /// The latest validation (`--validate`, `stray verify`).
    #[serde(flatten)]
    pub live: LiveStanding,
    /// When the provider first refused it after it last worked, if its latest validation is
    /// `invalid`: evidence that it is revoked, whatever copies remain on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_dead_at: Option<Timestamp>,
}

impl CredentialView {
    /// The vault knows it (`stray-copy` or `rotated-out`).
    pub fn vaulted(&self) -> bool {
        self.vault.vaulted()
    }

    /// The recorded class (`generic` if a database holds a name this stray does not know).
    pub fn rule_class(&self) -> RuleClass {
        self.id.rule_class()
    }

    pub fn status_name(&self) -> &'static str {
        self.vault.status_name()
    }

    /// When the vault last changed it (its last rotation): the vault's age counted back from
    /// the scan that reconciled it.
    pub fn last_rotated(&self) -> Option<Timestamp> {
        let days = self.vault.vault_age_days?;
        self.reconciled_at?
            .checked_sub(jiff::SignedDuration::from_hours(24 * days))
            .ok()
    }
}

/// Periods for "strays removed per period"; serialized by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
}

impl Named for Period {
    const ALL: &'static [Period] = &[Period::Week, Period::Month];

    fn name(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Period::Week => "ISO weeks (2026-W48)",
            Period::Month => "Calendar months (2026-11)",
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        names::serialize(*self, serializer)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatePoint {
    /// A UTC date on which at least one scan was recorded.
    pub date: String,
    /// Credentials present at the end of that day that the vault does not know.
    pub unvaulted: usize,
    /// All credentials present at the end of that day.
    pub present: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodCount {
    pub period: String,
    /// Credentials that went gone in this period.
    pub removed: usize,
}

/// The maturity numbers (definitions in docs/inventory.md, "Metrics").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub as_of: Timestamp,
    pub scans: usize,
    pub machines: usize,
    pub credentials_present: usize,
    pub credentials_gone: usize,
    pub vaulted_present: usize,
    pub overdue_present: usize,
    pub places_now: usize,
    pub references_now: usize,
    /// Present credentials the vault knows, over all present credentials.
    pub vault_share: Option<f64>,
    /// References over references + plaintext places, in the latest scan of each machine.
    pub reference_share: Option<f64>,
    /// Present vaulted credentials not overdue for rotation, over present vaulted credentials.
    pub rotation_sla_share: Option<f64>,
    pub unvaulted_over_time: Vec<DatePoint>,
    pub period: Period,
    pub removed_per_period: Vec<PeriodCount>,
    /// Median over gone credentials of whole days from first seen to gone.
    pub median_days_to_gone: Option<f64>,
    /// Revoked credentials that are gone or that the provider confirmed dead.
    pub revoked_gone: usize,
    /// Mean over those of hours from revoked to confirmed dead (else to gone).
    pub mean_hours_to_revoke: Option<f64>,
    /// Revoked credentials still present in the latest scan of some machine.
    pub revocations_pending: usize,
    /// Present credentials with a named owner.
    pub owned_present: usize,
    /// Present credentials with a named owner, over all present credentials.
    pub owner_share: Option<f64>,
    /// Credentials without an owner that went gone, per period.
    pub orphans_removed_per_period: Vec<PeriodCount>,
    /// Present credentials ever validated (`--validate`, `stray verify`).
    pub validated_present: usize,
    /// Present credentials whose latest validation says they work and that the vault does not
    /// know: the most urgent number in the report.
    pub live_outside_vault: usize,
    /// Credentials whose latest validation says the provider refuses them.
    pub confirmed_dead: usize,
}

/// Everything recorded, in time order.
#[derive(Debug)]
pub struct History {
    pub scans: Vec<ScanRow>,
    credentials: Vec<CredentialId>,
    /// Per credential (same index as `credentials`), its sightings in scan order.
    sightings: Vec<Vec<Sighting>>,
    /// Places of (scan index, credential index), for the scans the views need.
    places: HashMap<(usize, usize), Vec<PlaceView>>,
    /// The latest recorded revocation time of each revoked credential, by fingerprint.
    revocations: HashMap<String, Timestamp>,
}

impl History {
    pub fn load(db: &Database) -> Result<History, InventoryError> {
        let conn = &db.conn;
        let error = |e: rusqlite::Error| db.error(&e);
        let rows: Vec<(ScanRow, String)> = conn
            .prepare(
                "SELECT s.id, s.scanned_at, s.machine, s.user_name, s.roots, s.stray_version,
                        s.rule_count, s.reference_count, s.source,
                        (SELECT count(*) FROM sightings g WHERE g.scan_id = s.id), s.rule_pack
                 FROM scans s",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    let roots: String = row.get(4)?;
                    let scan = ScanRow {
                        id: row.get(0)?,
                        // Set from the text below, where a bad one can be refused with the row.
                        scanned_at: Timestamp::UNIX_EPOCH,
                        machine: row.get(2)?,
                        user: row.get(3)?,
                        roots: serde_json::from_str(&roots).unwrap_or_default(),
                        stray_version: row.get(5)?,
                        rule_count: row.get(6)?,
                        reference_count: row.get(7)?,
                        source: row.get(8)?,
                        credentials: row.get::<_, i64>(9)? as usize,
                        rule_pack: row.get(10)?,
                    };
                    Ok((scan, row.get(1)?))
                })?
                .collect()
            })
            .map_err(error)?;
        let mut scans = Vec::with_capacity(rows.len());
        for (mut scan, time) in rows {
            scan.scanned_at = parse_time(db, &time, || format!("scans row id {}", scan.id))?;
            scans.push(scan);
        }
        scans.sort_by_key(|s| (s.scanned_at, s.id));
        let scan_index: HashMap<i64, usize> =
            scans.iter().enumerate().map(|(i, s)| (s.id, i)).collect();

        let credentials: Vec<CredentialId> = conn
            .prepare(
                "SELECT fingerprint, provider, rule, class, redacted FROM credentials
                 ORDER BY provider, rule, fingerprint",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    Ok(CredentialId {
                        fingerprint: row.get(0)?,
                        provider: row.get(1)?,
                        rule: row.get(2)?,
                        class: row.get(3)?,
                        redacted: row.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(error)?;
        let credential_index: HashMap<&str, usize> = credentials
            .iter()
            .enumerate()
            .map(|(i, c)| (c.fingerprint.as_str(), i))
            .collect();

        let mut sightings: Vec<Vec<Sighting>> = vec![Vec::new(); credentials.len()];
        {
            let mut stmt = conn
                .prepare(
                    "SELECT scan_id, fingerprint, status, vault_item, vault_age_days,
                            rotation_overdue, owner, owner_source, criticality, revoke_url,
                            vault_source, vault_age_from, validation, validated_at,
                            validated_identity, validated_scopes, vault_tags
                     FROM sightings",
                )
                .map_err(error)?;
            let rows = stmt
                .query_map([], |row| {
                    let status: Option<String> = row.get(2)?;
                    let criticality: Option<String> = row.get(8)?;
                    let revoke_url: Option<String> = row.get(9)?;
                    let validation: Option<String> = row.get(12)?;
                    let validated_at: Option<String> = row.get(13)?;
                    let scopes: Option<String> = row.get(15)?;
                    let tags: Option<String> = row.get(16)?;
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        VaultStanding {
                            status: status.as_deref().and_then(Status::parse),
                            vault_item: row.get(3)?,
                            vault_age_days: row.get(4)?,
                            rotation_overdue: row.get(5)?,
                            vault_source: row.get(10)?,
                            vault_age_from: row.get(11)?,
                            // A hand-edited value that is not a list of strings is no tags.
                            vault_tags: tags
                                .and_then(|text| serde_json::from_str(&text).ok())
                                .unwrap_or_default(),
                        },
                        Custody {
                            owner: recorded_owner(row.get(6)?, row.get(7)?),
                            criticality: criticality.as_deref().and_then(Criticality::parse),
                            revoke_url: revoke_url.filter(|url| !url.is_empty()),
                        },
                        LiveStanding {
                            validation: validation.as_deref().and_then(LiveState::parse),
                            // A hand-edited time is dropped, not guessed at.
                            validated_at: validated_at.and_then(|t| t.parse().ok()),
                            validated_identity: row.get(14)?,
                            validated_scopes: scopes
                                .and_then(|s| serde_json::from_str(&s).ok())
                                .unwrap_or_default(),
                        },
                    ))
                })
                .map_err(error)?;
            for row in rows {
                let (scan_id, fingerprint, vault, custody, live) = row.map_err(error)?;
                let (Some(&scan), Some(&credential)) = (
                    scan_index.get(&scan_id),
                    credential_index.get(fingerprint.as_str()),
                ) else {
                    continue;
                };
                sightings[credential].push(Sighting {
                    scan,
                    vault,
                    custody,
                    live,
                });
            }
        }
        for list in &mut sightings {
            list.sort_by_key(|s| s.scan);
        }

        let mut revocations: HashMap<String, Timestamp> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT rowid, fingerprint, revoked_at FROM revocations ORDER BY rowid")
                .map_err(error)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(error)?;
            for row in rows {
                let (rowid, fingerprint, revoked_at) = row.map_err(error)?;
                let time = parse_time(db, &revoked_at, || {
                    format!("revocations row {rowid} (credential {fingerprint:.12})")
                })?;
                revocations
                    .entry(fingerprint)
                    .and_modify(|t| *t = (*t).max(time))
                    .or_insert(time);
            }
        }

        let mut history = History {
            scans,
            credentials,
            sightings,
            places: HashMap::new(),
            revocations,
        };
        history.load_places(db)?;
        Ok(history)
    }

    /// Loads the places of the scans the views show: the latest scan of each machine, and each
    /// credential's last sighting on each machine.
    fn load_places(&mut self, db: &Database) -> Result<(), InventoryError> {
        let mut needed: BTreeSet<usize> = self
            .latest_per_machine(self.scans.len())
            .into_values()
            .collect();
        for list in &self.sightings {
            let mut last: BTreeMap<&str, usize> = BTreeMap::new();
            for s in list {
                last.insert(self.scans[s.scan].machine.as_str(), s.scan);
            }
            needed.extend(last.into_values());
        }
        let credential_index: HashMap<String, usize> = self
            .credentials
            .iter()
            .enumerate()
            .map(|(i, c)| (c.fingerprint.clone(), i))
            .collect();
        let mut stmt = db
            .conn
            .prepare(
                "SELECT fingerprint, path, line, col, kind, context, suppressed FROM places
                 WHERE scan_id = ?1",
            )
            .map_err(|e| db.error(&e))?;
        for scan in needed {
            let row = &self.scans[scan];
            let places = stmt
                .query_map(params![row.id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        PlaceView {
                            machine: row.machine.clone(),
                            user: row.user.clone(),
                            path: r.get(1)?,
                            line: r.get(2)?,
                            column: r.get(3)?,
                            kind: r.get(4)?,
                            context: r.get(5)?,
                            suppressed: r.get(6)?,
                        },
                    ))
                })
                .map_err(|e| db.error(&e))?;
            for place in places {
                let (fingerprint, place) = place.map_err(|e| db.error(&e))?;
                if let Some(&credential) = credential_index.get(&fingerprint) {
                    self.places
                        .entry((scan, credential))
                        .or_default()
                        .push(place);
                }
            }
        }
        for list in self.places.values_mut() {
            list.sort();
        }
        Ok(())
    }

    /// The latest scan of each machine among the first `count` scans (time order).
    fn latest_per_machine(&self, count: usize) -> BTreeMap<String, usize> {
        let mut latest = BTreeMap::new();
        for (index, scan) in self.scans.iter().enumerate().take(count) {
            latest.insert(scan.machine.clone(), index);
        }
        latest
    }

    /// Every credential ever recorded, with where it is now (or was last), sorted by provider,
    /// rule and fingerprint.
    pub fn credentials(&self, now: Timestamp) -> Vec<CredentialView> {
        let latest = self.latest_per_machine(self.scans.len());
        let mut views = Vec::new();
        for (index, row) in self.credentials.iter().enumerate() {
            let list = &self.sightings[index];
            let (Some(first), Some(last)) = (list.first(), list.last()) else {
                continue;
            };
            let first_seen = self.scans[first.scan].scanned_at;
            let last_seen = self.scans[last.scan].scanned_at;
            // The last sighting on each machine.
            let mut last_on: BTreeMap<&str, usize> = BTreeMap::new();
            for s in list {
                last_on.insert(self.scans[s.scan].machine.as_str(), s.scan);
            }
            let present_on: Vec<usize> = last_on
                .iter()
                .filter(|(machine, scan)| latest.get(**machine) == Some(*scan))
                .map(|(_, scan)| *scan)
                .collect();
            let present = !present_on.is_empty();
            let gone_at = if present {
                None
            } else {
                last_on
                    .iter()
                    .filter_map(|(machine, &scan)| {
                        self.scans
                            .iter()
                            .skip(scan + 1)
                            .find(|s| s.machine == *machine)
                            .map(|s| s.scanned_at)
                    })
                    .max()
            };
            let shown: Vec<usize> = if present {
                present_on
            } else {
                last_on.values().copied().collect()
            };
            let mut places: Vec<PlaceView> = shown
                .iter()
                .filter_map(|&scan| self.places.get(&(scan, index)))
                .flatten()
                .cloned()
                .collect();
            places.sort();
            let reconciled = list.iter().rev().find(|s| s.vault.status.is_some());
            let revoked_at = self.revocations.get(&row.fingerprint).copied();
            let validated: Vec<&LiveStanding> = list
                .iter()
                .map(|s| &s.live)
                .filter(|l| l.validation.is_some())
                .collect();
            let live = validated.last().map(|l| (*l).clone()).unwrap_or_default();
            let confirmed_dead_at = if live.validation == Some(LiveState::Invalid) {
                validated
                    .iter()
                    .rev()
                    .take_while(|l| l.validation != Some(LiveState::Live))
                    .filter(|l| l.validation == Some(LiveState::Invalid))
                    .filter_map(|l| l.validated_at)
                    .min()
            } else {
                None
            };
            let hours_to_revoke = match (revoked_at, confirmed_dead_at.or(gone_at)) {
                (Some(revoked), Some(gone)) => {
                    Some((gone.as_second() - revoked.as_second()).max(0) as f64 / 3600.0)
                }
                _ => None,
            };
            views.push(CredentialView {
                id: row.clone(),
                vault: reconciled.map(|s| s.vault.clone()).unwrap_or_default(),
                reconciled_at: reconciled.map(|s| self.scans[s.scan].scanned_at),
                first_seen,
                last_seen,
                age_days: whole_days(first_seen, now).max(0),
                machines: last_on.keys().map(|m| m.to_string()).collect(),
                present,
                places_now: if present { places.len() } else { 0 },
                places,
                gone_at,
                days_to_gone: gone_at.map(|gone| whole_days(first_seen, gone)),
                custody: Custody::latest(list.iter().map(|s| &s.custody)),
                revoked_at,
                hours_to_revoke,
                live,
                confirmed_dead_at,
            });
        }
        views
    }

    /// The files on disk where `machine`'s latest recorded scan saw a credential (only those
    /// whose fingerprint starts with `only`, when given), for `stray verify --db` to read the
    /// values again. A recorded path is resolved through that scan's roots (it was reported
    /// relative to where the scan ran); archive members name their archive; files that no
    /// longer exist are left out.
    pub fn files_on(&self, machine: &str, only: Option<&str>) -> Vec<std::path::PathBuf> {
        use std::path::{Path, PathBuf};
        let Some(&scan) = self.latest_per_machine(self.scans.len()).get(machine) else {
            return Vec::new();
        };
        let roots: Vec<PathBuf> = self.scans[scan].roots.iter().map(PathBuf::from).collect();
        let mut files = Vec::new();
        for (index, credential) in self.credentials.iter().enumerate() {
            if only.is_some_and(|p| !credential.fingerprint.starts_with(p)) {
                continue;
            }
            for place in self.places.get(&(scan, index)).into_iter().flatten() {
                let recorded = place.path.split('!').next().unwrap_or(&place.path);
                let recorded = Path::new(recorded);
                let candidates: Vec<PathBuf> = if recorded.is_absolute() {
                    vec![recorded.to_path_buf()]
                } else {
                    roots
                        .iter()
                        .flat_map(|root| {
                            [
                                Some(root.join(recorded)),
                                root.parent().map(|p| p.join(recorded)),
                            ]
                        })
                        .flatten()
                        .collect()
                };
                if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
                    files.push(found);
                }
            }
        }
        files.sort();
        files.dedup();
        files
    }

    /// Credentials present at the end of the first `count` scans, each with the status of its
    /// most recent reconciled sighting among them.
    fn state_after(&self, count: usize) -> Vec<Option<Status>> {
        let latest: BTreeSet<usize> = self.latest_per_machine(count).into_values().collect();
        let mut present = Vec::new();
        for list in &self.sightings {
            // Sightings are in scan order: those among the first `count` scans are a prefix.
            let seen = &list[..list.partition_point(|s| s.scan < count)];
            if seen.iter().any(|s| latest.contains(&s.scan)) {
                present.push(seen.iter().rev().find_map(|s| s.vault.status));
            }
        }
        present
    }

    /// The maturity numbers as of `now`.
    pub fn metrics(&self, now: Timestamp, period: Period) -> Metrics {
        let views = self.credentials(now);
        let present: Vec<&CredentialView> = views.iter().filter(|c| c.present).collect();
        let gone: Vec<&CredentialView> = views.iter().filter(|c| !c.present).collect();
        let vaulted: Vec<&&CredentialView> = present.iter().filter(|c| c.vaulted()).collect();
        let overdue = vaulted.iter().filter(|c| c.vault.rotation_overdue).count();
        let places_now: usize = present.iter().map(|c| c.places.len()).sum();
        let latest = self.latest_per_machine(self.scans.len());
        let references_now: usize = latest
            .values()
            .map(|&scan| self.scans[scan].reference_count.unwrap_or(0).max(0) as usize)
            .sum();
        let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);

        // One point per UTC date with a scan: the state at the end of that day.
        let mut unvaulted_over_time = Vec::new();
        let mut count = 0;
        while count < self.scans.len() {
            let day = day_number(self.scans[count].scanned_at);
            while count < self.scans.len() && day_number(self.scans[count].scanned_at) == day {
                count += 1;
            }
            let state = self.state_after(count);
            unvaulted_over_time.push(DatePoint {
                date: date_of_day(day),
                unvaulted: state.iter().filter(|s| !is_vaulted(**s)).count(),
                present: state.len(),
            });
        }

        let mut removed: BTreeMap<String, usize> = BTreeMap::new();
        if let (Some(first), Some(last)) = (self.scans.first(), self.scans.last()) {
            for key in periods(first.scanned_at, last.scanned_at, period) {
                removed.insert(key, 0);
            }
        }
        let mut orphans_removed = removed.clone();
        for credential in &gone {
            if let Some(at) = credential.gone_at {
                *removed.entry(period_key(at, period)).or_default() += 1;
                if credential.custody.owner.is_none() {
                    *orphans_removed.entry(period_key(at, period)).or_default() += 1;
                }
            }
        }
        // Measured to the provider's refusal where a validation confirmed it, else to gone.
        let hours: Vec<f64> = views.iter().filter_map(|c| c.hours_to_revoke).collect();
        let mean_hours_to_revoke =
            (!hours.is_empty()).then(|| hours.iter().sum::<f64>() / hours.len() as f64);
        let revocations_pending = present
            .iter()
            .filter(|c| c.revoked_at.is_some() && c.confirmed_dead_at.is_none())
            .count();
        let validated_present = present
            .iter()
            .filter(|c| c.live.validation.is_some())
            .count();
        let live_outside_vault = present
            .iter()
            .filter(|c| c.live.validation == Some(LiveState::Live) && !c.vaulted())
            .count();
        let confirmed_dead = views
            .iter()
            .filter(|c| c.confirmed_dead_at.is_some())
            .count();
        let owned_present = present.iter().filter(|c| c.custody.owner.is_some()).count();
        let mut days: Vec<i64> = gone.iter().filter_map(|c| c.days_to_gone).collect();
        days.sort_unstable();
        let median_days_to_gone = match days.len() {
            0 => None,
            n if n % 2 == 1 => Some(days[n / 2] as f64),
            n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };

        Metrics {
            as_of: now,
            scans: self.scans.len(),
            machines: latest.len(),
            credentials_present: present.len(),
            credentials_gone: gone.len(),
            vaulted_present: vaulted.len(),
            overdue_present: overdue,
            places_now,
            references_now,
            vault_share: share(vaulted.len(), present.len()),
            reference_share: share(references_now, references_now + places_now),
            rotation_sla_share: share(vaulted.len() - overdue, vaulted.len()),
            unvaulted_over_time,
            period,
            removed_per_period: removed
                .into_iter()
                .map(|(period, removed)| PeriodCount { period, removed })
                .collect(),
            median_days_to_gone,
            revoked_gone: hours.len(),
            mean_hours_to_revoke,
            revocations_pending,
            owned_present,
            owner_share: share(owned_present, present.len()),
            orphans_removed_per_period: orphans_removed
                .into_iter()
                .map(|(period, removed)| PeriodCount { period, removed })
                .collect(),
            validated_present,
            live_outside_vault,
            confirmed_dead,
        }
    }
}

/// A stored time. Text that is not an RFC 3339 timestamp is refused, naming the row, rather
/// than read as some default date (1970 would make every age and period wrong).
fn parse_time(
    db: &Database,
    text: &str,
    row: impl FnOnce() -> String,
) -> Result<Timestamp, InventoryError> {
    text.parse().map_err(|_| {
        db.invalid(format!(
            "{}: the time {text:?} is not an RFC 3339 timestamp (such as 2026-11-01T09:00:00Z); \
             correct or delete that row",
            row()
        ))
    })
}

/// A sighting's owner as recorded, or `None` when there is none — including the `unknown`
/// machine user that scans run without `$USER` recorded before that stopped naming an owner.
fn recorded_owner(name: Option<String>, source: Option<String>) -> Option<Owner> {
    let name = name.filter(|name| !name.trim().is_empty())?;
    let source = source.unwrap_or_default();
    if source == "machine-user" && !crate::host::is_known_user(&name) {
        return None;
    }
    Some(Owner { name, source })
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn whole_days(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).div_euclid(DAY)
}

/// Days since 1970-01-01, UTC.
fn day_number(time: Timestamp) -> i64 {
    time.as_second().div_euclid(DAY)
}

fn date_of_day(day: i64) -> String {
    Timestamp::from_second(day * DAY)
        .map(|t| t.to_zoned_datetime(TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

/// `2026-11` or `2026-W48` (ISO week), UTC.
pub fn period_key(time: Timestamp, period: Period) -> String {
    let date = time.to_zoned_datetime(TimeZone::UTC).date();
    match period {
        Period::Month => format!("{:04}-{:02}", date.year(), date.month()),
        Period::Week => {
            let week = date.iso_week_date();
            format!("{:04}-W{:02}", week.year(), week.week())
        }
    }
}

/// Every period from the one holding `from` to the one holding `to`.
fn periods(from: Timestamp, to: Timestamp, period: Period) -> Vec<String> {
    let mut keys = Vec::new();
    match period {
        Period::Month => {
            let a = from.to_zoned_datetime(TimeZone::UTC).date();
            let b = to.to_zoned_datetime(TimeZone::UTC).date();
            let (mut year, mut month) = (i32::from(a.year()), i32::from(a.month()));
            let end = (i32::from(b.year()), i32::from(b.month()));
            while (year, month) <= end {
                keys.push(format!("{year:04}-{month:02}"));
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
        Period::Week => {
            // 1970-01-01 was a Thursday: Monday is 3 days before.
            let monday = |day: i64| day - (day + 3).rem_euclid(7);
            let mut day = monday(day_number(from));
            let end = monday(day_number(to));
            while day <= end {
                if let Ok(time) = Timestamp::from_second(day * DAY) {
                    keys.push(period_key(time, Period::Week));
                }
                day += 7;
            }
        }
    }
    keys
}

/// `2026-11-01` (midnight UTC) or an RFC 3339 timestamp.
pub fn parse_since(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>()
        .ok()
        .or_else(|| format!("{text}T00:00:00Z").parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn periods_cover_the_range_with_iso_weeks_and_months() {
        assert_eq!(
            periods(
                at("2026-11-01T09:00:00Z"),
                at("2027-01-03T00:00:00Z"),
                Period::Month
            ),
            ["2026-11", "2026-12", "2027-01"]
        );
        // 2026-11-01 is a Sunday (ISO week 44); 2026-11-02 starts week 45.
        assert_eq!(
            periods(
                at("2026-11-01T09:00:00Z"),
                at("2026-11-09T00:00:00Z"),
                Period::Week
            ),
            ["2026-W44", "2026-W45", "2026-W46"]
        );
        assert_eq!(
            period_key(at("2027-01-01T00:00:00Z"), Period::Week),
            "2026-W53"
        );
    }

    #[test]
    fn since_takes_dates_and_timestamps() {
        assert_eq!(parse_since("2026-11-01"), Some(at("2026-11-01T00:00:00Z")));
        assert_eq!(
            parse_since("2026-11-01T10:00:00Z"),
            Some(at("2026-11-01T10:00:00Z"))
        );
        assert_eq!(parse_since("yesterday"), None);
    }

    #[test]
    fn an_unparseable_stored_time_is_refused_naming_the_table_and_row() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inventory.db");
        let db = Database::open(&path, true).expect("create");
        db.conn
            .execute(
                "INSERT INTO scans (id, scanned_at, machine, user_name, roots, stray_version,
                                    reference_count, source)
                 VALUES (7, 'last tuesday', 'm', 'u', '[]', '0', 0, 'scan')",
                [],
            )
            .expect("insert");
        let message = History::load(&db).expect_err("refused").to_string();
        assert!(message.contains("inventory.db"), "{message}");
        assert!(message.contains("scans row id 7"), "{message}");
        assert!(message.contains("last tuesday"), "{message}");

        db.conn
            .execute("UPDATE scans SET scanned_at = '2026-11-01T09:00:00Z'", [])
            .expect("fix");
        db.conn
            .execute(
                "INSERT INTO credentials (fingerprint, provider, rule, class, redacted)
                 VALUES ('ab12', 'p', 'r', 'generic', '…')",
                [],
            )
            .expect("credential");
        db.conn
            .execute(
                "INSERT INTO revocations (fingerprint, revoked_at, recorded_at)
                 VALUES ('ab12', 'soon', '2026-11-01T09:00:00Z')",
                [],
            )
            .expect("revocation");
        let message = History::load(&db).expect_err("refused").to_string();
        assert!(message.contains("revocations row 1"), "{message}");
        assert!(message.contains("soon"), "{message}");
    }

    #[test]
    fn an_unknown_machine_user_recorded_by_an_older_stray_is_no_owner() {
        let owner = |name: &str, source: &str| {
            recorded_owner(Some(name.to_string()), Some(source.to_string())).map(|o| o.name)
        };
        assert_eq!(owner("unknown", "machine-user"), None);
        assert_eq!(owner("ada", "machine-user").as_deref(), Some("ada"));
        assert_eq!(owner("unknown", "config").as_deref(), Some("unknown"));
        assert_eq!(owner("", "vault"), None);
    }

    #[test]
    fn whole_days_round_down() {
        assert_eq!(
            whole_days(at("2026-11-01T09:00:00Z"), at("2026-11-20T08:59:59Z")),
            18
        );
        assert_eq!(
            whole_days(at("2026-11-01T09:00:00Z"), at("2026-11-20T09:00:00Z")),
            19
        );
    }
}
