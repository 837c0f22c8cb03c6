//! Adopting stray on a dirty tree: baselines with expiring exceptions, inline allows and the
//! repository's .stray.toml.

use crate::common::{Fake, Tree, expect_code, paths, run_in as run, scan_json};
use serde_json::Value;

fn rules(json: &Value) -> Vec<String> {
    let mut out: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn baseline_suppresses_old_findings_but_not_new_ones() {
    let tree = Tree::new();
    let mut fake = Fake::new(41);
    let old = fake.openai_project_key();
    tree.write("app/.env", format!("OPENAI_API_KEY={old}\n"));
    let (_, stderr) = expect_code(
        run(
            &tree,
            &[
                "baseline",
                "create",
                "-o",
                ".stray-baseline.json",
                "--owner",
                "ada",
                "--reason",
                "legacy key, rotation booked",
                "--exclude",
                ".stray-baseline.json",
            ],
        ),
        0,
        "stray baseline create -o .stray-baseline.json --owner ada --reason legacy key, rotation booked --exclude .stray-baseline.json",
    );
    assert!(stderr.contains("accepts 1 credential"), "{stderr}");
    let baseline =
        std::fs::read_to_string(tree.path().join(".stray-baseline.json")).expect("baseline");
    assert!(
        !baseline.contains(&old),
        "the baseline must not hold the secret"
    );
    assert!(baseline.contains("\"expires\""));

    // Nothing new: clean, and the suppression is counted.
    let (code, json, _) = scan_json(
        tree.path(),
        &[
            "--baseline",
            ".stray-baseline.json",
            "--exclude",
            ".stray-baseline.json",
        ],
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["suppressed_places"], 1);
    assert_eq!(json["summary"]["suppressed_credentials"], 1);
    assert!(json["findings"].as_array().is_some_and(Vec::is_empty));

    // A new key, and the old key copied to a new place: both reported.
    tree.write(
        "home/.zshrc",
        format!("export GITHUB_TOKEN={}\n", fake.github_pat()),
    );
    tree.write("app/config.yml", format!("openai_key: {old}\n"));
    let (code, json, _) = scan_json(
        tree.path(),
        &[
            "--baseline",
            ".stray-baseline.json",
            "--exclude",
            ".stray-baseline.json",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        rules(&json),
        vec!["github-classic-pat", "openai-project-key"]
    );
    assert_eq!(paths(&json), vec!["app/config.yml", "home/.zshrc"]);

    // --show-suppressed lists the accepted place with its reason.
    let (_, json, _) = scan_json(
        tree.path(),
        &[
            "--baseline",
            ".stray-baseline.json",
            "--exclude",
            ".stray-baseline.json",
            "--show-suppressed",
        ],
    );
    let openai = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "openai-project-key")
        .expect("openai finding");
    assert_eq!(openai["suppressed"][0]["path"], "app/.env");
    assert_eq!(openai["suppressed"][0]["suppression"]["by"], "baseline");
    assert_eq!(openai["suppressed"][0]["suppression"]["owner"], "ada");
}

#[test]
fn expired_exceptions_stop_suppressing_and_say_so() {
    let tree = Tree::new();
    tree.write(
        "app/.env",
        format!("OPENAI_API_KEY={}\n", Fake::new(42).openai_project_key()),
    );
    expect_code(
        run(
            &tree,
            &[
                "baseline",
                "create",
                "-o",
                "base.json",
                "--expires",
                "2099-01-31",
                "--owner",
                "ada",
                "--exclude",
                "base.json",
            ],
        ),
        0,
        "stray baseline create -o base.json --expires 2099-01-31 --owner ada --exclude base.json",
    );
    // Time passes: `baseline create` refuses a date in the past, so age the file by hand.
    let text = std::fs::read_to_string(tree.path().join("base.json")).expect("baseline");
    std::fs::write(
        tree.path().join("base.json"),
        text.replace("\"2099-01-31\"", "\"2020-01-31\""),
    )
    .expect("write");
    let (code, json, _) = scan_json(
        tree.path(),
        &["--baseline", "base.json", "--exclude", "base.json"],
    );
    assert_eq!(code, 1, "an expired exception no longer suppresses");
    assert_eq!(
        json["findings"][0]["expired_exception"]["expires"],
        "2020-01-31"
    );
    assert_eq!(json["summary"]["expired_exceptions"], 1);
    let (_, table, _) = run(
        &tree,
        &["scan", "--baseline", "base.json", "--exclude", "base.json"],
    );
    assert!(table.contains("exception expired 2020-01-31"), "{table}");

    // No permanent exceptions: an entry without a date does not load.
    let text = std::fs::read_to_string(tree.path().join("base.json")).expect("baseline");
    std::fs::write(
        tree.path().join("base.json"),
        text.replace("\"2020-01-31\"", "\"never\""),
    )
    .expect("write");
    let (_, stderr) = expect_code(
        run(
            &tree,
            &["scan", "--baseline", "base.json", "--exclude", "base.json"],
        ),
        2,
        "stray scan --baseline base.json --exclude base.json",
    );
    assert!(
        stderr.contains("base.json") && stderr.contains("expiry"),
        "{stderr}"
    );
}

#[test]
fn inline_allow_suppresses_one_place() {
    let tree = Tree::new();
    let mut fake = Fake::new(43);
    let key = fake.github_pat();
    tree.write(
        "tests/fixture.env",
        format!("GITHUB_TOKEN={key} # stray:allow revoked test token\n"),
    );
    tree.write("app/.env", format!("GITHUB_TOKEN={key}\n"));
    let (code, json, _) = scan_json(tree.path(), &["--show-suppressed"]);
    assert_eq!(code, 1);
    assert_eq!(paths(&json), vec!["app/.env"]);
    let suppressed = &json["findings"][0]["suppressed"][0];
    assert_eq!(suppressed["path"], "tests/fixture.env");
    assert_eq!(suppressed["suppression"]["by"], "inline");
    assert_eq!(suppressed["suppression"]["reason"], "revoked test token");

    std::fs::remove_file(tree.path().join("app/.env")).expect("remove");
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["suppressed_places"], 1);
}

#[test]
fn other_scanners_inline_markers_are_honoured_unless_turned_off() {
    let tree = Tree::new();
    let mut fake = Fake::new(47);
    tree.write(
        "tests/gitleaks.env",
        format!("GITHUB_TOKEN={} # gitleaks:allow\n", fake.github_pat()),
    );
    tree.write(
        "tests/detect_secrets.py",
        format!(
            "OPENAI_API_KEY = \"{}\"  # pragma: allowlist secret\n",
            fake.openai_project_key()
        ),
    );
    tree.write(
        "tests/trufflehog.yml",
        format!("token: {} # trufflehog:ignore\n", fake.npm_token()),
    );
    let (code, json, _) = scan_json(tree.path(), &["--show-suppressed"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["suppressed_places"], 3);
    let reasons: Vec<String> = json["suppressed"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["suppressed"].as_array().cloned().unwrap_or_default())
        .map(|s| {
            s["suppression"]["reason"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(
        reasons.contains(&"gitleaks:allow (another scanner's marker)".to_string()),
        "{reasons:?}"
    );

    // Strict teams count only stray's own marker: by flag or in .stray.toml.
    let (code, json, _) = scan_json(tree.path(), &["--no-peer-allow"]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(3));
    tree.write(".stray.toml", "[scan]\npeer_allow = false\n");
    let (code, _, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
}

#[test]
fn repository_config_applies_and_can_be_ignored() {
    let tree = Tree::new();
    let mut fake = Fake::new(44);
    tree.write("fixtures/sample.env", format!("T={}\n", fake.github_pat()));
    tree.write(
        "app/.env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    tree.write(
        ".stray.toml",
        "[scan]\nexclude = [\"fixtures/**\"]\n\n[policy]\nfail_on = [\"overdue\"]\n",
    );
    // From a subdirectory too: the file is found upward from the scan root.
    let (code, json, _) = scan_json(tree.path(), &["app"]);
    assert_eq!(paths(&json), vec!["app/.env"]);
    assert_eq!(
        code, 0,
        "policy from .stray.toml: only overdue fails, and nothing is vaulted"
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(paths(&json), vec!["app/.env"]);
    assert_eq!(code, 0);
    let (code, json, _) = scan_json(tree.path(), &["--no-config"]);
    assert_eq!(paths(&json), vec!["app/.env", "fixtures/sample.env"]);
    assert_eq!(code, 1);
    let (code, _, _) = scan_json(tree.path(), &["--fail-on", "any"]);
    assert_eq!(code, 1, "the command line wins over the file");

    tree.write(".stray.toml", "[scan]\nexcludes = [\"x\"]\n");
    let (_, stderr) = expect_code(run(&tree, &["scan"]), 2, "stray scan");
    assert!(
        stderr.contains(".stray.toml") && stderr.contains("excludes"),
        "{stderr}"
    );
}
