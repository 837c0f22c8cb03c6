//! Vault reconciliation end to end: statuses, ages, policy exit codes, fingerprint files, the
//! inventory CSV and merging several laptops' results.

use crate::common::{Fake, Tree, VaultValue, expect_exit, fingerprint_file, stray};
use serde_json::Value;

struct Setup {
    tree: Tree,
    vaulted: String,
    unvaulted: String,
    old: String,
}

/// One key in the vault and in a .env (stray copy), one only in a shell profile (unvaulted),
/// one op:// reference, and one vault item 200 days old (overdue).
fn setup() -> Setup {
    let tree = Tree::new();
    let mut fake = Fake::new(31);
    let vaulted = fake.openai_project_key();
    let unvaulted = fake.github_pat();
    let old = fake.npm_token();
    tree.write("app/.env", format!("OPENAI_API_KEY={vaulted}\n"));
    tree.write("home/.zshrc", format!("export GITHUB_TOKEN={unvaulted}\n"));
    tree.write(
        "app/.env.tpl",
        "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
    );
    tree.write(
        "app/.npmrc",
        format!("//registry.npmjs.org/:_authToken={old}\n"),
    );
    tree.write(
        "vault/export.env",
        format!("OPENAI_API_KEY={vaulted}\nNPM_TOKEN={old}\nADMIN_PASSWORD=Summer2024!\n"),
    );
    Setup {
        tree,
        vaulted,
        unvaulted,
        old,
    }
}

/// A fingerprint file that says the npm token was last set 200 days ago.
fn aged_fingerprint_file(setup: &Setup) -> String {
    let value = VaultValue {
        secret: &setup.old,
        item: "npm publish token",
        vault: Some("Engineering"),
        owner: Some("ops@example.org"),
    };
    setup
        .tree
        .write("vault/aged.fp", fingerprint_file(&[value], 200));
    "vault/aged.fp".to_string()
}

fn scan(setup: &Setup, args: &[&str]) -> (i32, Value) {
    let output = stray()
        .current_dir(setup.tree.path())
        .args(["scan", "app", "home", "--format", "json"])
        .args(args)
        .output()
        .expect("stray runs");
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap_or(-1), json)
}

fn status_of(json: &Value, rule: &str) -> (String, Value) {
    let finding = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {json:#}"));
    (
        finding["vault"]["status"]
            .as_str()
            .unwrap_or("none")
            .to_string(),
        finding["vault"].clone(),
    )
}

#[test]
fn statuses_references_and_default_policy() {
    let setup = setup();
    let (code, json) = scan(
        &setup,
        &["--vault", "vault/export.env", "--vault-name", "Team"],
    );
    assert_eq!(code, 1, "an unvaulted credential fails the default policy");
    assert_eq!(status_of(&json, "openai-project-key").0, "stray-copy");
    assert_eq!(status_of(&json, "github-classic-pat").0, "unvaulted");
    assert!(
        !json.to_string().contains(setup.unvaulted.as_str()),
        "secret leaked into JSON"
    );
    assert_eq!(status_of(&json, "npm-access-token").0, "stray-copy");
    let (_, verdict) = status_of(&json, "openai-project-key");
    assert_eq!(verdict["items"][0]["item"], "OPENAI_API_KEY");
    assert_eq!(verdict["items"][0]["vault"], "Team");
    let references = json["references"].as_array().expect("references");
    assert_eq!(references.len(), 1);
    assert_eq!(references[0]["kind"], "1password");
    assert_eq!(
        references[0]["reference"],
        "op://Engineering/Anthropic/credential"
    );
    assert_eq!(json["summary"]["unvaulted"], 1);
    assert_eq!(json["summary"]["stray_copy"], 2);
    let coverage = json["summary"]["vault_coverage"]
        .as_f64()
        .expect("coverage");
    assert!((coverage - 2.0 / 3.0).abs() < 1e-9, "{coverage}");

    // Only stray copies left: the default policy (unvaulted) passes, --fail-on stray-copy fails.
    std::fs::remove_file(setup.tree.path().join("home/.zshrc")).expect("remove");
    let (code, _) = scan(&setup, &["--vault", "vault/export.env"]);
    assert_eq!(code, 0);
    let (code, _) = scan(
        &setup,
        &["--vault", "vault/export.env", "--fail-on", "stray-copy"],
    );
    assert_eq!(code, 1);
    let (code, _) = scan(&setup, &["--fail-on", "any"]);
    assert_eq!(code, 1);
}

#[test]
fn rotation_overdue_follows_vault_age() {
    let setup = setup();
    let aged = aged_fingerprint_file(&setup);
    let (code, json) = scan(
        &setup,
        &[
            "--vault",
            "vault/export.env",
            "--vault",
            &aged,
            "--fail-on",
            "overdue",
        ],
    );
    assert_eq!(code, 1);
    let (status, verdict) = status_of(&json, "npm-access-token");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["age_days"], 200);
    assert_eq!(verdict["rotation_overdue"], true);
    assert_eq!(
        status_of(&json, "openai-project-key").1["rotation_overdue"],
        false
    );
    let (code, json) = scan(
        &setup,
        &["--vault", &aged, "--fail-on", "overdue", "--max-age", "365"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        status_of(&json, "npm-access-token").1["rotation_overdue"],
        false
    );
}

#[test]
fn fingerprint_file_matches_its_export_and_holds_no_plaintext() {
    let setup = setup();
    let output = stray()
        .current_dir(setup.tree.path())
        .args(["vault", "fingerprint", "vault/export.env", "-o", "vault.fp"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(
        &output,
        0,
        "stray vault fingerprint vault/export.env -o vault.fp",
    );
    assert!(stderr.contains("wrote 2 fingerprints"), "{stderr}");
    assert!(stderr.contains("left out 1 value"), "{stderr}");
    let file =
        std::fs::read_to_string(setup.tree.path().join("vault.fp")).expect("fingerprint file");
    for plaintext in [&setup.vaulted, &setup.old, &"Summer2024!".to_string()] {
        assert!(
            !file.contains(plaintext.as_str()),
            "plaintext in the fingerprint file"
        );
    }
    assert!(
        !file.contains(&stray::finding::fingerprint(b"Summer2024!")),
        "guessable value kept"
    );

    let (code_export, from_export) = scan(&setup, &["--vault", "vault/export.env"]);
    let (code_fp, from_fp) = scan(&setup, &["--vault", "vault.fp"]);
    assert_eq!(code_export, code_fp);
    for rule in [
        "openai-project-key",
        "github-classic-pat",
        "npm-access-token",
    ] {
        assert_eq!(
            status_of(&from_export, rule).0,
            status_of(&from_fp, rule).0,
            "{rule}"
        );
    }
}

#[test]
fn malformed_or_unknown_vault_exports_are_errors() {
    let setup = setup();
    setup.tree.write(
        "vault/broken.json",
        "{\"stray_fingerprints\": 1, \"entries\": [",
    );
    let output = stray()
        .current_dir(setup.tree.path())
        .args([
            "scan",
            "app",
            "--vault",
            "vault/broken.json",
            "--vault-format",
            "fingerprints",
        ])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(
        &output,
        2,
        "stray scan app --vault vault/broken.json --vault-format fingerprints",
    );
    assert!(stderr.contains("vault/broken.json"), "{stderr}");
    assert!(stderr.contains("line"), "{stderr}");
    setup
        .tree
        .write("vault/mystery.bin", "\u{1}\u{2} what is this");
    let output = stray()
        .current_dir(setup.tree.path())
        .args(["scan", "app", "--vault", "vault/mystery.bin"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan app --vault vault/mystery.bin");
    assert!(stderr.contains("--vault-format"), "{stderr}");
}

#[test]
fn inventory_csv_is_one_row_per_credential() {
    let setup = setup();
    let output = stray()
        .current_dir(setup.tree.path())
        .env("STRAY_MACHINE", "laptop-ada")
        .env("USER", "ada")
        .args([
            "scan",
            "app",
            "home",
            "--vault",
            "vault/export.env",
            "--format",
            "inventory",
        ])
        .output()
        .expect("stray runs");
    expect_exit(
        &output,
        1,
        "stray scan app home --vault vault/export.env --format inventory",
    );
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    let openai = rows
        .iter()
        .find(|r| &r[column("rule")] == "openai-project-key")
        .expect("openai row");
    assert_eq!(&openai[column("status")], "stray-copy");
    assert_eq!(&openai[column("class")], "ai-provider");
    assert_eq!(&openai[column("places")], "1");
    assert_eq!(&openai[column("locations")], "app/.env:1 (dotenv)");
    assert_eq!(&openai[column("contexts")], "OPENAI_API_KEY");
    assert_eq!(&openai[column("machines")], "ada@laptop-ada");
    assert_eq!(openai[column("fingerprint")].len(), 64);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains(setup.vaulted.as_str()));
}

/// The Step-1 questions, one CSV: `scan --format inventory` and `inventory --format csv` write
/// the same columns, with the last rotation date and what the credential can reach (the vault
/// item's tags); `--bom` starts either with a byte order mark.
#[test]
fn scan_and_inventory_csvs_share_one_column_set_with_the_step_1_columns() {
    let tree = Tree::new();
    let token = Fake::new(32).github_pat();
    tree.write("app/.env", format!("GITHUB_TOKEN={token}\n"));
    let value = VaultValue {
        secret: &token,
        item: "GitHub deploy",
        vault: Some("Engineering"),
        owner: Some("ops@example.org"),
    };
    let mut file: Value =
        serde_json::from_str(&fingerprint_file(&[value], 100)).expect("fingerprint file");
    file["entries"][0]["tags"] = serde_json::json!(["scope=repo", "env=prod"]);
    tree.write("vault.fp", file.to_string());
    let db = tree.path().join("inventory.db");
    let run = |args: &[&str]| {
        stray()
            .current_dir(tree.path())
            .env("STRAY_MACHINE", "laptop-ada")
            .env("USER", "ada")
            .args(args)
            .output()
            .expect("stray runs")
    };
    let record = format!("--record={}", db.display());
    let scan = run(&[
        "scan",
        "app",
        "--vault",
        "vault.fp",
        "--format",
        "inventory",
        "--bom",
        &record,
        "-q",
    ]);
    let (scanned, _) = expect_exit(&scan, 0, "stray scan --format inventory --bom --record");
    let db_arg = db.display().to_string();
    let listing = run(&["inventory", "--db", &db_arg, "--format", "csv", "--bom"]);
    let (listed, _) = expect_exit(&listing, 0, "stray inventory --format csv --bom");
    let expected: Vec<&str> = stray::report::inventory::COLUMNS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    for name in [
        "consumers",
        "machines",
        "provider",
        "redacted",
        "fingerprint",
        "locations",
        "vault_item",
        "last_rotated",
        "reach",
    ] {
        assert!(expected.contains(&name), "{name}");
    }
    let last_rotated = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 100))
        .expect("date")
        .strftime("%Y-%m-%d")
        .to_string();
    for (what, text) in [("scan", &scanned), ("inventory", &listed)] {
        assert!(!text.contains(&token), "{what}");
        let csv = text
            .strip_prefix('\u{feff}')
            .unwrap_or_else(|| panic!("{what}: no byte order mark"));
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(header, expected, "{what}");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(rows.len(), 1, "{what}");
        let cell =
            |name: &str| rows[0][expected.iter().position(|h| *h == name).expect(name)].to_string();
        assert_eq!(cell("reach"), "scope=repo; env=prod", "{what}");
        assert_eq!(cell("last_rotated"), last_rotated, "{what}");
        assert_eq!(
            cell("vault_item"),
            "Engineering/GitHub deploy (credential)",
            "{what}"
        );
        assert_eq!(cell("owner"), "ops@example.org", "{what}");
        assert_eq!(cell("owner_source"), "vault", "{what}");
        assert_eq!(cell("status"), "stray-copy", "{what}");
        assert_eq!(cell("consumers"), "project app", "{what}");
        assert!(cell("locations").contains("app/.env:1 (dotenv)"), "{what}");
        assert!(cell("machines").contains("laptop-ada"), "{what}");
    }
    // Without --bom, no byte order mark; --bom with a format that is no CSV is refused.
    let plain = run(&[
        "scan",
        "app",
        "--vault",
        "vault.fp",
        "--format",
        "inventory",
        "-q",
    ]);
    let (plain, _) = expect_exit(&plain, 0, "stray scan --format inventory");
    assert!(plain.starts_with("provider,"), "{plain}");
    let refused = run(&["scan", "app", "--format", "json", "--bom"]);
    let (_, stderr) = expect_exit(&refused, 2, "stray scan --format json --bom");
    assert!(stderr.contains("--bom"), "{stderr}");
}

#[test]
fn merge_joins_laptops_by_fingerprint() {
    let setup = setup();
    for (machine, file) in [("laptop-ada", "ada.json"), ("laptop-bob", "bob.json")] {
        let output = stray()
            .current_dir(setup.tree.path())
            .env("STRAY_MACHINE", machine)
            .env("USER", machine.trim_start_matches("laptop-"))
            .args([
                "scan",
                "app",
                "--vault",
                "vault/export.env",
                "--format",
                "json",
                "-o",
                file,
            ])
            .output()
            .expect("stray runs");
        expect_exit(
            &output,
            0,
            "stray scan app --vault vault/export.env --format json -o <file>",
        );
    }
    let output = stray()
        .current_dir(setup.tree.path())
        .args(["merge", "ada.json", "bob.json"])
        .output()
        .expect("stray runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let merged: Value = serde_json::from_slice(&output.stdout).expect("merged JSON");
    let openai = merged["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "openai-project-key")
        .expect("openai finding");
    assert_eq!(
        openai["machines"],
        serde_json::json!(["ada@laptop-ada", "bob@laptop-bob"])
    );
    assert_eq!(openai["locations"].as_array().map(Vec::len), Some(2));
    assert_eq!(merged["findings"].as_array().map(Vec::len), Some(2));

    let output = stray()
        .current_dir(setup.tree.path())
        .args(["merge", "ada.json", "app/.env"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray merge ada.json app/.env");
    assert!(stderr.contains("app/.env"), "{stderr}");
}

/// 1Password end to end: a key stored in a document item (a `.env.production` inside the
/// 1PUX) is a stray copy of that item; keys of archived items (the CSV's `Archived` column, the
/// CLI's `state: "ARCHIVED"`) are rotated out; `op item get` output carries the age.
#[test]
fn onepassword_documents_archived_items_and_cli_output() {
    let tree = Tree::new();
    tree.write("app/.env", "GITLAB_TOKEN=glpat-KxisKsk3ujuxDSTw7VmO\n");
    tree.write(
        "app/.npmrc",
        "//registry.npmjs.org/:_authToken=npm_AWiGri7oqtXAecpcWeOyXaXG3vkfIBclFB4Y\n",
    );
    tree.write(
        "app/deploy.sh",
        "export GH_TOKEN=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\n\
         export RUNNER_TOKEN=glrt-vUmKuJQGyf9r6E8duUfL\n",
    );
    let fixture = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/vault/1password")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    let days_since = |at: &str| {
        let at: jiff::Timestamp = at.parse().expect("timestamp");
        (jiff::Timestamp::now().as_second() - at.as_second()).div_euclid(86_400)
    };
    let before = (
        days_since("2024-06-01T00:00:00Z"),
        days_since("2024-02-15T10:30:00Z"),
    );
    let mut command = stray();
    command
        .current_dir(tree.path())
        .args(["scan", "app", "--format", "json"]);
    for export in [
        "export.1pux",
        "export.csv",
        "op-item-get.json",
        "op-item-get-all.json",
    ] {
        command.args(["--vault", &fixture(export)]);
    }
    let output = command.output().expect("stray runs");
    let after = (
        days_since("2024-06-01T00:00:00Z"),
        days_since("2024-02-15T10:30:00Z"),
    );
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));

    let (status, verdict) = status_of(&json, "gitlab-pat");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["items"][0]["item"], "shop-api .env.production");
    assert_eq!(verdict["items"][0]["field"], ".env.production:GITLAB_TOKEN");
    assert_eq!(verdict["items"][0]["vault"], "Shared Infra");
    let age = verdict["age_days"].as_i64().expect("an age");
    assert!((before.0..=after.0).contains(&age), "{age}");

    let (status, verdict) = status_of(&json, "github-classic-pat");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["items"][0]["item"], "GitHub deploy token");
    assert_eq!(verdict["items"][0]["format"], "1password-cli");
    let age = verdict["age_days"].as_i64().expect("an age");
    assert!((before.1..=after.1).contains(&age), "{age}");
    assert_eq!(verdict["rotation_overdue"], true);

    let (status, verdict) = status_of(&json, "npm-access-token");
    assert_eq!(status, "rotated-out", "an archived CSV row is not live");
    assert_eq!(verdict["items"][0]["item"], "Old CI npm token");
    let (status, verdict) = status_of(&json, "gitlab-runner-token");
    assert_eq!(status, "rotated-out", "an archived CLI item is not live");
    assert_eq!(verdict["items"][0]["item"], "old GitLab runner");
    assert_eq!(json["summary"]["unvaulted"], 0);
    assert_eq!(output.status.code(), Some(0), "nothing unvaulted");
}

/// KeePassXC: an entry moved to the Recycle Bin is history, so its key on disk is rotated out;
/// the live entry's copy is a stray copy aged from `Last Modified`.
#[test]
fn keepassxc_recycle_bin_is_rotated_out() {
    let tree = Tree::new();
    tree.write(
        "app/.env",
        "GITLAB_TOKEN=glpat-KpLiveFake7Qx2Vw9Zr4\nRUNNER_TOKEN=glrt-KpBinnedRunnerFake6D\n",
    );
    let export = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vault/keepassxc/recycle-bin.csv");
    let days = |at: &str| {
        let at: jiff::Timestamp = at.parse().expect("timestamp");
        (jiff::Timestamp::now().as_second() - at.as_second()).div_euclid(86_400)
    };
    let before = days("2025-03-01T09:00:00Z");
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "app", "--format", "json", "--vault"])
        .arg(&export)
        .output()
        .expect("stray runs");
    let after = days("2025-03-01T09:00:00Z");
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let (status, verdict) = status_of(&json, "gitlab-pat");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["items"][0]["item"], "GitLab deploy");
    let age = verdict["age_days"].as_i64().expect("an age");
    assert!((before..=after).contains(&age), "{age}");
    let (status, verdict) = status_of(&json, "gitlab-runner-token");
    assert_eq!(status, "rotated-out", "a recycled entry is not live");
    assert_eq!(verdict["items"][0]["vault"], "Root/Recycle Bin");
    assert_eq!(json["summary"]["unvaulted"], 0);
}

/// AWS Secrets Manager: `get-secret-value` has no rotation date; given with `describe-secret`
/// and `list-secrets` output, the stray copy is aged from `LastRotatedDate` (else
/// `LastChangedDate`) and carries the secret's owner tag.
#[test]
fn aws_metadata_gives_the_age() {
    let tree = Tree::new();
    tree.write(
        "app/.env",
        "OPENAI_API_KEY=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\n",
    );
    let days = |at: &str| {
        let at: jiff::Timestamp = at.parse().expect("timestamp");
        (jiff::Timestamp::now().as_second() - at.as_second()).div_euclid(86_400)
    };
    let before = days("2024-09-01T08:00:00Z");
    let mut command = stray();
    command
        .current_dir(tree.path())
        .args(["scan", "app", "--format", "json"]);
    for export in [
        "get-secret-value.json",
        "describe-secret.json",
        "list-secrets.json",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/vault/aws")
            .join(export);
        command.arg("--vault").arg(path);
    }
    let output = command.output().expect("stray runs");
    let after = days("2024-09-01T08:00:00Z");
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let (status, verdict) = status_of(&json, "openai-project-key");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["items"][0]["item"], "prod/openai");
    let age = verdict["age_days"].as_i64().expect("an age");
    assert!((before..=after).contains(&age), "{age}");
    assert_eq!(verdict["rotation_overdue"], true);
}

/// HashiCorp Vault: a key in a nested object of `kv get` output is vaulted (field
/// `stripe.api.gitlab_token`), and `kv metadata get` of the same path gives its age.
#[test]
fn hashicorp_nested_values_and_metadata_age() {
    let tree = Tree::new();
    tree.write("app/.env", "GITLAB_TOKEN=glpat-HvNestedFake2Pw8Kd4Q\n");
    let days = |at: &str| {
        let at: jiff::Timestamp = at.parse().expect("timestamp");
        (jiff::Timestamp::now().as_second() - at.as_second()).div_euclid(86_400)
    };
    let before = days("2024-02-10T09:30:00Z");
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vault/hashicorp-metadata");
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "app", "--format", "json", "--vault"])
        .arg(dir.join("billing.json"))
        .arg("--vault")
        .arg(dir.join("billing.metadata.json"))
        .output()
        .expect("stray runs");
    let after = days("2024-02-10T09:30:00Z");
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let (status, verdict) = status_of(&json, "gitlab-pat");
    assert_eq!(status, "stray-copy");
    assert_eq!(verdict["items"][0]["item"], "billing");
    assert_eq!(verdict["items"][0]["field"], "stripe.api.gitlab_token");
    let age = verdict["age_days"].as_i64().expect("an age");
    assert!((before..=after).contains(&age), "{age}");
}
