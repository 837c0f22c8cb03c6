//! Revocation from the living inventory: `stray inventory revoke` records when a credential was
//! revoked, a later clean scan makes it gone and sets the time to revoke, and `stray runbook
//! --db` / `--leaver` write the runbook from the recorded scans instead of scanning.

use std::path::PathBuf;

use crate::common::{Fake, Tree, expect_code, outcome, stray};
use serde_json::Value;

/// A temporary tree with an inventory database beside it.
struct Team {
    tree: Tree,
    db: PathBuf,
}

impl Team {
    fn new() -> Team {
        let tree = Tree::new();
        let db = tree.path().join("state").join("inventory.db");
        Team { tree, db }
    }

    /// Runs stray in the tree with a fixed clock; returns (exit, stdout, stderr).
    fn run(&self, now: &str, machine: &str, user: &str, args: &[&str]) -> (i32, String, String) {
        outcome(
            stray()
                .current_dir(self.tree.path())
                .env_remove("STRAY_INVENTORY_DB")
                .env("STRAY_NOW", now)
                .env("STRAY_MACHINE", machine)
                .env("USER", user)
                .args(args)
                .output()
                .expect("stray runs"),
        )
    }

    /// `stray scan DIR --record DB` as `user` on `machine` at `now`; returns the exit code.
    fn scan(&self, now: &str, machine: &str, user: &str, dir: &str, extra: &[&str]) -> i32 {
        let db = self.db();
        let record = format!("--record={db}");
        let mut args = vec!["scan", dir, "--format", "json", "-q", &record];
        args.extend_from_slice(extra);
        let (code, _, stderr) = self.run(now, machine, user, &args);
        assert!(code == 0 || code == 1, "scan failed: {stderr}");
        code
    }

    fn db(&self) -> String {
        self.db.display().to_string()
    }

    fn metrics(&self, now: &str) -> Value {
        let db = self.db();
        let (stdout, _) = expect_code(
            self.run(
                now,
                "auditor",
                "auditor",
                &["inventory", "metrics", "--db", &db, "--format", "json"],
            ),
            0,
            "stray inventory metrics --db <db> --format json",
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    /// `column` of the first credential in `stray inventory --format csv`.
    fn first_csv_cell(&self, now: &str, column: &str) -> String {
        let db = self.db();
        let (csv, _) = expect_code(
            self.run(
                now,
                "auditor",
                "auditor",
                &["inventory", "--db", &db, "--format", "csv"],
            ),
            0,
            "stray inventory --db <db> --format csv",
        );
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let at = header
            .iter()
            .position(|h| *h == column)
            .unwrap_or_else(|| panic!("no {column} column in {csv}"));
        row[at].to_string()
    }

    fn runbook(&self, now: &str, extra: &[&str]) -> String {
        let db = self.db();
        let mut args = vec!["runbook", "--db", db.as_str()];
        args.extend_from_slice(extra);
        let (stdout, _) = expect_code(
            self.run(now, "auditor", "auditor", &args),
            0,
            &format!("stray {args:?}"),
        );
        stdout
    }
}

fn fingerprint(secret: &str) -> String {
    stray::finding::fingerprint(secret.as_bytes())
}

fn write_mcp(tree: &Tree, relative: &str, key: &str) {
    tree.write(
        relative,
        format!(
            "{{\"mcpServers\": {{\"openai\": {{\"env\": {{\"OPENAI_API_KEY\": \"{key}\"}}}}}}}}\n"
        ),
    );
}

#[test]
fn a_revoked_key_gone_from_a_later_scan_has_its_time_to_revoke() {
    let team = Team::new();
    let key = Fake::new(901).github_pat();
    team.tree
        .write("work/a/.env", format!("GITHUB_TOKEN={key}\n"));
    assert_eq!(
        team.scan("2026-11-01T09:00:00Z", "ci-box", "ada", "work", &[]),
        1
    );

    let db = team.db();
    let prefix = &fingerprint(&key)[..12];
    let (_, stderr) = expect_code(
        team.run(
            "2026-11-01T10:05:00Z",
            "ci-box",
            "ada",
            &[
                "inventory",
                "revoke",
                prefix,
                "--at",
                "2026-11-01T10:00:00Z",
                "--db",
                &db,
            ],
        ),
        0,
        "stray inventory revoke <prefix> --at 2026-11-01T10:00:00Z --db <db>",
    );
    assert!(stderr.contains(prefix), "{stderr}");

    // The spreadsheet view says when it was revoked.
    assert_eq!(
        team.first_csv_cell("2026-11-01T10:30:00Z", "revoked_at"),
        "2026-11-01T10:00:00Z"
    );

    // Revoked, but a scan still finds it: pending.
    let metrics = team.metrics("2026-11-01T11:00:00Z");
    assert_eq!(metrics["revocations_pending"], 1, "{metrics}");
    assert_eq!(metrics["mean_hours_to_revoke"], Value::Null);
    assert_eq!(metrics["owner_share"], 0.0, "no owner was named");

    // The clean scan: gone at 13:00, revoked at 10:00 → 3 hours.
    team.tree.write("work/a/.env", "GITHUB_TOKEN=\n");
    assert_eq!(
        team.scan("2026-11-01T13:00:00Z", "ci-box", "ada", "work", &[]),
        0
    );
    let metrics = team.metrics("2026-11-02T00:00:00Z");
    assert_eq!(metrics["mean_hours_to_revoke"], 3.0, "{metrics}");
    assert_eq!(metrics["revoked_gone"], 1);
    assert_eq!(metrics["revocations_pending"], 0);
    assert_eq!(metrics["owner_share"], Value::Null, "nothing present");
    assert_eq!(
        metrics["orphans_removed_per_period"],
        serde_json::json!([{"period": "2026-11", "removed": 1}])
    );

    let (stdout, _) = expect_code(
        team.run(
            "2026-11-02T00:00:00Z",
            "auditor",
            "auditor",
            &["inventory", "metrics", "--db", &db],
        ),
        0,
        "stray inventory metrics --db <db>",
    );
    assert!(
        stdout.contains("mean hours to revoke        3.0"),
        "{stdout}"
    );
}

#[test]
fn revoking_an_unknown_or_ambiguous_prefix_fails() {
    let team = Team::new();
    let key = Fake::new(902).github_pat();
    team.tree.write("work/.env", format!("TOKEN={key}\n"));
    team.scan("2026-11-01T09:00:00Z", "ci-box", "ada", "work", &[]);
    let db = team.db();
    let (code, _, stderr) = team.run(
        "2026-11-01T10:00:00Z",
        "ci-box",
        "ada",
        &["inventory", "revoke", "000000000000", "--db", &db],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("no recorded credential"), "{stderr}");
    let (code, _, stderr) = team.run(
        "2026-11-01T10:00:00Z",
        "ci-box",
        "ada",
        &["inventory", "revoke", "abc", "--db", &db],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("at least 6 hex"), "{stderr}");
}

#[test]
fn the_runbook_from_the_inventory_lists_places_by_machine_and_the_revoke_page() {
    let team = Team::new();
    let key = Fake::new(903).openai_project_key();
    write_mcp(&team.tree, "work/.cursor/mcp.json", &key);
    team.tree
        .write("work/app/.env", format!("OPENAI_API_KEY={key}\n"));
    team.scan("2026-11-01T09:00:00Z", "laptop-ada", "ada", "work", &[]);

    let runbook = team.runbook("2026-11-01T12:00:00Z", &[]);
    assert!(!runbook.contains(&key), "no full secret in the runbook");
    for expected in [
        "# Revocation runbook",
        "ada@laptop-ada: work/.cursor/mcp.json:1",
        "ada@laptop-ada: work/app/.env:1",
        "Cursor (MCP server openai)",
        "https://platform.openai.com/api-keys",
        &fingerprint(&key),
        "1 credential found by stray in the latest recorded scan",
    ] {
        assert!(
            runbook.contains(expected),
            "runbook lacks {expected:?}:\n{runbook}"
        );
    }

    // Once a later scan no longer finds it, it leaves the runbook.
    std::fs::remove_file(team.tree.path().join("work/.cursor/mcp.json")).expect("remove");
    std::fs::remove_file(team.tree.path().join("work/app/.env")).expect("remove");
    team.scan("2026-11-02T09:00:00Z", "laptop-ada", "ada", "work", &[]);
    let runbook = team.runbook("2026-11-02T12:00:00Z", &[]);
    assert!(runbook.contains("0 credentials found"), "{runbook}");
}

#[test]
fn a_leavers_runbook_selects_their_credentials_and_not_their_colleagues() {
    let team = Team::new();
    let ada_key = Fake::new(904).openai_project_key();
    let bob_key = Fake::new(905).github_pat();
    let owned_key = Fake::new(906).npm_token();
    write_mcp(&team.tree, "ada/.cursor/mcp.json", &ada_key);
    team.tree
        .write("bob/app/.env", format!("GITHUB_TOKEN={bob_key}\n"));
    // On bob's machine, but the team map names Ada as its owner.
    team.tree.write(
        "bob/ada-project/.npmrc",
        format!("//registry.npmjs.org/:_authToken={owned_key}\n"),
    );
    team.tree.write(
        "owners.toml",
        "[owners]\n\"path:**/ada-project/**\" = \"Ada\"\n",
    );
    team.scan("2026-11-01T09:00:00Z", "laptop-ada", "ada", "ada", &[]);
    team.scan(
        "2026-11-01T09:30:00Z",
        "laptop-bob",
        "bob",
        "bob",
        &["--config", "owners.toml"],
    );

    let runbook = team.runbook("2026-11-01T12:00:00Z", &["--leaver", "ada"]);
    assert!(runbook.contains("leaver: ada"), "{runbook}");
    assert!(runbook.contains("within 4 hours"), "{runbook}");
    assert!(runbook.contains(&fingerprint(&ada_key)), "{runbook}");
    assert!(
        runbook.contains(&fingerprint(&owned_key)),
        "owned by Ada through the team map:\n{runbook}"
    );
    assert!(
        runbook.contains("bob@laptop-bob: bob/ada-project/.npmrc:1"),
        "{runbook}"
    );
    assert!(
        !runbook.contains(&fingerprint(&bob_key)),
        "bob's own credential is not on ada's runbook:\n{runbook}"
    );
    for key in [&ada_key, &bob_key, &owned_key] {
        assert!(!runbook.contains(key.as_str()), "no full secret");
    }

    let runbook = team.runbook("2026-11-01T12:00:00Z", &["--leaver", "BOB"]);
    assert!(runbook.contains(&fingerprint(&bob_key)), "{runbook}");
    assert!(!runbook.contains(&fingerprint(&ada_key)), "{runbook}");

    // Owners are recorded: one of the three present credentials has a named owner.
    let metrics = team.metrics("2026-11-01T12:00:00Z");
    assert_eq!(metrics["owned_present"], 1, "{metrics}");
}

#[test]
fn an_inventory_runbook_takes_no_paths() {
    let team = Team::new();
    let db = team.db();
    let (code, _, stderr) = team.run(
        "2026-11-01T12:00:00Z",
        "auditor",
        "auditor",
        &["runbook", "work", "--db", &db],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("instead of scanning"), "{stderr}");
}

#[test]
fn a_version_1_database_upgrades_to_the_current_schema_and_gives_a_leavers_runbook() {
    let team = Team::new();
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/schema-v1.sql"),
    )
    .expect("fixture");
    std::fs::create_dir_all(team.db.parent().expect("parent")).expect("state dir");
    {
        let conn = rusqlite::Connection::open(&team.db).expect("create v1 database");
        conn.execute_batch(&fixture).expect("v1 schema and rows");
        conn.pragma_update(None, "user_version", 1)
            .expect("version 1");
    }

    // Scan user ada on laptop-old; no owner was recorded before schema 3.
    let runbook = team.runbook("2026-11-28T00:00:00Z", &["--leaver", "Ada"]);
    assert_eq!(stray::inventory::SCHEMA_VERSION, 7);
    let version: i64 = rusqlite::Connection::open(&team.db)
        .expect("open")
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version");
    assert_eq!(version, stray::inventory::SCHEMA_VERSION);
    for expected in [
        "leaver: Ada",
        "ada@laptop-old: /home/ada/.zshrc:3",
        "ghp_…Q1x9",
        "**unowned**",
        "https://github.com/settings/tokens",
        "5f0c1e9d2b7a",
    ] {
        assert!(
            runbook.contains(expected),
            "runbook lacks {expected:?}:\n{runbook}"
        );
    }
    assert!(
        !team
            .runbook("2026-11-28T00:00:00Z", &["--leaver", "bob"])
            .contains("5f0c1e9d2b7a")
    );

    let db = team.db();
    expect_code(
        team.run(
            "2026-11-28T00:00:00Z",
            "auditor",
            "auditor",
            &["inventory", "revoke", "5f0c1e9d2b7a", "--db", &db],
        ),
        0,
        "stray inventory revoke 5f0c1e9d2b7a --db <db>",
    );
    let metrics = team.metrics("2026-11-28T00:00:00Z");
    assert_eq!(metrics["revocations_pending"], 1, "{metrics}");
}

#[test]
fn a_runbook_from_the_database_keeps_the_team_tier_and_team_revoke_page() {
    let team = Team::new();
    team.tree.write(
        "rules/acme.toml",
        r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme internal key"
keywords = ["acme_live_"]
regex = '(?P<secret>acme_live_[0-9a-f]{16})'
revoke_url = "https://admin.acme.example/keys"
examples = [{ input = "k=acme_live_9f3a61c2d4e8b705", secret = "acme_live_9f3a61c2d4e8b705" }]
negatives = ["acme_live_short"]
"#,
    );
    team.tree.write(
        ".stray.toml",
        "[scan]\nrules = [\"rules\"]\n\n[criticality]\n\"provider:acme\" = \"low\"\n",
    );
    team.tree
        .write("work/.env", "ACME=acme_live_4c9e17b3a05d82f6\n");
    assert_eq!(
        team.scan("2026-11-01T09:00:00Z", "laptop", "ada", "work", &[]),
        1
    );

    // The auditor's runbook reads only the database: no team pack, no team config.
    let auditor = Tree::new();
    let db = team.db();
    let output = stray()
        .current_dir(auditor.path())
        .env_remove("STRAY_INVENTORY_DB")
        .env("STRAY_NOW", "2026-11-02T09:00:00Z")
        .args(["runbook", "--db", &db])
        .output()
        .expect("stray runs");
    let runbook = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{runbook}");
    assert!(
        runbook.contains("| Criticality | low (rotate every 365 days) |"),
        "{runbook}"
    );
    assert!(
        runbook.contains("<https://admin.acme.example/keys>"),
        "{runbook}"
    );

    // The inventory lists carry the recorded tier too.
    assert_eq!(
        team.first_csv_cell("2026-11-02T09:00:00Z", "criticality"),
        "low"
    );
}
