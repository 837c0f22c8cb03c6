//! Every built-in rule against a corpus of real-looking text that holds no credential: source
//! code, lockfiles, hashes, UUIDs, base64 images, minified JS and documentation with example
//! keys. Any finding here is a false positive.

mod common;

use common::stray;

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
    assert_eq!(output.status.code(), Some(0));
}
