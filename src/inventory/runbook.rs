//! The runbook drawn from the inventory: each recorded credential as a finding for
//! `report::runbook`, with the machine of each place.

use std::path::PathBuf;

use crate::detect::classify::LocationKind;
use crate::detect::rules::{Criticality, Rule, RuleClass};
use crate::finding::{Finding, Location};
use crate::inventory::CredentialView;
use crate::inventory::query::PlaceView;
use crate::report::runbook::Entry;

/// Findings for the credentials the inventory holds, with each place's machine. The recorded
/// data lacks some fields: the rule's description, criticality, revoke page and rotation note
/// come from `rules` (by rule id; the built-in ones and any `--rules` packs), and consumers from
/// the places.
pub fn entries(views: &[CredentialView], rules: &[Rule]) -> Vec<Entry> {
    views
        .iter()
        .map(|view| {
            let rule = rules.iter().find(|r| r.id == view.id.rule);
            let class: RuleClass = rule.map_or_else(|| view.rule_class(), |r| r.class);
            let mut locations = Vec::new();
            let mut hosts = Vec::new();
            for place in &view.places {
                locations.push(location(place));
                hosts.push(format!("{}@{}", place.user, place.machine));
            }
            let consumers = consumers(&locations);
            let vault = view.vault.verdict();
            Entry {
                finding: Finding {
                    rule_id: view.id.rule.clone(),
                    provider: view.id.provider.clone(),
                    class,
                    criticality: view
                        .custody
                        .criticality
                        .or_else(|| rule.map(|r| r.criticality))
                        .unwrap_or_else(|| Criticality::default_for(class)),
                    description: rule.map(|r| r.description.clone()).unwrap_or_else(|| {
                        format!("{} credential (rule {})", view.id.provider, view.id.rule)
                    }),
                    revoke_url: view
                        .custody
                        .revoke_url
                        .clone()
                        .or_else(|| rule.and_then(|r| r.revoke_url.clone())),
                    fingerprint: view.id.fingerprint.clone(),
                    redacted: view.id.redacted.clone(),
                    secret: Vec::new(),
                    locations,
                    vault,
                    suppressed: Vec::new(),
                    expired_exception: None,
                    consumers,
                    owner: view.custody.owner.clone(),
                    validation: None,
                },
                hosts,
                rotation_note: rule.and_then(|r| r.rotation_note.clone()),
            }
        })
        .collect()
}

/// A recorded place as a finding's location (an unknown kind is `other`).
pub(crate) fn location(place: &PlaceView) -> Location {
    Location {
        path: PathBuf::from(&place.path),
        line: place.line.max(0) as usize,
        column: place.column.max(0) as usize,
        kind: serde_json::from_value(serde_json::Value::String(place.kind.clone()))
            .unwrap_or(LocationKind::Other),
        context: place.context.clone(),
        inline_allow: None,
        commit: None,
    }
}

/// Who reads a credential at these places, each named once, sorted.
pub(crate) fn consumers(locations: &[Location]) -> Vec<String> {
    crate::finding::consumer::Consumers::default().distinct(locations)
}
