//! The provider catalogue in docs/rules.md, generated from the rule packs so it cannot drift.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{RuleClass, RuleSet};

/// A Markdown table: one row per class and provider, with its rule ids.
pub fn markdown(set: &RuleSet) -> String {
    let mut rows: BTreeMap<(RuleClass, &str), Vec<&str>> = BTreeMap::new();
    for rule in set.rules() {
        rows.entry((rule.class, rule.provider.as_str()))
            .or_default()
            .push(rule.id.as_str());
    }
    let providers = rows.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} built-in rules for {} providers.\n\n| class | provider | rules |\n|---|---|---|",
        set.len(),
        providers
    );
    for ((class, provider), ids) in rows {
        let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        let _ = writeln!(out, "| {class} | {provider} | {} |", ids.join(", "));
    }
    out
}
