//! Reconciliation: findings × vault index → a status for every credential, its age, and whether
//! its rotation is overdue; then the policy verdict.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::finding::verdict::{Status, VaultItem, VaultVerdict};
use crate::names::Named;
use crate::vault::{VaultEntry, VaultIndex};

/// The rotation SLA of the highest tier, and the default where a single figure is needed.
pub const DEFAULT_MAX_AGE_DAYS: i64 = 90;

/// Sets `vault` on every finding. A credential is overdue when older than `max_age_days`, or,
/// without it, than its criticality tier allows (high 90 days, medium 180, low 365).
pub fn reconcile(
    findings: &mut [Finding],
    index: &VaultIndex,
    now: Timestamp,
    max_age_days: Option<i64>,
) {
    for finding in findings {
        // Without an explicit maximum, each credential's criticality tier sets its SLA.
        let max_age = max_age_days.unwrap_or_else(|| finding.criticality.max_age_days());
        finding.vault = Some(verdict(index.lookup(&finding.fingerprint), now, max_age));
    }
}

fn verdict(matches: Vec<&VaultEntry>, now: Timestamp, max_age_days: i64) -> VaultVerdict {
    let current: Vec<&VaultEntry> = matches
        .iter()
        .copied()
        .filter(|e| !e.meta.history)
        .collect();
    let status = match (current.is_empty(), matches.is_empty()) {
        (_, true) => Status::Unvaulted,
        (true, false) => Status::RotatedOut,
        (false, false) => Status::StrayCopy,
    };
    let relevant = if current.is_empty() {
        &matches
    } else {
        &current
    };
    let last_set = relevant
        .iter()
        .filter_map(|e| e.meta.updated.or(e.meta.created))
        .max();
    let age_days = last_set.map(|t| (now.as_second() - t.as_second()).div_euclid(86_400));
    let mut items: Vec<VaultItem> = relevant
        .iter()
        .map(|e| VaultItem {
            item: e.meta.item.clone(),
            field: e.meta.field.clone(),
            vault: e.meta.vault.clone(),
            format: e.format.name().to_string(),
            owner: e.meta.owner.clone(),
            updated: e.meta.updated.or(e.meta.created),
            source: e.format.product().map(str::to_string),
            age_from: match (e.meta.updated, &e.meta.age_from) {
                (_, Some(from)) => Some(from.clone()),
                (None, None) if e.meta.created.is_some() => Some("created".to_string()),
                _ => None,
            },
        })
        .collect();
    items.dedup();
    // The item the age is counted from first, so one line names the right date.
    items.sort_by_key(|i| std::cmp::Reverse(i.updated));
    VaultVerdict {
        status,
        items,
        age_days,
        rotation_overdue: status == Status::StrayCopy && age_days.is_some_and(|d| d > max_age_days),
    }
}

/// What makes a scan fail (exit 1): `--fail-on` and `[policy] fail_on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Unvaulted,
    StrayCopy,
    RotatedOut,
    Overdue,
    Shared,
    Live,
    Any,
}

impl Named for FailOn {
    const ALL: &'static [FailOn] = &[
        FailOn::Unvaulted,
        FailOn::StrayCopy,
        FailOn::RotatedOut,
        FailOn::Overdue,
        FailOn::Shared,
        FailOn::Live,
        FailOn::Any,
    ];

    fn name(self) -> &'static str {
        match self {
            FailOn::Unvaulted => "unvaulted",
            FailOn::StrayCopy => "stray-copy",
            FailOn::RotatedOut => "rotated-out",
            FailOn::Overdue => "overdue",
            FailOn::Shared => "shared",
            FailOn::Live => "live",
            FailOn::Any => "any",
        }
    }

    fn help(self) -> &'static str {
        match self {
            FailOn::Unvaulted => "A credential the vault does not know",
            FailOn::StrayCopy => "A plaintext copy of a vaulted credential",
            FailOn::RotatedOut => "A plaintext copy of a value the vault has rotated out",
            FailOn::Overdue => "A vaulted credential older than --max-age",
            FailOn::Shared => {
                "A credential read by two or more consumers (tools, workflows, projects)"
            }
            FailOn::Live => "A credential the provider says still works (needs --validate)",
            FailOn::Any => "Any credential found at all",
        }
    }
}

impl FailOn {
    /// Only a vault can tell these apart: without one they never fail a scan.
    pub fn needs_vault(self) -> bool {
        matches!(
            self,
            FailOn::StrayCopy | FailOn::RotatedOut | FailOn::Overdue
        )
    }
}

/// True when `finding` violates any of `policy`.
pub fn violates(finding: &Finding, policy: &[FailOn]) -> bool {
    policy.iter().any(|rule| match (rule, &finding.vault) {
        (FailOn::Any, _) => true,
        (FailOn::Shared, _) => finding.shared(),
        (FailOn::Live, _) => finding
            .validation
            .as_ref()
            .is_some_and(|v| v.state == crate::finding::validation::LiveState::Live),
        // Without a vault every credential is, as far as stray can tell, unvaulted.
        (FailOn::Unvaulted, None) => true,
        (_, None) => false,
        (FailOn::Unvaulted, Some(v)) => v.status == Status::Unvaulted,
        (FailOn::StrayCopy, Some(v)) => v.status == Status::StrayCopy,
        (FailOn::RotatedOut, Some(v)) => v.status == Status::RotatedOut,
        (FailOn::Overdue, Some(v)) => v.rotation_overdue,
    })
}

/// Counts for the summary line and the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub unvaulted: usize,
    pub stray_copy: usize,
    pub rotated_out: usize,
    pub rotation_overdue: usize,
}

impl StatusCounts {
    pub fn of(findings: &[Finding]) -> StatusCounts {
        StatusCounts::from_verdicts(findings.iter().filter_map(|f| f.vault.as_ref()))
    }

    pub fn from_verdicts<'a>(verdicts: impl Iterator<Item = &'a VaultVerdict>) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for verdict in verdicts {
            match verdict.status {
                Status::Unvaulted => counts.unvaulted += 1,
                Status::StrayCopy => counts.stray_copy += 1,
                Status::RotatedOut => counts.rotated_out += 1,
            }
            if verdict.rotation_overdue {
                counts.rotation_overdue += 1;
            }
        }
        counts
    }

    /// Share of found credentials the vault knows (current or history), 0.0–1.0.
    pub fn coverage(&self) -> Option<f64> {
        let total = self.unvaulted + self.stray_copy + self.rotated_out;
        (total > 0).then(|| (self.stray_copy + self.rotated_out) as f64 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{EntryMeta, VaultFormat};

    fn entry(fingerprint: &str, updated: &str, history: bool) -> VaultEntry {
        VaultEntry {
            fingerprint: fingerprint.to_string(),
            trimmed_fingerprint: None,
            meta: EntryMeta {
                item: "OpenAI".into(),
                field: "credential".into(),
                updated: updated.parse().ok(),
                history,
                ..EntryMeta::default()
            },
            format: VaultFormat::Json,
            guessable: false,
        }
    }

    #[test]
    fn statuses_ages_and_overdue() {
        let now: Timestamp = "2026-11-28T00:00:00Z".parse().expect("timestamp");
        let index = VaultIndex::new(vec![
            entry("aa", "2026-11-01T00:00:00Z", false),
            entry("bb", "2026-05-12T00:00:00Z", false),
            entry("cc", "2025-01-01T00:00:00Z", true),
        ]);
        let fresh = verdict(index.lookup("aa"), now, 90);
        assert_eq!(fresh.status, Status::StrayCopy);
        assert_eq!(fresh.age_days, Some(27));
        assert!(!fresh.rotation_overdue);
        let old = verdict(index.lookup("bb"), now, 90);
        assert_eq!(old.age_days, Some(200));
        assert!(old.rotation_overdue);
        assert_eq!(
            verdict(index.lookup("cc"), now, 90).status,
            Status::RotatedOut
        );
        let unknown = verdict(index.lookup("dd"), now, 90);
        assert_eq!(unknown.status, Status::Unvaulted);
        assert!(unknown.items.is_empty());
    }
}
