//! `--format gitlab`: every report these tests produce is validated against GitLab's
//! secret-detection report schema (fixtures/gitlab/, v15.1.4), offline.

use std::collections::HashSet;
use std::path::Path;

use crate::common::{Fake, Tree, git_ok, scan_json, stray};
use serde_json::Value;

const REPORT: &str = "gl-secret-detection-report.json";

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/gitlab/secret-detection-report-format.json"
    );
    let text = std::fs::read_to_string(path).expect("the GitLab schema fixture");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schema's complaints about `report`, one line each; empty when it conforms.
fn violations(report: &Value) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(report)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

fn assert_conforms(report: &Value) {
    let errors = violations(report);
    assert!(
        errors.is_empty(),
        "the report does not match GitLab's schema:\n{}\n{report:#}",
        errors.join("\n")
    );
}

/// Runs `stray scan --format gitlab -o gl-secret-detection-report.json ARGS` in `dir`;
/// returns the exit code, the report file as JSON and its text.
fn scan_gitlab(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let output = stray()
        .current_dir(dir)
        .args(["scan", "--format", "gitlab", "-o", REPORT])
        .args(args)
        .output()
        .expect("stray runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let text = std::fs::read_to_string(dir.join(REPORT))
        .unwrap_or_else(|e| panic!("{REPORT} not written ({e}); stderr: {stderr}"));
    let report: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{REPORT} is not JSON ({e}): {text}\nstderr: {stderr}"));
    (output.status.code().unwrap_or(-1), report, text)
}

fn vulnerabilities(report: &Value) -> &Vec<Value> {
    report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities is an array")
}

/// No secret in the report, neither whole nor its middle.
fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "the report holds a secret: {text}");
        let chars: Vec<char> = secret.chars().collect();
        let middle: String = chars[4..chars.len() - 4].iter().collect();
        assert!(
            !text.contains(&middle),
            "the report holds the middle of a secret: {text}"
        );
    }
}

#[test]
fn a_clean_scan_is_a_valid_empty_report() {
    let tree = Tree::new();
    tree.write("README.md", "nothing to see\n");
    let (code, report, _) = scan_gitlab(tree.path(), &[]);
    assert_eq!(code, 0);
    assert_conforms(&report);
    assert!(vulnerabilities(&report).is_empty());
    let self_version = schema()["self"]["version"].clone();
    assert_eq!(report["version"], self_version);
    let scan = &report["scan"];
    assert_eq!(scan["type"], "secret_detection");
    assert_eq!(scan["status"], "success");
    assert_eq!(scan["analyzer"]["id"], "stray");
    assert_eq!(scan["scanner"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(scan["start_time"].as_str() <= scan["end_time"].as_str());
    let primary = scan["primary_identifiers"].as_array().expect("every rule");
    assert!(primary.iter().any(|id| id["value"] == "github-classic-pat"));
}

#[test]
fn every_place_is_a_vulnerability_with_no_secret_in_it() {
    let tree = Tree::new();
    let mut fake = Fake::new(13);
    let pat = fake.github_pat();
    let openai = fake.openai_project_key();
    let slack = fake.slack_webhook();
    let key = fake.pem_private_key();
    tree.write(
        ".env",
        format!("GITHUB_TOKEN={pat}\nOPENAI_API_KEY={openai}\n"),
    );
    tree.write("deploy/notify.sh", format!("curl -X POST {slack}\n"));
    tree.write("config/app.yml", format!("token: {pat}\n"));
    tree.write("keys/deploy.pem", format!("{key}\n"));
    // An absolute root, as a CI job may give it: files are still relative to the checkout.
    let root = tree.path().to_str().expect("UTF-8 temp path").to_string();
    let (code, report, text) = scan_gitlab(tree.path(), &[&root]);
    assert_eq!(code, 1, "credentials fail the scan: {report:#}");
    assert_conforms(&report);
    assert_no_secret(&text, &[&pat, &openai, &slack]);
    let key_body = key.lines().nth(1).expect("a PEM body line");
    assert!(!text.contains(key_body), "the report holds the private key");

    let (_, json, _) = scan_json(tree.path(), &[&root]);
    let findings = json["findings"].as_array().expect("findings");
    let places: usize = findings
        .iter()
        .map(|f| f["locations"].as_array().map_or(0, Vec::len))
        .sum();
    let found = vulnerabilities(&report);
    assert_eq!(found.len(), places, "one vulnerability per place");
    assert!(found.len() >= 5);

    let ids: HashSet<&str> = found.iter().filter_map(|v| v["id"].as_str()).collect();
    assert_eq!(ids.len(), found.len(), "ids are unique");
    let files: HashSet<&str> = found
        .iter()
        .filter_map(|v| v["location"]["file"].as_str())
        .collect();
    for file in [
        ".env",
        "deploy/notify.sh",
        "config/app.yml",
        "keys/deploy.pem",
    ] {
        assert!(files.contains(file), "{file} in {files:?}");
    }
    for vulnerability in found {
        assert_eq!(vulnerability["location"]["commit"]["sha"], "0000000");
        assert_eq!(vulnerability["identifiers"][0]["type"], "stray_rule_id");
        let rule = vulnerability["identifiers"][0]["value"]
            .as_str()
            .expect("rule id");
        let finding = findings
            .iter()
            .find(|f| f["rule"] == rule)
            .expect("the rule's finding in the JSON report");
        let severity = match finding["criticality"].as_str() {
            Some("high") => "High",
            Some("medium") => "Medium",
            Some("low") => "Low",
            other => panic!("criticality {other:?}"),
        };
        assert_eq!(vulnerability["severity"], severity, "{rule}");
    }
    let github = found
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "github-classic-pat")
        .expect("the GitHub token");
    assert_eq!(github["severity"], "High");
    assert_eq!(github["location"]["start_line"], 1);

    // The same scan again gives the same ids: GitLab tracks a vulnerability across pipelines.
    let (_, again, _) = scan_gitlab(tree.path(), &[&root]);
    let ids_again: HashSet<&str> = vulnerabilities(&again)
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    assert_eq!(ids, ids_again);
}

#[test]
fn show_secrets_does_not_reach_the_gitlab_report() {
    let tree = Tree::new();
    let pat = Fake::new(7).github_pat();
    tree.write("app.env", format!("GITHUB_TOKEN={pat}\n"));
    let (code, report, text) = scan_gitlab(tree.path(), &["--show-secrets"]);
    assert_eq!(code, 1);
    assert_conforms(&report);
    assert_no_secret(&text, &[&pat]);
}

#[test]
fn a_history_scan_names_the_commit_of_each_place() {
    let tree = Tree::new();
    let dir = tree.path();
    git_ok(dir, &["init", "-q", "-b", "main"]);
    let pat = Fake::new(99).github_pat();
    tree.write("ci/settings.env", format!("GITHUB_TOKEN={pat}\n"));
    git_ok(dir, &["add", "."]);
    git_ok(dir, &["commit", "-q", "-m", "add settings"]);
    let added = git_ok(dir, &["rev-parse", "HEAD"]).trim().to_string();
    tree.write("ci/settings.env", "GITHUB_TOKEN=${GITHUB_TOKEN}\n");
    git_ok(dir, &["commit", "-q", "-am", "use the CI variable"]);
    std::fs::write(dir.join(".gitignore"), format!("{REPORT}\n")).expect("write .gitignore");

    let (code, report, text) = scan_gitlab(dir, &["--git"]);
    assert_eq!(code, 1, "{report:#}");
    assert_conforms(&report);
    assert_no_secret(&text, &[&pat]);
    let found = vulnerabilities(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    let location = &found[0]["location"];
    assert_eq!(location["file"], "ci/settings.env");
    assert_eq!(location["start_line"], 1);
    assert_eq!(location["commit"]["sha"], added.as_str());
    assert_eq!(location["commit"]["author"], "Ada");
}

/// What is wrong with a broken report, and how to break it so.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_check_rejects_broken_reports() {
    let tree = Tree::new();
    let pat = Fake::new(21).github_pat();
    tree.write(".env", format!("GITHUB_TOKEN={pat}\n"));
    let (_, report, _) = scan_gitlab(tree.path(), &[]);
    assert_conforms(&report);
    let breakages: [Breakage; 6] = [
        ("no commit sha", |r| {
            r["vulnerabilities"][0]["location"]["commit"] = serde_json::json!({});
        }),
        ("a lowercase severity", |r| {
            r["vulnerabilities"][0]["severity"] = "high".into();
        }),
        ("a time with a zone", |r| {
            r["scan"]["start_time"] = "2026-11-28T04:40:05Z".into();
        }),
        ("no identifiers", |r| {
            r["vulnerabilities"][0]["identifiers"] = serde_json::json!([]);
        }),
        ("a scan of another type", |r| {
            r["scan"]["type"] = "sast".into();
        }),
        ("a version that is not x.y.z", |r| {
            r["version"] = "15.1".into();
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = report.clone();
        breakage(&mut broken);
        assert!(
            !violations(&broken).is_empty(),
            "the schema check accepted a report with {what}"
        );
    }
}
