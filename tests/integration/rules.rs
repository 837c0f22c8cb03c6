//! Every built-in rule must find each of its examples and none of its negatives, with all other
//! built-in rules competing for the same text.

use stray::detect::selftest;
use stray::{Matcher, RuleSet};

fn builtin() -> RuleSet {
    RuleSet::builtin_with_examples().expect("built-in packs load")
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
        if let Err(problem) = stray::detect::rules::check_pattern(&rule.pattern) {
            panic!("{}: rule '{}': {problem}", rule.origin, rule.id);
        }
        for (field, pattern) in [
            ("name_excludes", &rule.name_excludes),
            ("secret_pattern", &rule.secret_pattern),
        ] {
            if let Some(Err(problem)) = pattern.as_ref().map(|p| p.compile()) {
                panic!("{}: rule '{}': {field}: {problem}", rule.origin, rule.id);
            }
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
        &stray::detect::rules::PackSource::Builtin("broken.toml"),
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
    // Generic rules and key blocks have no single issuer; every provider's rule does. HTTP
    // credentials (Basic, Bearer, curl -u) belong to whichever server takes them.
    let without_issuer = ["generic", "private-key", "database", "jwt", "http"];
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

/// The sample rule pack of docs/rules.md, as printed under "Rule packs: writing your own",
/// loads and passes its own examples and negatives.
#[test]
fn the_documented_sample_rule_pack_loads_and_passes_its_selftest() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .expect("docs/rules.md");
    let section = readme
        .find("## Rule packs: writing your own")
        .expect("the rule-pack section");
    let start = readme[section..].find("```toml\n").expect("a toml block") + section + 8;
    let end = readme[start..].find("```").expect("the block ends") + start;
    let sample = &readme[start..end];
    let mut set = stray::RuleSet::default();
    set.add_pack(
        &stray::detect::rules::PackSource::File("docs/rules.md".into()),
        sample,
    )
    .unwrap_or_else(|e| panic!("the docs/rules.md sample does not load: {e}"));
    assert_eq!(set.len(), 1);
    let failures = stray::detect::selftest::check_each(set.rules()).expect("matcher builds");
    assert!(failures.is_empty(), "{failures:?}");

    // And through the command a reader would run.
    let tree = crate::common::Tree::new();
    let pack = tree.write("team.toml", sample);
    let (stdout, _) = crate::common::expect_exit(
        &crate::common::stray()
            .args(["rules", "check"])
            .arg(&pack)
            .output()
            .expect("stray runs"),
        0,
        "stray rules check team.toml",
    );
    assert!(stdout.contains("all pass"), "{stdout}");
}

#[test]
fn rules_check_names_the_file_and_line_at_fault() {
    let tree = crate::common::Tree::new();
    let good = "[[rules]]\nid = \"acme-key\"\nprovider = \"acme\"\nclass = \"saas\"\n\
                description = \"Acme key\"\nkeywords = [\"acme_\"]\n\
                regex = '(?P<secret>acme_[a-z0-9]{16})'\n";
    let check = |name: &str, text: &str| {
        let pack = tree.write(name, text);
        let (code, stdout, stderr) = crate::common::outcome(
            crate::common::stray()
                .args(["rules", "check"])
                .arg(&pack)
                .output()
                .expect("stray runs"),
        );
        assert_ne!(code, 0, "{stdout}");
        (pack.display().to_string(), stderr)
    };
    // A syntax error: toml's span.
    let (pack, stderr) = check(
        "syntax.toml",
        &good.replace("provider = \"acme\"", "provider = \"acme"),
    );
    assert!(stderr.contains(&format!("{pack}:3:")), "{stderr}");
    // An unknown field: toml's span.
    let (pack, stderr) = check("field.toml", &good.replace("provider =", "provder ="));
    assert!(stderr.contains(&format!("{pack}:3:1")), "{stderr}");
    // A semantic error: the line of the field at fault, in the second rule.
    let second = good.replace("acme-key", "acme-other").replace(
        "description = \"Acme key\"",
        "description = \"Acme key\"\nvalidator = \"luhn9\"",
    );
    let (pack, stderr) = check("validator.toml", &format!("{good}\n{second}"));
    assert!(
        stderr.contains(&format!("{pack}:14: rule 'acme-other'")),
        "{stderr}"
    );
    assert!(stderr.contains("unknown validator"), "{stderr}");
    // A duplicate id: the line of the second id.
    let (pack, stderr) = check("duplicate.toml", &format!("{good}\n{good}"));
    assert!(
        stderr.contains(&format!("{pack}:10: rule 'acme-key': duplicate")),
        "{stderr}"
    );
}
