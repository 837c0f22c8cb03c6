//! One credential per agent, owners, criticality tiers and the revocation runbook.

use crate::common::{Fake, Tree, VaultValue, expect_code, fingerprint_file, run_in as run};
use serde_json::Value;

fn json(tree: &Tree, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(tree, &all);
    (
        code,
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}")),
    )
}

/// One OpenAI key in Cursor's and Claude Code's MCP configs and in a GitHub workflow.
fn shared_key_tree() -> (Tree, String) {
    let tree = Tree::new();
    let key = Fake::new(71).openai_project_key();
    tree.write(
        "home/.cursor/mcp.json",
        format!(
            "{{\"mcpServers\": {{\"openai\": {{\"env\": {{\"OPENAI_API_KEY\": \"{key}\"}}}}}}}}\n"
        ),
    );
    tree.write(
        "home/.claude.json",
        format!(
            "{{\"mcpServers\": {{\"docs\": {{\"env\": {{\"OPENAI_API_KEY\": \"{key}\"}}}}}}}}\n"
        ),
    );
    tree.write(
        "repo/.github/workflows/nightly.yml",
        format!("on: push\njobs:\n  eval:\n    runs-on: ubuntu-latest\n    env:\n      OPENAI_API_KEY: {key}\n"),
    );
    (tree, key)
}

#[test]
fn one_key_read_by_three_tools_is_shared() {
    let (tree, _) = shared_key_tree();
    let (code, report) = json(&tree, &["--fail-on", "unvaulted"]);
    assert_eq!(code, 1);
    let finding = &report["findings"][0];
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(finding["shared"], true);
    assert_eq!(
        finding["consumers"],
        serde_json::json!([
            "Claude Code (MCP server docs)",
            "Cursor (MCP server openai)",
            "GitHub Actions workflow nightly.yml"
        ])
    );
    let (code, _) = json(&tree, &["--fail-on", "shared"]);
    assert_eq!(code, 1);
    // The same key in one tool only is not shared.
    std::fs::remove_file(tree.path().join("home/.claude.json")).expect("remove");
    std::fs::remove_dir_all(tree.path().join("repo")).expect("remove");
    let (code, report) = json(&tree, &["--fail-on", "shared"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["findings"][0]["shared"], false);
}

/// A fingerprint file whose entries were last set `days` ago, each with an owner.
#[test]
fn one_key_in_two_projects_with_the_same_directory_name_is_shared() {
    let tree = Tree::new();
    let key = Fake::new(72).openai_project_key();
    tree.write("acme/api/.env", format!("OPENAI_API_KEY={key}\n"));
    tree.write("globex/api/.env", format!("OPENAI_API_KEY={key}\n"));
    let (_, report) = json(&tree, &[]);
    let finding = &report["findings"][0];
    assert_eq!(finding["shared"], true, "{finding}");
    assert_eq!(
        finding["consumers"],
        serde_json::json!(["project acme/api", "project globex/api"])
    );

    // Two .env files of one project (its root holds package.json) are one consumer.
    std::fs::remove_dir_all(tree.path().join("globex")).expect("remove");
    tree.write("acme/package.json", "{}\n");
    tree.write("acme/.env", format!("OPENAI_API_KEY={key}\n"));
    let (_, report) = json(&tree, &[]);
    let finding = &report["findings"][0];
    assert_eq!(finding["shared"], false, "{finding}");
    assert_eq!(finding["consumers"], serde_json::json!(["project acme"]));
}

fn aged_vault(tree: &Tree, secrets: &[(&str, &str)], days: i64) {
    let values: Vec<VaultValue> = secrets
        .iter()
        .map(|(secret, owner)| VaultValue {
            secret,
            item: "item",
            vault: None,
            owner: Some(owner),
        })
        .collect();
    tree.write("vault.fp", fingerprint_file(&values, days));
}

#[test]
fn owners_come_from_the_team_map_or_the_vault() {
    let tree = Tree::new();
    let mut fake = Fake::new(72);
    let openai = fake.openai_project_key();
    let github = fake.github_pat();
    tree.write(
        "app/.env",
        format!("OPENAI_API_KEY={openai}\nGITHUB_TOKEN={github}\n"),
    );
    tree.write(
        ".stray.toml",
        "[owners]\n\"provider:openai\" = \"ada@acme.io\"\n",
    );
    aged_vault(&tree, &[(&github, "platform-team")], 10);
    let (_, report) = json(&tree, &["app", "--vault", "vault.fp"]);
    let owner = |rule: &str| {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule"] == rule)
            .map(|f| f["owner"].clone())
            .expect("finding")
    };
    assert_eq!(
        owner("openai-project-key"),
        serde_json::json!({"name": "ada@acme.io", "source": "config"})
    );
    assert_eq!(
        owner("github-classic-pat"),
        serde_json::json!({"name": "platform-team", "source": "vault"})
    );
}

#[test]
fn rotation_sla_follows_criticality() {
    let tree = Tree::new();
    let mut fake = Fake::new(73);
    let high = fake.github_pat();
    let low = format!("Zq{}9x", fake.base62(20));
    tree.write(
        "app/.env",
        format!("GITHUB_TOKEN={high}\nDB_PASSWORD={low}\n"),
    );
    aged_vault(&tree, &[(&high, "ops"), (&low, "ops")], 100);
    let (code, report) = json(
        &tree,
        &["app", "--vault", "vault.fp", "--fail-on", "overdue"],
    );
    assert_eq!(code, 1);
    let verdict = |rule: &str| {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {report}"))
            .clone()
    };
    let github = verdict("github-classic-pat");
    assert_eq!(github["criticality"], "high");
    assert_eq!(github["vault"]["rotation_overdue"], true);
    let password = verdict("generic-password-assignment");
    assert_eq!(password["criticality"], "low");
    assert_eq!(password["vault"]["age_days"], 100);
    assert_eq!(
        password["vault"]["rotation_overdue"], false,
        "low tier: 365 days"
    );
    // --max-age still overrides every tier.
    let (_, report) = json(&tree, &["app", "--vault", "vault.fp", "--max-age", "30"]);
    assert!(
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|f| f["vault"]["rotation_overdue"] == true)
    );
    // A team may raise a tier.
    tree.write(
        ".stray.toml",
        "[criticality]\n\"rule:generic-password-assignment\" = \"high\"\n",
    );
    let (_, report) = json(&tree, &["app", "--vault", "vault.fp"]);
    let password = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "generic-password-assignment")
        .expect("password")
        .clone();
    assert_eq!(password["vault"]["rotation_overdue"], true);
}

#[test]
fn the_runbook_names_every_place_consumer_and_the_way_back() {
    let (tree, key) = shared_key_tree();
    let (runbook, _) = expect_code(run(&tree, &["runbook", "-q"]), 0, "stray runbook -q");
    assert!(!runbook.contains(&key), "no full secret in the runbook");
    for expected in [
        "home/.cursor/mcp.json:1",
        "home/.claude.json:1",
        "repo/.github/workflows/nightly.yml:6",
        "Cursor (MCP server openai)",
        "Claude Code (MCP server docs)",
        "GitHub Actions workflow nightly.yml",
        "https://platform.openai.com/api-keys",
        "**shared**",
        "fail closed",
    ] {
        assert!(
            runbook.contains(expected),
            "runbook lacks {expected:?}:\n{runbook}"
        );
    }
    let command = runbook
        .lines()
        .find(|l| l.starts_with("stray scan "))
        .expect("a verification command");
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let (code, _, _) = run(&tree, &args);
    assert_eq!(
        code, 1,
        "before revoking, the verification fails: {command}"
    );
    for file in [
        "home/.cursor/mcp.json",
        "home/.claude.json",
        "repo/.github/workflows/nightly.yml",
    ] {
        std::fs::write(tree.path().join(file), "{}\n").expect("clean");
    }
    let (code, _, _) = run(&tree, &args);
    assert_eq!(
        code, 0,
        "after cleaning every place, the verification passes"
    );
}
