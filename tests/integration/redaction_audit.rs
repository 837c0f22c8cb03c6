//! The redaction audit: plant generated fake keys, produce every output stray has — each scan
//! format, the inventory database (its raw bytes and every text column), every inventory view,
//! the runbook and the HTML report — and check that no secret appears in any of them, not even
//! the middle 60% of one, unless `--show-secrets` asked for it. The secrets checked are the
//! ones stray itself says it found (`--show-secrets --format json`) plus the planted values, so
//! a rule that captures a different span than expected is still covered. Keys used as names
//! are planted too; `tests/integration/hostile_names.rs` covers every kind of hostile name.

use std::path::Path;

use crate::common::{Fake, Tree, database_values, leaks, stray};
use serde_json::Value;
use stray::inventory::render::OutputFormat;
use stray::names::Named;
use stray::report::Format;

/// The planted secrets, written under `work/`; the vault export lives outside it.
fn plant(tree: &Tree) -> Vec<String> {
    let mut fake = Fake::new(9001);
    let github = fake.github_pat();
    let openai = fake.openai_project_key();
    let aws = fake.aws_key_id();
    let slack = fake.slack_webhook();
    let pem = fake.pem_private_key();
    let npm = fake.npm_token();
    let vaulted = fake.openai_project_key();
    // Hostile names (see tests/hostile_names.rs): a key as a directory name, a key as the
    // name another is assigned to.
    let dir_key = fake.anthropic_key();
    let name_key = fake.stripe_secret_key();
    let named = fake.groq_key();
    tree.write(
        &format!("work/c12/{dir_key}/.env"),
        format!("{name_key}={named}\n"),
    );
    tree.write(
        "work/.env",
        format!("GITHUB_TOKEN={github}\nOPENAI_API_KEY={openai}\n"),
    );
    tree.write(
        "work/home/.zshrc",
        format!("export GITHUB_TOKEN={github}\n"),
    );
    tree.write(
        "work/.cursor/mcp.json",
        format!(
            "{{\"mcpServers\":{{\"x\":{{\"env\":{{\"OPENAI_API_KEY\":\"{openai}\",\"SLACK\":\"{slack}\"}}}}}}}}\n"
        ),
    );
    tree.write(
        "work/home/.aws/credentials",
        format!("[default]\naws_access_key_id = {aws}\n"),
    );
    tree.write("work/deploy/id_rsa", format!("{pem}\n"));
    tree.write(
        "work/home/.npmrc",
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    );
    tree.write("work/svc/.env", format!("OPENAI_API_KEY={vaulted}\n"));
    tree.write(
        "work/svc/.env.tpl",
        "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
    );
    tree.write(
        "vault/export.env",
        format!("OPENAI_API_KEY={vaulted}\nNPM_TOKEN={npm}\n"),
    );
    vec![
        github, openai, aws, slack, pem, npm, vaulted, dir_key, name_key, named,
    ]
}

/// Standard output followed by standard error.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let (mut stdout, stderr) = run_split(dir, args, env);
    stdout.extend_from_slice(&stderr);
    stdout
}

fn run_split(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Vec<u8>, Vec<u8>) {
    let mut cmd = stray();
    cmd.current_dir(dir).args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("stray runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "stray {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.stdout, output.stderr)
}

#[test]
fn no_output_holds_a_secret_unless_asked_to() {
    let tree = Tree::new();
    let planted = plant(&tree);
    let dir = tree.path();
    let vault = ["--vault", "vault/export.env"];

    // What stray says it found, in full: the secrets to look for.
    let (shown, _) = run_split(
        dir,
        &[
            "scan",
            "work",
            "--format",
            "json",
            "--show-secrets",
            vault[0],
            vault[1],
        ],
        &[],
    );
    let shown_json: Value = serde_json::from_slice(&shown).expect("JSON");
    let findings = shown_json["findings"].as_array().expect("findings");
    let mut secrets: Vec<String> = findings
        .iter()
        .map(|f| f["secret"].as_str().expect("secret shown").to_string())
        .collect();
    assert!(findings.len() >= 6, "found {} credentials", findings.len());
    for secret in &planted {
        assert!(
            secrets
                .iter()
                .any(|s| s.contains(secret.as_str()) || secret.contains(s.as_str())),
            "a planted key was not found: {:?}…",
            &secret[..6]
        );
    }
    secrets.extend(planted);
    secrets.sort();
    secrets.dedup();
    // The check can fail: with --show-secrets the secrets are there.
    assert!(!leaks(&secrets, "show-secrets", &shown).is_empty());
    let shown_table = run(dir, &["scan", "work", "--show-secrets"], &[]);
    assert!(!leaks(&secrets, "show-secrets table", &shown_table).is_empty());

    let db = dir.join("audit").join("inventory.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let record = format!("--record={db_arg}");
    let mut problems = Vec::new();
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    for format in Format::names() {
        let bytes = run(
            dir,
            &[
                "scan",
                "work",
                "--format",
                format,
                vault[0],
                vault[1],
                "--show-suppressed",
                &record,
            ],
            &[("STRAY_MACHINE", "audit-box")],
        );
        outputs.push((format!("scan --format {format}"), bytes));
        // And written to a file.
        let file = dir.join(format!("out.{format}"));
        run(
            dir,
            &[
                "scan",
                "work",
                "--format",
                format,
                "-o",
                file.to_str().expect("path"),
            ],
            &[],
        );
        outputs.push((
            format!("scan --format {format} -o"),
            std::fs::read(&file).expect("report file"),
        ));
    }
    // A result written with --show-secrets, imported: the database still gets no secret.
    let with_secrets = dir.join("with-secrets.json");
    std::fs::write(&with_secrets, &shown).expect("write");
    outputs.push((
        "inventory import".to_string(),
        run(
            dir,
            &["inventory", "import", "with-secrets.json", "--db", db_arg],
            &[],
        ),
    ));
    let every_listing =
        OutputFormat::names().map(|format| vec!["inventory", "--all", "--format", format]);
    for view in every_listing.chain([
        vec!["inventory", "--gone", "--format", "json"],
        vec!["inventory", "metrics", "--format", "json"],
        vec!["inventory", "scans", "--format", "json"],
    ]) {
        let mut args = view.clone();
        args.extend(["--db", db_arg]);
        outputs.push((format!("stray {}", view.join(" ")), run(dir, &args, &[])));
    }
    outputs.push((
        "stray runbook".to_string(),
        run(dir, &["runbook", "work", vault[0], vault[1]], &[]),
    ));
    outputs.push((
        "stray runbook --db".to_string(),
        run(dir, &["runbook", "--db", db_arg], &[]),
    ));
    let report = dir.join("report.html");
    run(
        dir,
        &[
            "report",
            "--db",
            db_arg,
            "-o",
            report.to_str().expect("path"),
        ],
        &[],
    );
    let html = std::fs::read(&report).expect("report");
    assert!(
        String::from_utf8_lossy(&html).contains("<table"),
        "the report lists the credentials"
    );
    outputs.push(("stray report".to_string(), html));

    // The database: raw bytes of every file SQLite left, and every text column.
    for entry in std::fs::read_dir(db.parent().expect("parent")).expect("db dir") {
        let path = entry.expect("entry").path();
        outputs.push((
            format!("database file {}", path.display()),
            std::fs::read(&path).expect("db bytes"),
        ));
    }
    let values = database_values(&db);
    assert!(
        values
            .iter()
            .any(|(column, _)| column == "credentials.redacted"),
        "the database has credentials"
    );
    for (column, bytes) in values {
        outputs.push((format!("database column {column}"), bytes));
    }

    for (what, bytes) in &outputs {
        assert!(!bytes.is_empty(), "{what} is empty");
        problems.extend(leaks(&secrets, what, bytes));
    }
    assert!(
        problems.is_empty(),
        "secrets leaked:\n{}",
        problems.join("\n")
    );

    // The database holds every credential found, by fingerprint.
    let (listed, _) = run_split(
        dir,
        &["inventory", "--all", "--format", "json", "--db", db_arg],
        &[],
    );
    let listed: Value = serde_json::from_slice(&listed).expect("JSON");
    let fingerprints: Vec<&str> = listed["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| c["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    for finding in findings {
        assert!(fingerprints.contains(&finding["fingerprint"].as_str().expect("fp")));
    }

    // A private key redacts to its type and a fingerprint prefix, and the database keeps that.
    let key = findings
        .iter()
        .find(|f| f["rule"] == "private-key-pem")
        .expect("the planted PEM key is found");
    let fingerprint = key["fingerprint"].as_str().expect("fingerprint");
    let expected = format!(
        "-----BEGIN RSA PRIVATE KEY----- …(sha256:{})",
        &fingerprint[..8]
    );
    assert_eq!(key["redacted"], expected.as_str());
    let recorded = listed["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .find(|c| c["fingerprint"] == fingerprint)
        .expect("the key is recorded");
    assert_eq!(recorded["redacted"], expected.as_str(), "{recorded}");
}
