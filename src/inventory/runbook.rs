//! The runbook drawn from the inventory: each recorded credential as a finding for
//! `report::runbook`, with the machine of each place.

use std::path::PathBuf;

use crate::detect::classify::LocationKind;
use crate::detect::rules::{Criticality, RuleClass, RuleSet};
use crate::finding::verdict::{VaultItem, VaultVerdict};
use crate::finding::{Finding, Location};
use crate::inventory::CredentialView;
use crate::report::runbook::Entry;

/// Findings for the credentials the inventory holds, with each place's machine. The recorded
/// data lacks some fields: the rule's description, criticality and revoke page come from the
/// built-in rules (by rule id), and consumers from the places.
pub fn entries(views: &[CredentialView], rules: &RuleSet) -> Vec<Entry> {
    views
        .iter()
        .map(|view| {
            let rule = rules.rules().iter().find(|r| r.id == view.rule);
            let class: RuleClass = rule.map_or_else(|| view.rule_class(), |r| r.class);
            let mut locations = Vec::new();
            let mut hosts = Vec::new();
            for place in &view.places {
                locations.push(Location {
                    path: PathBuf::from(&place.path),
                    line: place.line.max(0) as usize,
                    column: place.column.max(0) as usize,
                    kind: serde_json::from_value(serde_json::Value::String(place.kind.clone()))
                        .unwrap_or(LocationKind::Other),
                    context: place.context.clone(),
                    inline_allow: None,
                    commit: None,
                });
                hosts.push(format!("{}@{}", place.user, place.machine));
            }
            let mut consumers: Vec<String> = locations
                .iter()
                .filter_map(crate::finding::consumer::consumer)
                .collect();
            consumers.sort();
            consumers.dedup();
            let vault = view.status.map(|status| VaultVerdict {
                status,
                items: view
                    .vault_item
                    .iter()
                    .map(|text| {
                        let (item, field) =
                            match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
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
                        }
                    })
                    .collect(),
                age_days: view.vault_age_days,
                rotation_overdue: view.rotation_overdue,
            });
            Entry {
                finding: Finding {
                    rule_id: view.rule.clone(),
                    provider: view.provider.clone(),
                    class,
                    criticality: view
                        .criticality
                        .or_else(|| rule.map(|r| r.criticality))
                        .unwrap_or_else(|| Criticality::default_for(class)),
                    description: rule.map(|r| r.description.clone()).unwrap_or_else(|| {
                        format!("{} credential (rule {})", view.provider, view.rule)
                    }),
                    revoke_url: view
                        .revoke_url
                        .clone()
                        .or_else(|| rule.and_then(|r| r.revoke_url.clone())),
                    fingerprint: view.fingerprint.clone(),
                    redacted: view.redacted.clone(),
                    secret: Vec::new(),
                    locations,
                    vault,
                    suppressed: Vec::new(),
                    expired_exception: None,
                    consumers,
                    owner: view.owner.clone(),
                },
                hosts,
            }
        })
        .collect()
}
