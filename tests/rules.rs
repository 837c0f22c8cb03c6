//! Every built-in rule must find each of its examples and none of its negatives, with all other
//! built-in rules competing for the same text.

use stray::rules::selftest;
use stray::{Matcher, RuleSet};

fn builtin() -> RuleSet {
    RuleSet::builtin().expect("built-in packs load")
}

#[test]
fn every_builtin_rule_has_examples_and_negatives() {
    let set = builtin();
    let missing: Vec<String> = set
        .rules()
        .iter()
        .filter(|r| r.examples.is_empty() || r.negatives.is_empty())
        .map(|r| r.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without examples or negatives: {missing:?}"
    );
}

#[test]
fn every_builtin_regex_compiles_with_a_secret_group() {
    // Built-in regexes compile lazily at run time; this is where a broken one is caught.
    for rule in builtin().rules() {
        if let Err(problem) = stray::rules::check_pattern(&rule.pattern) {
            panic!("{}: rule '{}': {problem}", rule.origin, rule.id);
        }
    }
}

#[test]
fn every_builtin_example_and_negative_behaves() {
    let matcher = Matcher::new(builtin()).expect("automaton builds");
    let failures = selftest::check_all(&matcher);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        report.is_empty(),
        "{} failures:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn builtin_rules_cover_the_required_providers() {
    let set = builtin();
    assert!(set.len() >= 30, "only {} rules", set.len());
    for provider in [
        "openai",
        "anthropic",
        "google",
        "huggingface",
        "groq",
        "replicate",
        "perplexity",
        "xai",
        "openrouter",
        "github",
        "gitlab",
        "slack",
        "stripe",
        "aws",
        "gcp",
        "npm",
        "pypi",
        "dockerhub",
        "doppler",
        "1password",
        "hashicorp-vault",
        "private-key",
        "database",
    ] {
        assert!(
            set.rules().iter().any(|r| r.provider == provider),
            "no rule for provider {provider}"
        );
    }
}

#[test]
fn a_broken_example_is_caught() {
    // The self-test must be able to fail: a rule whose example does not match.
    let mut set = RuleSet::default();
    set.add_pack(
        &stray::rules::PackSource::Builtin("broken.toml"),
        r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme"
keywords = ["acme_"]
regex = '(?P<secret>acme_[0-9]{8})'
examples = [{ input = "acme_1234abcd", secret = "acme_1234abcd" }]
negatives = ["acme_12345678"]
"#,
    )
    .expect("pack parses");
    let matcher = Matcher::new(set).expect("automaton builds");
    let failures = selftest::check_all(&matcher);
    assert_eq!(failures.len(), 2, "{failures:?}");
}

#[test]
fn every_provider_rule_says_where_to_revoke() {
    // Generic rules and key blocks have no single issuer; every provider's rule does.
    let without_issuer = ["generic", "private-key", "database", "jwt"];
    let missing: Vec<String> = builtin()
        .rules()
        .iter()
        .filter(|r| !without_issuer.contains(&r.provider.as_str()) && r.revoke_url.is_none())
        .map(|r| r.id.clone())
        .collect();
    assert!(missing.is_empty(), "rules without revoke_url: {missing:?}");
    for rule in builtin().rules() {
        if let Some(url) = &rule.revoke_url {
            assert!(url.starts_with("https://"), "{}: {url}", rule.id);
        }
    }
}
