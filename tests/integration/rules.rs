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

/// A `secret_pattern` is applied to every value a generic rule captures, thousands per scan. Its
/// lazy DFA must settle into a few states: one that must remember every digit it has passed
/// (`[C]*[0-9][C]{15,}`) builds megabytes of states, more than the regex crate's cache holds,
/// so it rebuilds them for nearly every value and costs microseconds each; said of the first
/// digit (`[N]*[0-9][C]{15,}`, `N` the class without digits) the same set stays small.
#[test]
fn every_secret_pattern_settles_into_few_states() {
    use regex_automata::hybrid::dfa::DFA;
    use regex_automata::util::syntax;
    const LIMIT: usize = 1 << 20;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"abcxyzABCXYZ!#%*+./=?@^_~-";
    let values: Vec<Vec<u8>> = (0..3000)
        .map(|_| {
            let len = 1 + (next() % 64) as usize;
            (0..len)
                .map(|_| match next() {
                    // A quarter digits, so that most values hold several.
                    r if r % 4 == 0 => b'0' + (r >> 8) as u8 % 10,
                    r => alphabet[(r >> 8) as usize % alphabet.len()],
                })
                .collect()
        })
        .collect();
    let mut checked = 0;
    for rule in builtin().rules() {
        let Some(pattern) = &rule.secret_pattern else {
            continue;
        };
        let dfa = DFA::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(DFA::config().cache_capacity(64 * LIMIT))
            .build(&format!(r"\A(?:{})\z", pattern.source))
            .expect("secret_pattern builds");
        let mut cache = dfa.create_cache();
        for value in &values {
            dfa.try_search_fwd(&mut cache, &regex_automata::Input::new(value))
                .expect("the cache is never cleared");
        }
        let used = cache.memory_usage();
        assert!(
            used < LIMIT,
            "rule '{}': secret_pattern's lazy DFA grew to {used} bytes on {} values",
            rule.id,
            values.len()
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} rules have a secret_pattern");
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
