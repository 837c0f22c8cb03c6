//! A real-shaped laptop tree under fixtures/laptop (fake keys only): what a user would expect
//! stray to report on it, and what it must leave alone.

use crate::common::{expect_exit, places, stray};

fn scan_fixture() -> serde_json::Value {
    let output = stray()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", "json", "fixtures/laptop"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 1, "stray scan --format json fixtures/laptop");
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn finding<'a>(json: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn place_list(finding: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = finding["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["path"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("fixtures/laptop/")
                    .to_string(),
                l["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|(p, k)| (p.to_string(), k.to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn one_key_pasted_in_several_places_is_one_credential() {
    let json = scan_fixture();
    let openai = finding(&json, "openai-project-key");
    assert_eq!(openai.len(), 1);
    assert_eq!(
        place_list(openai[0]),
        pairs(&[
            ("home/.zshrc", "shell-profile"),
            ("home/code/api/.env", "dotenv")
        ])
    );
    let github = finding(&json, "github-classic-pat");
    assert_eq!(github.len(), 1);
    assert_eq!(
        place_list(github[0]),
        pairs(&[
            ("home/.cursor/mcp.json", "ai-tool-config"),
            ("home/.zshrc", "shell-profile")
        ])
    );
}

#[test]
fn each_provider_is_found_where_it_lives() {
    let json = scan_fixture();
    for (rule, path, kind) in [
        (
            "aws-access-key-id",
            "home/.aws/credentials",
            "cloud-credentials",
        ),
        (
            "aws-secret-access-key",
            "home/.aws/credentials",
            "cloud-credentials",
        ),
        ("npm-access-token", "home/.npmrc", "package-config"),
        ("slack-bot-token", "home/.cursor/mcp.json", "ai-tool-config"),
        ("hashicorp-vault-token", "home/code/api/.env", "dotenv"),
        ("anthropic-api-key", "home/code/api/.env", "dotenv"),
        ("database-url-password", "home/code/api/.env", "dotenv"),
        (
            "gcp-service-account-key-sorted",
            "home/.config/gcloud/legacy_credentials/deployer@ledger-prod-13319.iam.gserviceaccount.com/adc.json",
            "cloud-credentials",
        ),
    ] {
        let found = finding(&json, rule);
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert_eq!(place_list(found[0]), pairs(&[(path, kind)]), "{rule}");
    }
}

#[test]
fn a_service_account_key_is_one_gcp_credential_not_also_a_bare_private_key() {
    // gcloud writes legacy_credentials/*/adc.json with sorted keys: "private_key" before
    // "type". The key inside is JSON-escaped; its fingerprint is of the real PEM text, the
    // same bytes the JSON decoder sees, so it is one finding in one place.
    let json = scan_fixture();
    assert!(finding(&json, "private-key-pem").is_empty(), "{json}");
    let gcp = finding(&json, "gcp-service-account-key-sorted");
    assert_eq!(gcp.len(), 1);
    assert_eq!(gcp[0]["locations"].as_array().map(Vec::len), Some(1));
    assert_eq!(gcp[0]["locations"][0]["line"], 4);
    let file = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "fixtures/laptop/home/.config/gcloud/legacy_credentials/\
             deployer@ledger-prod-13319.iam.gserviceaccount.com/adc.json",
    ))
    .expect("fixture");
    let key: serde_json::Value = serde_json::from_str(&file).expect("JSON");
    let pem = key["private_key"].as_str().expect("private_key").trim_end();
    assert_eq!(
        gcp[0]["fingerprint"],
        stray::finding::fingerprint(pem.as_bytes())
    );
}

#[test]
fn placeholders_references_and_documented_examples_are_left_alone() {
    let json = scan_fixture();
    let all = places(&json);
    for clean in [".env.example", ".env.tpl", "deploy.yml"] {
        assert!(
            !all.iter().any(|(p, _)| p.ends_with(clean)),
            "{clean} should have no findings: {all:?}"
        );
    }
    let text = json.to_string();
    assert!(
        !text.contains("IOSFODNN7"),
        "documented AWS example key reported"
    );
}
