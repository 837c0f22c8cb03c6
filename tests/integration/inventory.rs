//! The living inventory end to end: `stray scan --record` builds a history, `stray inventory`
//! reads it back (first/last seen, places now, gone), `metrics` computes the maturity numbers,
//! old databases are upgraded, a broken database never costs the report, and results from
//! several laptops import into one team database.

use std::path::{Path, PathBuf};

use crate::common::{Fake, Tree, VaultValue, expect_exit, fingerprint_file, stray};
use serde_json::Value;

/// One machine's scans of `work/` in a temporary tree, recorded into `inventory.db` beside it.
struct History {
    tree: Tree,
    db: PathBuf,
}

impl History {
    fn new() -> History {
        let tree = Tree::new();
        let db = tree.path().join("state").join("inventory.db");
        History { tree, db }
    }

    /// `stray scan work --format json --record DB` at `now` on `machine`; returns (exit, JSON,
    /// stderr).
    fn scan(&self, now: &str, machine: &str, extra: &[&str]) -> (i32, Value, String) {
        let output = stray()
            .current_dir(self.tree.path())
            .env("STRAY_NOW", now)
            .env("STRAY_MACHINE", machine)
            .env("USER", "ada")
            .args(["scan", "work", "--format", "json"])
            .arg(format!("--record={}", self.db.display()))
            .args(extra)
            .output()
            .expect("stray runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
        (output.status.code().unwrap_or(-1), json, stderr)
    }

    fn inventory(&self, now: &str, args: &[&str]) -> Value {
        inventory_json(&self.db, now, args)
    }
}

fn inventory_json(db: &Path, now: &str, args: &[&str]) -> Value {
    let output = stray()
        .env("STRAY_NOW", now)
        .arg("inventory")
        .args(args)
        .arg("--db")
        .arg(db)
        .args(["--format", "json"])
        .output()
        .expect("stray runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "stray inventory {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn credentials(list: &Value) -> &Vec<Value> {
    list["credentials"].as_array().expect("credentials array")
}

fn place_paths(credential: &Value) -> Vec<String> {
    let mut paths: Vec<String> = credential["places"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| p["path"].as_str().expect("path").replace('\\', "/"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn a_key_added_copied_then_removed_has_its_first_and_last_sighting_and_goes_gone() {
    let history = History::new();
    let key = Fake::new(701).github_pat();
    history
        .tree
        .write("work/a/.env", format!("GITHUB_TOKEN={key}\n"));

    // Scan 1: the key appears.
    let (code, report, _) = history.scan("2026-11-01T09:00:00Z", "ci-box", &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    let list = history.inventory("2026-11-02T00:00:00Z", &[]);
    let found = credentials(&list);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["first_seen"], "2026-11-01T09:00:00Z");
    assert_eq!(found[0]["last_seen"], "2026-11-01T09:00:00Z");
    assert_eq!(found[0]["places_now"], 1);
    assert_eq!(found[0]["status"], "not-reconciled");

    // Scan 2: copied to a second file.
    history.tree.write("work/b/.env", format!("TOKEN={key}\n"));
    let (code, _, _) = history.scan("2026-11-08T09:00:00Z", "ci-box", &[]);
    assert_eq!(code, 1);
    let list = history.inventory("2026-11-09T00:00:00Z", &[]);
    let found = credentials(&list);
    assert_eq!(found.len(), 1);
    let credential = &found[0];
    assert_eq!(credential["first_seen"], "2026-11-01T09:00:00Z");
    assert_eq!(credential["last_seen"], "2026-11-08T09:00:00Z");
    assert_eq!(credential["age_days"], 7);
    assert_eq!(credential["present"], true);
    assert_eq!(credential["places_now"], 2);
    assert_eq!(credential["machines"], serde_json::json!(["ci-box"]));
    assert_eq!(place_paths(credential), ["work/a/.env", "work/b/.env"]);
    assert_eq!(credential["places"][0]["machine"], "ci-box");
    assert_eq!(credential["places"][0]["kind"], "dotenv");
    assert_eq!(credential["places"][0]["line"], 1);
    assert_eq!(credential["places"][0]["context"], "GITHUB_TOKEN");
    assert_eq!(
        credential["redacted"],
        Value::String(stray::finding::redact(key.as_bytes()))
    );
    assert_eq!(
        credential["fingerprint"],
        Value::String(stray::finding::fingerprint(key.as_bytes()))
    );
    assert!(list["credentials"][0].get("gone_at").is_none());
    // --since keeps present credentials first seen since DATE.
    let since = |date: &str| {
        credentials(&history.inventory("2026-11-09T00:00:00Z", &["--since", date])).len()
    };
    assert_eq!(since("2026-11-01"), 1);
    assert_eq!(since("2026-11-02"), 0);
    assert!(
        history.inventory("2026-11-09T00:00:00Z", &["--gone"])["credentials"]
            .as_array()
            .expect("array")
            .is_empty(),
        "nothing is gone yet"
    );

    // Scan 3: removed from both files.
    std::fs::remove_file(history.tree.path().join("work/a/.env")).expect("remove");
    std::fs::remove_file(history.tree.path().join("work/b/.env")).expect("remove");
    let (code, report, _) = history.scan("2026-11-20T09:00:00Z", "ci-box", &[]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
    let now = "2026-11-21T00:00:00Z";
    assert!(credentials(&history.inventory(now, &[])).is_empty());
    let gone = history.inventory(now, &["--gone"]);
    let gone = credentials(&gone);
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["present"], false);
    assert_eq!(gone[0]["first_seen"], "2026-11-01T09:00:00Z");
    assert_eq!(gone[0]["last_seen"], "2026-11-08T09:00:00Z");
    assert_eq!(gone[0]["gone_at"], "2026-11-20T09:00:00Z");
    assert_eq!(gone[0]["days_to_gone"], 19);
    assert_eq!(gone[0]["places_now"], 0);
    // Where it was when last seen.
    assert_eq!(place_paths(&gone[0]), ["work/a/.env", "work/b/.env"]);

    // With --gone, --since keeps what was removed since DATE, whenever it was first seen.
    assert_eq!(
        credentials(&history.inventory(now, &["--gone", "--since", "2026-11-02"])).len(),
        1
    );
    assert_eq!(
        credentials(&history.inventory(now, &["--all", "--since", "2026-11-20"])).len(),
        1,
        "--all: new or removed since"
    );
    assert!(credentials(&history.inventory(now, &["--gone", "--since", "2026-11-21"])).is_empty());
    assert!(credentials(&history.inventory(now, &["--all", "--since", "2026-11-21"])).is_empty());

    // The table says the same in words.
    let table = stray()
        .env("STRAY_NOW", now)
        .args(["inventory", "--gone", "--db"])
        .arg(&history.db)
        .output()
        .expect("stray runs");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("first seen 2026-11-01, last seen 2026-11-08, gone by 2026-11-20"),
        "{table}"
    );
    assert!(
        table.contains("ci-box  work/a/.env:1:14  dotenv  GITHUB_TOKEN"),
        "{table}"
    );

    // The recorded scans carry machine, user, roots, version and rule count.
    let scans = inventory_json(&history.db, now, &["scans"]);
    let scans = scans.as_array().expect("scans");
    assert_eq!(scans.len(), 3);
    assert_eq!(scans[0]["machine"], "ci-box");
    assert_eq!(scans[0]["user"], "ada");
    assert_eq!(scans[0]["scanned_at"], "2026-11-01T09:00:00Z");
    assert_eq!(scans[0]["stray_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(scans[0]["source"], "scan");
    assert_eq!(scans[0]["credentials"], 1);
    assert_eq!(scans[2]["credentials"], 0);
    let root = scans[0]["roots"][0].as_str().expect("root");
    assert!(Path::new(root).is_absolute(), "{root}");
    assert!(root.ends_with("work"), "{root}");
    let builtin = stray::RuleSet::builtin().expect("rules").len();
    assert_eq!(scans[0]["rule_count"], builtin);
}

/// A fingerprint file saying `secret` was last set in the vault 200 days ago (overdue at 90).
fn aged_vault_file(tree: &Tree, secret: &str) -> PathBuf {
    let value = VaultValue {
        secret,
        item: "payments service",
        vault: Some("Engineering"),
        owner: None,
    };
    tree.write("vault/aged.fp", fingerprint_file(&[value], 200))
}

#[test]
fn metrics_on_a_recorded_history_match_hand_computed_values() {
    let history = History::new();
    let mut fake = Fake::new(702);
    let removed = fake.github_pat(); // A: unvaulted, removed in scan 3
    let vaulted = fake.openai_project_key(); // B: in the vault (stray copy), fresh
    let unvaulted = fake.npm_token(); // C: unvaulted, stays
    let overdue = fake.openai_project_key(); // D: in the vault, 200 days old: overdue
    let tree = &history.tree;
    tree.write("vault/export.env", format!("OPENAI_API_KEY={vaulted}\n"));
    let aged = aged_vault_file(tree, &overdue);
    let aged = aged.to_str().expect("utf-8 path");
    let vault_args = ["--vault", "vault/export.env", "--vault", aged];

    tree.write("work/a/.env", format!("GITHUB_TOKEN={removed}\n"));
    tree.write("work/app/.env", format!("OPENAI_API_KEY={vaulted}\n"));
    tree.write(
        "work/app/.env.tpl",
        "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
    );
    tree.write(
        "work/home/.npmrc",
        format!("//registry.npmjs.org/:_authToken={unvaulted}\n"),
    );
    let (code, report, stderr) = history.scan("2026-11-01T09:00:00Z", "ci-box", &vault_args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(3));

    tree.write("work/b/.env", format!("GITHUB_TOKEN={removed}\n"));
    tree.write("work/svc/.env", format!("OPENAI_API_KEY={overdue}\n"));
    history.scan("2026-11-08T09:00:00Z", "ci-box", &vault_args);

    std::fs::remove_file(tree.path().join("work/a/.env")).expect("remove");
    std::fs::remove_file(tree.path().join("work/b/.env")).expect("remove");
    history.scan("2026-11-20T09:00:00Z", "ci-box", &vault_args);

    let metrics = history.inventory("2026-11-21T00:00:00Z", &["metrics"]);
    // Present after scan 3: B, C, D. Gone: A.
    assert_eq!(metrics["scans"], 3);
    assert_eq!(metrics["machines"], 1);
    assert_eq!(metrics["credentials_present"], 3);
    assert_eq!(metrics["credentials_gone"], 1);
    // B and D are known to the vault: 2 of 3.
    assert_eq!(metrics["vaulted_present"], 2);
    let share = metrics["vault_share"].as_f64().expect("vault share");
    assert!((share - 2.0 / 3.0).abs() < 1e-12, "{share}");
    // 3 plaintext places (app/.env, home/.npmrc, svc/.env) and 1 reference: 1 of 4.
    assert_eq!(metrics["places_now"], 3);
    assert_eq!(metrics["references_now"], 1);
    assert_eq!(metrics["reference_share"], 0.25);
    // Of the vaulted B and D, D is overdue: 1 of 2 within the SLA.
    assert_eq!(metrics["overdue_present"], 1);
    assert_eq!(metrics["rotation_sla_share"], 0.5);
    // Unvaulted at the end of each scan day: A and C, A and C, then only C.
    assert_eq!(
        metrics["unvaulted_over_time"],
        serde_json::json!([
            { "date": "2026-11-01", "unvaulted": 2, "present": 3 },
            { "date": "2026-11-08", "unvaulted": 2, "present": 4 },
            { "date": "2026-11-20", "unvaulted": 1, "present": 3 },
        ])
    );
    // A went gone on 2026-11-20, 19 days after it was first seen.
    assert_eq!(metrics["period"], "month");
    assert_eq!(
        metrics["removed_per_period"],
        serde_json::json!([{ "period": "2026-11", "removed": 1 }])
    );
    assert_eq!(metrics["median_days_to_gone"], 19.0);

    let weekly = history.inventory("2026-11-21T00:00:00Z", &["metrics", "--period", "week"]);
    assert_eq!(
        weekly["removed_per_period"],
        serde_json::json!([
            { "period": "2026-W44", "removed": 0 },
            { "period": "2026-W45", "removed": 0 },
            { "period": "2026-W46", "removed": 0 },
            { "period": "2026-W47", "removed": 1 },
        ])
    );

    // The present list carries each credential's latest vault status.
    let list = history.inventory("2026-11-21T00:00:00Z", &[]);
    let status_of = |secret: &str| {
        let fingerprint = stray::finding::fingerprint(secret.as_bytes());
        credentials(&list)
            .iter()
            .find(|c| c["fingerprint"] == fingerprint.as_str())
            .map(|c| (c["status"].clone(), c["rotation_overdue"].clone()))
            .expect("credential listed")
    };
    assert_eq!(status_of(&vaulted), ("stray-copy".into(), false.into()));
    assert_eq!(status_of(&overdue), ("stray-copy".into(), true.into()));
    assert_eq!(status_of(&unvaulted), ("unvaulted".into(), false.into()));

    // Table and CSV carry the same numbers.
    let table = stray()
        .env("STRAY_NOW", "2026-11-21T00:00:00Z")
        .args(["inventory", "metrics", "--db"])
        .arg(&history.db)
        .output()
        .expect("stray runs");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("in the vault                67% (2 of 3)"),
        "{table}"
    );
    assert!(
        table.contains("within rotation SLA         50% (1 of 2 vaulted)"),
        "{table}"
    );
    let csv = stray()
        .env("STRAY_NOW", "2026-11-21T00:00:00Z")
        .args(["inventory", "metrics", "--format", "csv", "--db"])
        .arg(&history.db)
        .output()
        .expect("stray runs");
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.contains("reference_share,,0.25\n"), "{csv}");
    assert!(csv.contains("unvaulted,2026-11-20,1\n"), "{csv}");
    assert!(csv.contains("removed_per_month,2026-11,1\n"), "{csv}");
}

fn schema_of(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .expect("prepare");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn user_version(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .expect("open")
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version")
}

#[test]
fn a_version_1_database_is_upgraded_in_place_and_keeps_its_rows() {
    let tree = Tree::new();
    let old = tree.path().join("v1.db");
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/schema-v1.sql"),
    )
    .expect("fixture");
    {
        let conn = rusqlite::Connection::open(&old).expect("create v1 database");
        conn.execute_batch(&fixture).expect("v1 schema and rows");
        conn.pragma_update(None, "user_version", 1)
            .expect("version 1");
    }
    assert_eq!(user_version(&old), 1);

    // Reading it upgrades it.
    let list = inventory_json(&old, "2026-11-28T00:00:00Z", &["--all"]);
    assert_eq!(user_version(&old), stray::inventory::SCHEMA_VERSION);
    assert_eq!(stray::inventory::SCHEMA_VERSION, 7);
    let found = credentials(&list);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["provider"], "github");
    assert_eq!(found[0]["first_seen"], "2026-10-01T08:30:00Z");
    assert_eq!(found[0]["age_days"], 57);
    assert_eq!(found[0]["status"], "unvaulted");
    assert_eq!(place_paths(&found[0]), ["/home/ada/.zshrc"]);

    // The upgraded schema is exactly what a new database gets.
    let fresh = tree.path().join("fresh.db");
    let mut cmd = stray();
    tree.write("work/empty.txt", "nothing here\n");
    cmd.current_dir(tree.path())
        .args(["scan", "work", "--quiet"])
        .arg(format!("--record={}", fresh.display()))
        .assert()
        .success();
    assert_eq!(schema_of(&old), schema_of(&fresh));
    assert!(
        schema_of(&old)
            .iter()
            .any(|(name, sql)| name == "scans" && sql.contains("reference_count")),
        "migration 2 adds scans.reference_count"
    );
    assert!(
        schema_of(&old)
            .iter()
            .any(|(name, _)| name == "places_by_scan"),
        "migration 2 adds the places index"
    );

    // The upgraded database records new scans beside the old rows; the old scan has no
    // reference count (recorded before schema 2).
    stray()
        .current_dir(tree.path())
        .env("STRAY_MACHINE", "laptop-new")
        .args(["scan", "work", "--quiet"])
        .arg(format!("--record={}", old.display()))
        .assert()
        .success();
    let scans = inventory_json(&old, "2026-11-28T00:00:00Z", &["scans"]);
    let scans = scans.as_array().expect("scans");
    assert_eq!(scans.len(), 2);
    assert!(scans[0].get("reference_count").is_none());
    assert_eq!(scans[1]["reference_count"], 0);
    // Only the new scan knows its rule-pack version (schema 5).
    assert!(scans[0].get("rule_pack").is_none());
    let builtin = stray::RuleSet::builtin().expect("rules");
    assert_eq!(
        scans[1]["rule_pack"],
        stray::detect::rules::pack_version(builtin.rules())
    );
}

#[test]
fn a_corrupt_database_fails_with_its_name_after_the_report_is_written() {
    let tree = Tree::new();
    let key = Fake::new(703).npm_token();
    tree.write(
        "work/.npmrc",
        format!("//registry.npmjs.org/:_authToken={key}\n"),
    );
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let bad = tree.write("bad.db", &garbage);

    // To standard output.
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "work", "--format", "json", "--record=bad.db"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan work --format json --record=bad.db");
    assert!(stderr.contains("bad.db"), "{stderr}");
    assert!(stderr.contains("not an SQLite database"), "{stderr}");
    assert!(stderr.contains("the report was written"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("the JSON report came out");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));

    // To a file.
    let output = stray()
        .current_dir(tree.path())
        .args([
            "scan",
            "work",
            "--format",
            "json",
            "-o",
            "out.json",
            "--record=bad.db",
        ])
        .output()
        .expect("stray runs");
    expect_exit(
        &output,
        2,
        "stray scan work --format json -o out.json --record=bad.db",
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("out.json")).expect("report"))
            .expect("JSON");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    // The broken file is left as it was.
    assert_eq!(std::fs::read(&bad).expect("bad.db"), garbage);

    // Reading it fails the same way; a missing database says how to make one.
    let output = stray()
        .args(["inventory", "--db"])
        .arg(&bad)
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray inventory --db <bad>");
    assert!(stderr.contains("bad.db"), "{stderr}");
    let output = stray()
        .args(["inventory", "--db"])
        .arg(tree.path().join("missing.db"))
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray inventory --db <missing.db>");
    assert!(
        stderr.contains("missing.db") && stderr.contains("--record"),
        "{stderr}"
    );
    assert!(!tree.path().join("missing.db").exists());
}

#[test]
fn results_from_two_laptops_import_as_one_credential_on_two_machines() {
    let tree = Tree::new();
    let mut fake = Fake::new(704);
    let shared = fake.openai_project_key();
    let only_bob = fake.github_pat();
    tree.write("ada/code/.env", format!("OPENAI_API_KEY={shared}\n"));
    tree.write("bob/.zshrc", format!("export OPENAI_API_KEY={shared}\n"));
    tree.write("bob/.bashrc", format!("export GITHUB_TOKEN={only_bob}\n"));
    for (who, machine) in [("ada", "laptop-ada"), ("bob", "laptop-bob")] {
        stray()
            .current_dir(tree.path())
            .env("STRAY_MACHINE", machine)
            .env("USER", who)
            .env_remove("STRAY_NOW")
            .args([
                "scan",
                who,
                "--format",
                "json",
                "-o",
                &format!("{who}.json"),
            ])
            .assert()
            .code(1);
    }
    let team = tree.path().join("team").join("inventory.db");
    let output = stray()
        .current_dir(tree.path())
        .args(["inventory", "import", "ada.json", "bob.json", "--db"])
        .arg(&team)
        .output()
        .expect("stray runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let list = inventory_json(&team, "2030-01-01T00:00:00Z", &[]);
    let found = credentials(&list);
    assert_eq!(found.len(), 2);
    let openai = found
        .iter()
        .find(|c| c["provider"] == "openai")
        .expect("openai key");
    assert_eq!(
        openai["machines"],
        serde_json::json!(["laptop-ada", "laptop-bob"])
    );
    assert_eq!(openai["places_now"], 2);
    assert_eq!(place_paths(openai), ["ada/code/.env", "bob/.zshrc"]);
    let users: Vec<&str> = openai["places"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| p["user"].as_str().expect("user"))
        .collect();
    assert_eq!(users, ["ada", "bob"]);
    let github = found
        .iter()
        .find(|c| c["provider"] == "github")
        .expect("github token");
    assert_eq!(github["machines"], serde_json::json!(["laptop-bob"]));

    // Each result is a scan with its own machine, user, time and roots.
    let scans = inventory_json(&team, "2030-01-01T00:00:00Z", &["scans"]);
    let scans = scans.as_array().expect("scans");
    assert_eq!(scans.len(), 2);
    let ada: Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("ada.json")).expect("ada.json"))
            .expect("json");
    let ada_scan = scans
        .iter()
        .find(|s| s["machine"] == "laptop-ada")
        .expect("ada's scan");
    assert_eq!(ada_scan["user"], "ada");
    assert_eq!(ada_scan["source"], "import: ada.json");
    // The result names its rule pack, and the import keeps it.
    assert!(
        ada["scan"]["rule_pack"]
            .as_str()
            .is_some_and(|pack| pack.contains(" rules, sha256:")),
        "{ada}"
    );
    assert_eq!(ada_scan["rule_pack"], ada["scan"]["rule_pack"]);
    let root = ada_scan["roots"][0].as_str().expect("roots");
    assert!(
        Path::new(root).is_absolute() && root.ends_with("ada"),
        "{root}"
    );
    assert_eq!(ada_scan["roots"], ada["scan"]["roots"]);
    let recorded: jiff::Timestamp = ada_scan["scanned_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("timestamp");
    let scanned: jiff::Timestamp = ada["scan"]["scanned_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("timestamp");
    assert_eq!(recorded.as_second(), scanned.as_second());

    // Importing the same result again is skipped; a merged team view is refused.
    let output = stray()
        .current_dir(tree.path())
        .args(["inventory", "import", "ada.json", "--db"])
        .arg(&team)
        .output()
        .expect("stray runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("skipped ada.json"));
    assert_eq!(
        inventory_json(&team, "2030-01-01T00:00:00Z", &["scans"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    stray()
        .current_dir(tree.path())
        .args(["merge", "ada.json", "bob.json", "-o", "merged.json"])
        .assert()
        .success();
    let output = stray()
        .current_dir(tree.path())
        .args(["inventory", "import", "merged.json", "--db"])
        .arg(&team)
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray inventory import merged.json --db <team>");
    assert!(
        stderr.contains("merged.json") && stderr.contains("merged team view"),
        "{stderr}"
    );
}

#[test]
fn the_default_database_comes_from_the_environment_or_home() {
    let tree = Tree::new();
    tree.write(
        "work/.env",
        format!("GITHUB_TOKEN={}\n", Fake::new(705).github_pat()),
    );
    let chosen = tree.path().join("deep").join("dir").join("team.db");
    stray()
        .current_dir(tree.path())
        .env("STRAY_INVENTORY_DB", &chosen)
        .args(["scan", "work", "--quiet", "--record"])
        .assert()
        .code(1);
    assert!(chosen.is_file(), "parent directories are created");
    let listed = stray()
        .env("STRAY_INVENTORY_DB", &chosen)
        .args(["inventory", "--format", "json"])
        .output()
        .expect("stray runs");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(credentials(&listed).len(), 1);

    let home = tree.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    stray()
        .current_dir(tree.path())
        .env_remove("STRAY_INVENTORY_DB")
        .env("HOME", &home)
        .args(["scan", "work", "--quiet", "--record"])
        .assert()
        .code(1);
    assert!(home.join(".local/share/stray/inventory.db").is_file());

    // History scans are not the state of a machine: --record refuses them.
    stray()
        .current_dir(tree.path())
        .args(["scan", "--staged", "--record=x.db"])
        .assert()
        .code(2);
}

#[test]
fn a_directory_as_the_record_database_is_refused_and_a_bare_record_scans_the_next_word() {
    let tree = Tree::new();
    let key = Fake::new(705).npm_token();
    tree.write(
        "work/.npmrc",
        format!("//registry.npmjs.org/:_authToken={key}\n"),
    );
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "--record=work"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan --record=work");
    assert!(stderr.contains("--record=work is a directory"), "{stderr}");
    assert!(stderr.contains("--record=work/inventory.db"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing was scanned");

    // A word after a bare --record is a path to scan: the scan goes to the default database.
    let home = Tree::new();
    let output = stray()
        .current_dir(tree.path())
        .env("HOME", home.path())
        .args(["scan", "--record", "work", "-q"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 1, "stray scan --record work -q");
    assert!(
        home.path()
            .join(".local/share/stray/inventory.db")
            .is_file()
    );
}

#[test]
fn an_old_result_without_tiers_is_imported_without_guessing_one() {
    let tree = Tree::new();
    let key = Fake::new(706).npm_token();
    tree.write(
        "ada/.npmrc",
        format!("//registry.npmjs.org/:_authToken={key}\n"),
    );
    stray()
        .current_dir(tree.path())
        .args(["scan", "ada", "--format", "json", "-o", "ada.json"])
        .assert()
        .code(1);
    // As an older stray wrote it: no criticality on the findings.
    let mut result: Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("ada.json")).expect("result"))
            .expect("JSON");
    for finding in result["findings"].as_array_mut().expect("findings") {
        finding
            .as_object_mut()
            .expect("finding")
            .remove("criticality");
    }
    tree.write("old.json", result.to_string());
    let team = tree.path().join("team.db");
    stray()
        .current_dir(tree.path())
        .args(["inventory", "import", "old.json", "--db"])
        .arg(&team)
        .assert()
        .success();
    let list = inventory_json(&team, "2030-01-01T00:00:00Z", &[]);
    let found = credentials(&list);
    assert_eq!(found.len(), 1);
    assert!(found[0].get("criticality").is_none(), "{}", found[0]);
}

#[test]
fn a_home_scan_without_a_user_name_names_no_owner_and_counts_none() {
    let home = Tree::new();
    let db = home.path().join("state").join("inventory.db");
    let mut fake = Fake::new(1010);
    home.write(".env", format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    let run = |user: Option<&str>| {
        let mut command = stray();
        command
            .env("HOME", home.path())
            .env("STRAY_NOW", "2026-11-01T09:00:00Z")
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("LOGNAME");
        if let Some(user) = user {
            command.env("USER", user);
        }
        let output = command
            .args(["scan", "--home", "--format", "json"])
            .arg(format!("--record={}", db.display()))
            .output()
            .expect("stray runs");
        let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        json
    };

    let report = run(None);
    let finding = &report["findings"][0];
    assert!(finding.is_object(), "{report}");
    assert!(finding["owner"].is_null(), "{finding}");
    let metrics = inventory_json(&db, "2026-11-02T00:00:00Z", &["metrics"]);
    assert_eq!(metrics["credentials_present"], 1, "{metrics}");
    assert_eq!(metrics["owned_present"], 0, "{metrics}");
    assert_eq!(metrics["owner_share"], 0.0, "{metrics}");

    // The control: with a user name, the machine user is the owner.
    let report = run(Some("ada"));
    assert_eq!(report["findings"][0]["owner"]["name"], "ada", "{report}");
}
