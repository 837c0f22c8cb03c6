//! The inventory's one model of a credential, in three parts that the store writes, the history
//! reads back and the views show: what names it ([`CredentialId`], a `credentials` row), what the
//! vault said of it ([`VaultStanding`]) and who answers for it ([`Custody`]) — the last two are
//! what one scan's sighting records. Conversions from the result document
//! ([`crate::report::json::ReportFinding`]) live here, so recording a scan and importing a result
//! share one path; the conversion back to a finding (for the runbook) is
//! [`VaultStanding::verdict`] plus `inventory::runbook`.

use jiff::Timestamp;
use serde::{Serialize, Serializer};

use crate::detect::rules::{Criticality, RuleClass};
use crate::finding::Owner;
use crate::finding::validation::{LiveState, Validation};
use crate::finding::verdict::{Status, VaultItem, VaultVerdict, describe_age};
use crate::report::json::ReportFinding;

/// What names a credential in the store. There is deliberately no field for the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialId {
    /// Lowercase hex SHA-256 of the secret.
    pub fingerprint: String,
    pub provider: String,
    pub rule: String,
    pub class: String,
    pub redacted: String,
}

impl CredentialId {
    /// The names of a result document's finding, its redacted value made safe to store.
    pub fn from_report(finding: &ReportFinding) -> Self {
        CredentialId {
            fingerprint: finding.fingerprint.to_ascii_lowercase(),
            provider: finding.provider.clone(),
            rule: finding.rule.clone(),
            class: finding.class.as_str().to_string(),
            redacted: safe_redacted(&finding.redacted),
        }
    }

    /// The recorded class (`generic` if a database holds a name this stray does not know).
    pub fn rule_class(&self) -> RuleClass {
        serde_json::from_value(serde_json::Value::String(self.class.clone()))
            .unwrap_or(RuleClass::Generic)
    }
}

/// What the vault said of a credential when a scan saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VaultStanding {
    /// `None` when the scan had no vault to reconcile with (`not-reconciled`).
    #[serde(serialize_with = "status_name")]
    pub status: Option<Status>,
    /// `vault/item (field)` of the first vault item holding the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_item: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_age_days: Option<i64>,
    pub rotation_overdue: bool,
    /// The product that keeps it (`1Password`…), when the export said (schema 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_source: Option<String>,
    /// Which of the export's dates the age is counted from (`revisionDate`…; schema 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_age_from: Option<String>,
    /// The vault item's tags (`key=value`): what it can reach, as far as the vault says
    /// (schema 7).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vault_tags: Vec<String>,
}

impl VaultStanding {
    pub fn from_verdict(verdict: Option<&VaultVerdict>) -> Self {
        let first = verdict.and_then(|v| v.items.first());
        VaultStanding {
            status: verdict.map(|v| v.status),
            vault_item: first.map(VaultItem::label),
            vault_age_days: verdict.and_then(|v| v.age_days),
            rotation_overdue: verdict.is_some_and(|v| v.rotation_overdue),
            vault_source: first.and_then(|i| i.source.clone()),
            vault_age_from: first.and_then(|i| i.age_from.clone()),
            vault_tags: first.map(|i| i.tags.clone()).unwrap_or_default(),
        }
    }

    /// Where the vault keeps it and how old it is, for people: `in 1Password
    /// Engineering/OpenAI (credential), 212 days since it changed (revisionDate)`.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(item) = self.describe_item() {
            parts.push(item);
        }
        if let Some(days) = self.vault_age_days {
            parts.push(describe_age(days, self.vault_age_from.as_deref()));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Where the vault keeps it: `in 1Password Engineering/OpenAI (credential)`, or the item
    /// alone when the product is not known.
    pub fn describe_item(&self) -> Option<String> {
        let item = self.vault_item.as_ref()?;
        Some(match &self.vault_source {
            Some(source) => format!("in {source} {item}"),
            None => item.clone(),
        })
    }

    /// The vault knows it (`stray-copy` or `rotated-out`).
    pub fn vaulted(&self) -> bool {
        is_vaulted(self.status)
    }

    pub fn status_name(&self) -> &'static str {
        self.status.map_or("not-reconciled", Status::as_str)
    }

    /// Back to a verdict, as far as the store keeps one: the item label is split into item and
    /// field again; the vault's own name, owner and dates are not stored.
    pub fn verdict(&self) -> Option<VaultVerdict> {
        let status = self.status?;
        let items = self
            .vault_item
            .iter()
            .map(|text| {
                let (item, field) = match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
                    Some((item, field)) => (item.to_string(), field.to_string()),
                    None => (text.clone(), String::new()),
                };
                VaultItem {
                    item,
                    field,
                    vault: None,
                    format: "inventory".to_string(),
                    owner: None,
                    updated: None,
                    source: self.vault_source.clone(),
                    age_from: self.vault_age_from.clone(),
                    tags: self.vault_tags.clone(),
                }
            })
            .collect();
        Some(VaultVerdict {
            status,
            items,
            age_days: self.vault_age_days,
            rotation_overdue: self.rotation_overdue,
        })
    }
}

/// A status the vault knows (`stray-copy` or `rotated-out`).
pub fn is_vaulted(status: Option<Status>) -> bool {
    matches!(status, Some(Status::StrayCopy | Status::RotatedOut))
}

/// Who answers for a credential and how urgent it is, as a scan named them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Custody {
    /// Who answers for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Its tier (after the team's `[criticality]` overrides; none before schema 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    /// Where to revoke it, from the rule that found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
}

impl Custody {
    pub fn from_report(finding: &ReportFinding) -> Self {
        Custody {
            owner: finding.owner.clone(),
            criticality: finding.criticality,
            revoke_url: finding.revoke_url.clone(),
        }
    }

    /// Each part from the latest sighting (of `oldest_first`) that named one.
    pub fn latest<'a>(oldest_first: impl DoubleEndedIterator<Item = &'a Custody> + Clone) -> Self {
        Custody {
            owner: oldest_first.clone().rev().find_map(|c| c.owner.clone()),
            criticality: oldest_first.clone().rev().find_map(|c| c.criticality),
            revoke_url: oldest_first.rev().find_map(|c| c.revoke_url.clone()),
        }
    }
}

/// What the provider said when a scan validated the credential (`--validate`, `stray verify`;
/// schema 7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LiveStanding {
    /// `live`, `invalid` or `unknown`; absent when never validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<LiveState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<Timestamp>,
    /// Who the provider said it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_identity: Option<String>,
    /// What the provider said it may do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validated_scopes: Vec<String>,
}

impl LiveStanding {
    pub fn from_validation(validation: Option<&Validation>) -> Self {
        LiveStanding {
            validation: validation.map(|v| v.state),
            validated_at: validation.map(|v| v.checked_at),
            validated_identity: validation.and_then(|v| v.identity.clone()),
            validated_scopes: validation.map(|v| v.scopes.clone()).unwrap_or_default(),
        }
    }

    /// `live: ada-ci (checked 2026-12-01)`, for people.
    pub fn describe(&self) -> Option<String> {
        let state = self.validation?;
        let mut text = state.as_str().to_string();
        if let Some(identity) = &self.validated_identity {
            text.push_str(": ");
            text.push_str(identity);
        }
        if let Some(at) = self.validated_at {
            text.push_str(&format!(" (checked {})", super::render::date(at)));
        }
        Some(text)
    }
}

fn status_name<S: Serializer>(status: &Option<Status>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.map_or("not-reconciled", Status::as_str))
}

/// A redacted value as [`crate::finding::redact`] makes it: at most 4 characters, `…`, at most
/// 4 characters, or a private key's header and fingerprint prefix. Anything else (a
/// hand-edited result) is stored as a bare `…`.
pub(crate) fn safe_redacted(redacted: &str) -> String {
    if crate::finding::is_key_redaction(redacted) {
        return redacted.to_string();
    }
    let chars: Vec<char> = redacted.chars().collect();
    match chars.iter().position(|&c| c == '…') {
        Some(at) if at <= 4 && chars.len() - at - 1 <= 4 => redacted.to_string(),
        _ => "…".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(vault: Option<&str>) -> VaultItem {
        VaultItem {
            item: "OpenAI".to_string(),
            field: "credential".to_string(),
            vault: vault.map(str::to_string),
            format: "bitwarden-json".to_string(),
            owner: None,
            updated: None,
            source: Some("1Password".to_string()),
            age_from: Some("revisionDate".to_string()),
            tags: vec!["env=prod".to_string()],
        }
    }

    #[test]
    fn standing_round_trips_item_and_field_through_its_label() {
        let verdict = VaultVerdict {
            status: Status::StrayCopy,
            items: vec![item(Some("Engineering"))],
            age_days: Some(212),
            rotation_overdue: true,
        };
        let standing = VaultStanding::from_verdict(Some(&verdict));
        assert_eq!(
            standing.vault_item.as_deref(),
            Some("Engineering/OpenAI (credential)")
        );
        assert!(standing.vaulted());
        let back = standing.verdict().unwrap();
        assert_eq!(back.items[0].item, "Engineering/OpenAI");
        assert_eq!(back.items[0].field, "credential");
        assert_eq!((back.age_days, back.rotation_overdue), (Some(212), true));
        assert_eq!(
            standing.describe().as_deref(),
            Some(
                "in 1Password Engineering/OpenAI (credential), 212 days since it changed (revisionDate)"
            )
        );
        assert_eq!(back.items[0].age_from.as_deref(), Some("revisionDate"));
        assert_eq!(back.items[0].tags, ["env=prod"]);
        assert_eq!(VaultStanding::from_verdict(None).verdict(), None);
        assert_eq!(
            VaultStanding::from_verdict(None).status_name(),
            "not-reconciled"
        );
    }

    #[test]
    fn custody_takes_each_part_from_the_latest_sighting_that_named_it() {
        let older = Custody {
            owner: Some(Owner {
                name: "ada".to_string(),
                source: "config".to_string(),
            }),
            criticality: Some(Criticality::High),
            revoke_url: None,
        };
        let newer = Custody {
            owner: None,
            criticality: Some(Criticality::Low),
            revoke_url: Some("https://example.test/revoke".to_string()),
        };
        let list = [older, newer];
        let latest = Custody::latest(list.iter());
        assert_eq!(latest.owner.map(|o| o.name).as_deref(), Some("ada"));
        assert_eq!(latest.criticality, Some(Criticality::Low));
        assert_eq!(
            latest.revoke_url.as_deref(),
            Some("https://example.test/revoke")
        );
    }
}
