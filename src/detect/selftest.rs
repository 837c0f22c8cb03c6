//! Runs each rule's own examples and negatives through the real matcher.

use crate::detect::matcher::{Matcher, MatcherError};
use crate::detect::rules::{Rule, RuleSet};

/// One example or negative that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestFailure {
    pub rule: String,
    pub origin: String,
    pub problem: String,
}

impl std::fmt::Display for SelfTestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: rule '{}': {}", self.origin, self.rule, self.problem)
    }
}

/// Checks every rule of `matcher` against its examples and negatives, with all the matcher's
/// rules competing (so a rule whose example another rule claims fails here, not in the field).
pub fn check_all(matcher: &Matcher) -> Vec<SelfTestFailure> {
    let mut failures = Vec::new();
    for (index, rule) in matcher.rules().iter().enumerate() {
        check_rule(matcher, index, rule, &mut failures);
    }
    failures
}

/// Checks each rule on its own: for team packs, whose examples a built-in rule may also claim.
pub fn check_each(rules: &[Rule]) -> Result<Vec<SelfTestFailure>, MatcherError> {
    let mut failures = Vec::new();
    for rule in rules {
        let matcher = Matcher::new(RuleSet::from_rules(vec![rule.clone()]))?;
        check_rule(&matcher, 0, rule, &mut failures);
    }
    Ok(failures)
}

fn check_rule(matcher: &Matcher, index: usize, rule: &Rule, failures: &mut Vec<SelfTestFailure>) {
    let mut fail = |problem: String| {
        failures.push(SelfTestFailure {
            rule: rule.id.clone(),
            origin: rule.origin.clone(),
            problem,
        })
    };
    for example in &rule.examples {
        let input = example.input.as_bytes();
        let found: Vec<&[u8]> = matcher
            .find(input)
            .into_iter()
            .filter(|c| c.rule == index)
            .map(|c| &input[c.start..c.end])
            .collect();
        if !found.contains(&example.secret.as_bytes()) {
            let seen = if found.is_empty() {
                "nothing".to_string()
            } else {
                format!("{} other value(s)", found.len())
            };
            fail(format!(
                "example {:?} should yield its secret but yielded {seen}",
                abbreviate(&example.input)
            ));
        }
    }
    for negative in &rule.negatives {
        let hits = matcher
            .find(negative.as_bytes())
            .into_iter()
            .filter(|c| c.rule == index)
            .count();
        if hits > 0 {
            fail(format!(
                "negative {:?} should not match but did",
                abbreviate(negative)
            ));
        }
    }
}

/// Enough of an example to find it in its pack, without echoing a whole (fake) key.
fn abbreviate(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 24 {
        text.to_string()
    } else {
        chars[..20].iter().collect::<String>() + "…"
    }
}
