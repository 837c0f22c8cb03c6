//! Every built-in rule against a corpus of real-looking text that holds no credential: source
//! code, lockfiles, hashes, UUIDs, base64 images, minified JS and documentation with example
//! keys. Any finding here is a false positive.

use crate::common::{expect_exit, stray};

#[test]
fn false_positive_corpus_has_no_findings() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/false-positives");
    let output = stray()
        .args(["scan", "--format", "json", "--no-default-skips", corpus])
        .output()
        .expect("stray runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let files = json["stats"]["files_scanned"].as_u64().unwrap_or(0);
    assert!(
        files >= 10,
        "the corpus is too small to mean anything: {files} files"
    );
    let findings: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {} at {}",
                f["rule"],
                f["redacted"],
                f["locations"][0]["path"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "false positives:\n{}",
        findings.join("\n")
    );
    expect_exit(
        &output,
        0,
        "stray scan --format json --no-default-skips <corpus>",
    );
}

/// A value that is a vault reference is the good pattern: listed under `references`, never
/// also a finding, whatever name it is assigned to and however it is quoted.
#[test]
fn vault_reference_values_are_references_not_findings() {
    let references = [
        "projects/p/secrets/s/versions/2",
        "projects/acme-prod1/secrets/db-pass2/versions/3",
        "op://Eng1/Item2/credential3",
        "vault:secret/data/app1#password2",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf1",
        "@Microsoft.KeyVault(SecretUri=https://v1.vault.azure.net/secrets/x2/)",
        "${{ secrets.DEPLOY_TOKEN2 }}",
    ];
    let mut env = String::new();
    for (index, reference) in references.iter().enumerate() {
        for name in ["A_SECRET", "DB_PASSWORD", "CLIENT_SECRET_KEY"] {
            env.push_str(&format!("V{index}_{name}={reference}\n"));
            env.push_str(&format!("Q{index}_{name}=\"{reference}\"\n"));
        }
    }
    let tree = crate::common::Tree::new();
    tree.write("app/.env", &env);
    let (code, json, stderr) = crate::common::scan_json(tree.path(), &[]);
    let findings: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{} {}", f["rule"], f["redacted"]))
        .collect();
    assert!(
        findings.is_empty(),
        "references reported as findings: {findings:?}"
    );
    assert_eq!(code, 0, "{stderr}");
    let listed = json["references"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, references.len() * 6, "{}", json["references"]);

    // A command that fetches from a vault is a reference too, but a real key further along
    // its line is still a credential.
    let token = crate::common::Fake::new(31).github_pat();
    tree.write(
        "deploy.sh",
        format!("doppler run -- curl -H 'Authorization: token {token}' https://api.github.com\n"),
    );
    let (code, json, _) = crate::common::scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["findings"][0]["rule"], "github-classic-pat", "{json}");
}
