//! Every kind of SARIF document stray writes, validated against the OASIS SARIF 2.1.0 JSON schema
//! (`fixtures/sarif/sarif-schema-2.1.0.json`, offline: it has no remote `$ref`), and checked for
//! what GitHub code scanning reads on top of the schema.

use std::sync::OnceLock;

use crate::common::{Fake, Tree, git_ok, run_in};
use serde_json::{Value, json};

/// The validator for the stored schema. It declares draft-04; formats (`uri`, `date-time`) are
/// checked too.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sarif/sarif-schema-2.1.0.json"
        );
        let text = std::fs::read_to_string(path).expect("the SARIF schema is stored");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles without fetching anything")
    })
}

/// The schema's complaints about `document`, one line each.
fn schema_errors(document: &Value) -> Vec<String> {
    validator()
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Runs `stray scan --format sarif -q` with `args` in `tree`; checks the exit code, the schema,
/// what code scanning reads, and that no secret is in the text. Returns the document.
fn sarif_scan(tree: &Tree, args: &[&str], code: i32, secrets: &[&str]) -> Value {
    let mut all = vec!["scan", "--format", "sarif", "-q"];
    all.extend_from_slice(args);
    let (exit, text, stderr) = run_in(tree, &all);
    assert_eq!(exit, code, "{stderr}\n{text}");
    let document: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let errors = schema_errors(&document);
    assert!(
        errors.is_empty(),
        "{args:?}: not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
    assert_code_scanning_fields(&document);
    for secret in secrets {
        for line in secret
            .lines()
            .filter(|l| l.len() >= 12 && !l.starts_with("-----"))
        {
            assert!(!text.contains(line), "a secret is in the SARIF: {text}");
        }
    }
    document
}

/// What GitHub reads beyond the schema: unique rules with unique tags, a severity in its
/// bands, and per result a `primaryLocationLineHash`, a region that ends after it starts and a
/// `ruleIndex` that names the result's rule.
fn assert_code_scanning_fields(document: &Value) {
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let mut ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for rule in rules {
        assert_ne!(rule["name"], rule["id"]);
        let tags = rule["properties"]["tags"].as_array().expect("tags");
        let mut unique = tags.clone();
        unique.sort_by_key(|t| t.to_string());
        unique.dedup();
        assert_eq!(unique.len(), tags.len(), "duplicate tags: {rule}");
        assert!(tags.contains(&json!("security")));
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("security-severity is a number in a string");
        assert!((0.1..9.0).contains(&severity), "{rule}");
        let level = &rule["defaultConfiguration"]["level"];
        let expected = if severity >= 7.0 {
            "error"
        } else if severity >= 4.0 {
            "warning"
        } else {
            "note"
        };
        assert_eq!(level, expected, "{rule}");
    }
    let results = run["results"].as_array().expect("results");
    let used: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for id in &ids {
        assert!(used.contains(id), "rule {id} is listed but has no result");
    }
    let mut hashes = Vec::new();
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .expect("primaryLocationLineHash");
        let (hex, occurrence) = hash.split_once(':').expect("<hex>:<occurrence>");
        assert!(hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(occurrence.parse::<u32>().is_ok_and(|n| n >= 1), "{hash}");
        hashes.push(hash);
        assert!(result["partialFingerprints"]["stray/fingerprint/v1"].is_string());
        let region = &result["locations"][0]["physicalLocation"]["region"];
        let start = (region["startLine"].as_u64(), region["startColumn"].as_u64());
        let end = (region["endLine"].as_u64(), region["endColumn"].as_u64());
        assert!(end > start, "the region ends after it starts: {region}");
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(!uri.starts_with('/'), "{uri}");
    }
    hashes.sort_unstable();
    let all = hashes.len();
    hashes.dedup();
    assert_eq!(hashes.len(), all, "each place has its own line hash");
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // The output stray wrote before: a rule with the same tag twice (`uniqueItems`).
    let document = json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "stray", "rules": [{
                "id": "private-key",
                "properties": { "tags": ["security", "secret", "private-key", "private-key"] },
            }]}},
            "results": [],
        }],
    });
    let mut valid = document.clone();
    valid["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"] =
        json!(["security", "secret", "private-key"]);
    assert!(
        schema_errors(&valid).is_empty(),
        "{:?}",
        schema_errors(&valid)
    );
    assert!(!schema_errors(&document).is_empty());
    // An unknown property, a level that does not exist, a column before the first.
    let mut wrong = valid.clone();
    wrong["runs"][0]["results"] = json!([{
        "message": { "text": "x" },
        "level": "critical",
        "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": "a" },
            "region": { "startLine": 1, "startColumn": 0 },
        }}],
    }]);
    assert!(
        schema_errors(&wrong).len() >= 2,
        "{:?}",
        schema_errors(&wrong)
    );
}

#[test]
fn a_clean_scan_is_valid_sarif_with_no_rules() {
    let tree = Tree::new();
    tree.write("README.md", "nothing to see\n");
    let document = sarif_scan(&tree, &[], 0, &[]);
    let run = &document["runs"][0];
    assert_eq!(run["results"], json!([]));
    assert_eq!(run["tool"]["driver"]["rules"], json!([]));
}

#[test]
fn several_kinds_of_credential_including_a_private_key_are_valid_sarif() {
    let tree = Tree::new();
    let mut fake = Fake::new(1301);
    let github = fake.github_pat();
    let openai = fake.openai_project_key();
    let slack = fake.slack_webhook();
    let npm = fake.npm_token();
    let pem = fake.pem_private_key();
    tree.write(
        ".env",
        format!("GITHUB_TOKEN={github}\nOPENAI_API_KEY={openai}\n# again\nTOKEN2={github}\n"),
    );
    tree.write("ops/notify.sh", format!("curl -X POST {slack}\n"));
    tree.write(
        "dir with space/.npmrc",
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    );
    tree.write("deploy/id_rsa", format!("{pem}\n"));
    let document = sarif_scan(&tree, &[], 1, &[&github, &openai, &slack, &npm, &pem]);
    let run = &document["runs"][0];
    let results = run["results"].as_array().expect("results");
    let result_for = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap_or_else(|| panic!("no result in {uri}: {document}"))
    };

    // A PEM key ends on its last line, after `-----END RSA PRIVATE KEY-----`.
    let key = result_for("deploy/id_rsa");
    let region = &key["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 1);
    assert_eq!(region["endLine"], 10, "{region}");
    assert_eq!(
        region["endColumn"],
        "-----END RSA PRIVATE KEY-----".len() + 1
    );
    let rule = &run["tool"]["driver"]["rules"][key["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["properties"]["security-severity"], "8.9");
    assert_eq!(key["level"], "error");

    // A one-line token ends where it ends on its line.
    let first = result_for(".env");
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], "GITHUB_TOKEN=".len() + 1);
    assert_eq!(region["endLine"], 1);
    assert_eq!(
        region["endColumn"],
        "GITHUB_TOKEN=".len() + github.len() + 1
    );

    // The same token twice in one file: two occurrences of one hash.
    let twice: Vec<&str> = results
        .iter()
        .filter(|r| {
            r["ruleId"] == "github-classic-pat"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".env"
        })
        .filter_map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str())
        .collect();
    assert_eq!(twice.len(), 2, "{document}");
    assert_eq!(twice[0].split(':').next(), twice[1].split(':').next());
    assert!(twice.contains(&twice[0]) && twice[0].ends_with(":1") && twice[1].ends_with(":2"));
}

/// A key as a directory name and as a file name (tests/hostile_names.rs): valid SARIF, the
/// name redacted in the URI (percent-encoded), the region on line 1 at the name's column.
#[test]
fn credentials_in_names_are_valid_sarif_results() {
    let tree = Tree::new();
    let mut fake = Fake::new(1402);
    let in_dir = fake.anthropic_key();
    let as_file = fake.groq_key();
    let inside = fake.github_pat();
    tree.write(&format!("c12/{in_dir}/.env"), format!("TOKEN={inside}\n"));
    tree.write(&format!("notes/{as_file}.txt"), "nothing\n");
    let document = sarif_scan(&tree, &[], 1, &[&in_dir, &as_file, &inside]);
    let results = document["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 3, "{document}");
    let named = results
        .iter()
        .find(|r| r["ruleId"] == "groq-api-key")
        .expect("the file name is a result");
    let place = &named["locations"][0]["physicalLocation"];
    let uri = place["artifactLocation"]["uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("notes/gsk_") && uri.ends_with(".txt"),
        "{uri}"
    );
    assert_eq!(place["region"]["startLine"], 1);
    assert_eq!(place["region"]["startColumn"], "notes/".len() + 1);
}

#[test]
fn a_history_scan_names_the_commit_of_a_file_gone_from_head() {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q", "-b", "main"]);
    let key = Fake::new(1302).github_pat();
    tree.write(
        "deploy.sh",
        format!("#!/bin/sh\nexport GITHUB_TOKEN={key}\n"),
    );
    git_ok(tree.path(), &["add", "."]);
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "deploy"],
    );
    let introduced = git_ok(tree.path(), &["rev-parse", "HEAD"]);
    git_ok(tree.path(), &["rm", "-q", "deploy.sh"]);
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-m", "gone"]);

    let document = sarif_scan(&tree, &["--git"], 1, &[&key]);
    let results = document["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{document}");
    let result = &results[0];
    assert_eq!(result["properties"]["commit"]["id"], introduced.as_str());
    let text = result["message"]["text"].as_str().expect("message");
    assert!(text.contains(&introduced[..12]), "{text}");
    let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "deploy.sh", "{artifact}");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
}

#[test]
fn suppressed_places_are_sarif_suppressions() {
    let tree = Tree::new();
    let mut fake = Fake::new(1303);
    let allowed = fake.github_pat();
    let open = fake.openai_project_key();
    tree.write(
        "app/.env",
        format!("GITHUB_TOKEN={allowed} # stray:allow revoked test token\nOPENAI_API_KEY={open}\n"),
    );
    let without = sarif_scan(&tree, &[], 1, &[&allowed, &open]);
    let results = without["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{without}");
    assert_eq!(
        without["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "a rule whose every place is suppressed is not listed"
    );

    let with = sarif_scan(&tree, &["--show-suppressed"], 1, &[&allowed, &open]);
    let results = with["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "{with}");
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1, "{with}");
    assert_eq!(
        suppressed[0]["suppressions"],
        json!([{ "kind": "inSource", "justification": "revoked test token" }])
    );
}
