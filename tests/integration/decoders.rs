//! Keys hidden inside other encodings: zip archives, JSON string escapes, base64 values,
//! multi-line blocks and percent-encoded URLs. Each must be found with its original file, the
//! right location kind, line and context name.

use crate::common::{Fake, Tree, expect_code, run_in, scan_json, zip_bytes};
use serde_json::Value;

/// The single location of the finding whose rule is `rule`.
fn only_location(json: &Value, rule: &str) -> Value {
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .collect();
    assert_eq!(findings.len(), 1, "one {rule} finding expected in {json:#}");
    let locations = findings[0]["locations"].as_array().expect("locations");
    assert_eq!(locations.len(), 1, "{locations:?}");
    locations[0].clone()
}

#[test]
fn key_in_a_slack_export_zip() {
    let tree = Tree::new();
    let token = Fake::new(21).github_pat();
    let day = format!(
        "[\n  {{\n    \"type\": \"message\",\n    \"user\": \"U024BE7LH\",\n    \"text\": \"deploy token is {token} use it wisely\",\n    \"ts\": \"1714060800.000100\"\n  }}\n]\n"
    );
    let export = zip_bytes(&[
        (
            "channels.json",
            "[{\"id\": \"C024BE91L\", \"name\": \"deploys\"}]",
        ),
        ("users.json", "[]"),
        ("deploys/2024-04-25.json", &day),
    ]);
    tree.write("Downloads/Acme Slack export Apr 2024.zip", export);
    let (code, json, stderr) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let location = only_location(&json, "github-classic-pat");
    assert_eq!(
        location["path"],
        "Downloads/Acme Slack export Apr 2024.zip!deploys/2024-04-25.json"
    );
    assert_eq!(location["kind"], "chat-export");
    assert_eq!(location["line"], 5);
    assert_eq!(location["context"], "text");

    let (code, _, _) = scan_json(tree.path(), &["--archives=never"]);
    assert_eq!(code, 0, "--archives=never leaves zips closed");
}

#[test]
fn zips_without_a_chat_export_open_only_with_archives() {
    let tree = Tree::new();
    let token = Fake::new(22).github_pat();
    tree.write(
        "backup.zip",
        zip_bytes(&[("app/.env", &format!("GITHUB_TOKEN={token}\n"))]),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "{json}");
    // Left closed, it is still a file the scan saw and did not read: counted as skipped.
    assert_eq!(json["stats"]["skipped_archive"], 1, "{json}");
    assert_eq!(json["stats"]["files_skipped"], 1, "{json}");
    assert_eq!(json["stats"]["files_scanned"], 0, "{json}");
    let (table, _) = expect_code(
        run_in(&tree, &["scan", "backup.zip"]),
        0,
        "stray scan backup.zip",
    );
    assert!(table.contains("1 skipped"), "{table}");
    let (code, json, _) = scan_json(tree.path(), &["--archives"]);
    assert_eq!(code, 1);
    assert_eq!(json["stats"]["skipped_archive"], 0, "{json}");
    let location = only_location(&json, "github-classic-pat");
    assert_eq!(location["path"], "backup.zip!app/.env");
    assert_eq!(location["kind"], "dotenv");
    assert_eq!(location["context"], "GITHUB_TOKEN");
}

#[test]
fn key_in_a_chatgpt_export_with_escaped_slashes() {
    let tree = Tree::new();
    let webhook = Fake::new(23).slack_webhook();
    let escaped = webhook.replace('/', "\\/");
    let export = format!(
        "[{{\n  \"title\": \"alerts\",\n  \"mapping\": {{\n    \"a1\": {{\n      \"message\": {{\n        \"content\": {{\n          \"parts\": [\"post to {escaped}\\nthanks\"]\n        }}\n      }}\n    }}\n  }}\n}}]\n"
    );
    assert!(
        !export.contains(&webhook),
        "the raw file must not hold the plain URL"
    );
    tree.write("chatgpt/conversations.json", export);
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let location = only_location(&json, "slack-webhook-url");
    assert_eq!(location["path"], "chatgpt/conversations.json");
    assert_eq!(location["kind"], "chat-export");
    assert_eq!(location["line"], 7);
    assert_eq!(location["context"], "a1.message.content.parts");
}

#[test]
fn key_in_kubernetes_secret_base64_data() {
    use base64::Engine as _;
    let tree = Tree::new();
    let token = Fake::new(24).github_pat();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&token);
    tree.write(
        "deploy/k8s/github.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: github\ntype: Opaque\ndata:\n  token: {encoded}\n"
        ),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    let location = only_location(&json, "github-classic-pat");
    assert_eq!(location["path"], "deploy/k8s/github.yaml");
    assert_eq!(location["kind"], "iac");
    assert_eq!(location["line"], 7);
    assert_eq!(location["context"], "data.token");
}

#[test]
fn key_in_an_mcp_config_env_block() {
    let tree = Tree::new();
    let key = Fake::new(25).openai_project_key();
    tree.write(
        ".cursor/mcp.json",
        format!(
            "{{\n  \"mcpServers\": {{\n    \"openai-tools\": {{\n      \"command\": \"npx\",\n      \"env\": {{\n        \"OPENAI_API_KEY\": \"{key}\"\n      }}\n    }}\n  }}\n}}\n"
        ),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    let location = only_location(&json, "openai-project-key");
    assert_eq!(location["kind"], "ai-tool-config");
    assert_eq!(location["line"], 6);
    assert_eq!(
        location["context"],
        "mcpServers.openai-tools.env.OPENAI_API_KEY"
    );
}

#[test]
fn key_in_a_docker_config_auth_field() {
    use base64::Engine as _;
    let tree = Tree::new();
    let token = Fake::new(26).github_pat();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("octocat:{token}"));
    tree.write(
        "home/.docker/config.json",
        format!("{{\n  \"auths\": {{\n    \"ghcr.io\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n"),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let location = only_location(&json, "github-classic-pat");
    assert_eq!(location["kind"], "cloud-credentials");
    assert_eq!(location["line"], 4);
    assert_eq!(location["context"], "auths.ghcr.io.auth");
}

#[test]
fn multi_line_pem_key() {
    let tree = Tree::new();
    let pem = Fake::new(27).pem_private_key();
    tree.write(
        "api/.env",
        format!("LOG_LEVEL=info\nJWT_PRIVATE_KEY=\"{pem}\"\n"),
    );
    tree.write("keys/deploy_key", format!("{pem}\n"));
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "private-key-pem")
        .collect();
    assert_eq!(
        findings.len(),
        1,
        "the same key in two files is one finding"
    );
    let locations = findings[0]["locations"].as_array().expect("locations");
    assert_eq!(locations.len(), 2);
    assert_eq!(locations[0]["path"], "api/.env");
    assert_eq!(locations[0]["line"], 2);
    assert_eq!(locations[0]["context"], "JWT_PRIVATE_KEY");
    assert_eq!(locations[1]["path"], "keys/deploy_key");
    assert_eq!(locations[1]["line"], 1);
    assert_eq!(locations[1]["kind"], "other");
}

#[test]
fn url_encoded_database_password() {
    let tree = Tree::new();
    let mut fake = Fake::new(28);
    let (left, right) = (fake.base62(10), fake.base62(10));
    let encoded = format!("{left}%40{right}%2F");
    let decoded = format!("{left}@{right}/");
    tree.write(
        "svc/docker-compose.yml",
        format!("services:\n  api:\n    environment:\n      DATABASE_URL: postgres://api:{encoded}@db:5432/api\n"),
    );
    let (code, json, _) = scan_json(tree.path(), &["--show-secrets"]);
    assert_eq!(code, 1);
    let location = only_location(&json, "database-url-password");
    assert_eq!(location["kind"], "iac");
    assert_eq!(location["line"], 4);
    assert_eq!(location["context"], "services.api.environment.DATABASE_URL");
    let finding = &json["findings"][0];
    assert_eq!(
        finding["secret"],
        decoded.as_str(),
        "the credential is the decoded password"
    );
}
