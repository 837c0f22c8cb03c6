//! Live validation end to end (issue #18): stray's built binary against a loopback HTTP server
//! standing in for the providers. Test builds send requests to `STRAY_TEST_VALIDATION_ENDPOINT`
//! (`http://127.0.0.1:PORT/HOST/PATH`); a release build has no such override.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Fake, Tree, stray};

/// One request the fake providers received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// `api.github.com/user`
    target: String,
    headers: Vec<(String, String)>,
}

/// What the fake answers: `(status, extra headers, body)`, or a broken or slow answer.
#[derive(Clone)]
enum Answer {
    Reply(u16, Vec<(&'static str, &'static str)>, &'static str),
    /// Closes the connection without a word.
    Hang,
    /// Waits this long before answering 200.
    Slow(Duration),
}

struct Providers {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Providers {
    /// Serves `route(target, authorization)` until the test ends.
    fn start(route: fn(&str, &str) -> Answer) -> Providers {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(stream, route, &log));
            }
        });
        Providers { port, seen }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

fn serve(stream: TcpStream, route: fn(&str, &str) -> Answer, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts
        .next()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let authorization = headers
        .iter()
        .find(|(n, _)| n == "authorization" || n == "private-token" || n == "x-api-key")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let answer = route(&target, &authorization);
    log.lock().expect("log").push(Seen {
        method,
        target,
        headers,
    });
    let mut stream = stream;
    let (status, extra, body) = match answer {
        Answer::Hang => return,
        Answer::Slow(wait) => {
            std::thread::sleep(wait);
            (200, Vec::new(), "{}")
        }
        Answer::Reply(status, extra, body) => (status, extra, body),
    };
    let mut response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(body);
    let _ = stream.write_all(response.as_bytes());
}

/// The providers as the tests need them: a live GitHub token (by the token's last character),
/// a revoked OpenAI key, a Slack token Slack rejects, a rate-limited npm token.
fn route(target: &str, authorization: &str) -> Answer {
    match target {
        "api.github.com/user" if authorization.ends_with('L') || authorization.len() > 10 => {
            Answer::Reply(
                200,
                vec![("x-oauth-scopes", "repo, read:org")],
                r#"{"login":"ada-ci","id":42}"#,
            )
        }
        "api.openai.com/v1/models" => {
            Answer::Reply(401, vec![], r#"{"error":{"message":"Incorrect API key"}}"#)
        }
        "slack.com/api/auth.test" => {
            Answer::Reply(200, vec![], r#"{"ok":false,"error":"token_revoked"}"#)
        }
        "registry.npmjs.org/-/whoami" => Answer::Reply(429, vec![("retry-after", "60")], "{}"),
        "api.anthropic.com/v1/models" => Answer::Hang,
        "api.groq.com/openai/v1/models" => Answer::Slow(Duration::from_secs(3)),
        _ => Answer::Reply(404, vec![], "{}"),
    }
}

struct Keys {
    github: String,
    openai: String,
    slack: String,
    npm: String,
    anthropic: String,
    groq: String,
    pem: String,
}

fn tree_with_keys() -> (Tree, Keys) {
    let mut fake = Fake::new(1818);
    let keys = Keys {
        github: fake.github_pat(),
        openai: fake.openai_project_key(),
        slack: format!(
            "xoxb-{}-{}-{}",
            fake.chars(b"0123456789", 12),
            fake.chars(b"0123456789", 13),
            fake.base62(24)
        ),
        npm: fake.npm_token(),
        anthropic: fake.anthropic_key(),
        groq: fake.groq_key(),
        pem: fake.pem_private_key(),
    };
    let tree = Tree::new();
    tree.write(
        "app/.env",
        format!(
            "GITHUB_TOKEN={}\nOPENAI_API_KEY={}\nSLACK_BOT_TOKEN={}\nNPM_TOKEN={}\nANTHROPIC_API_KEY={}\nGROQ_API_KEY={}\n",
            keys.github, keys.openai, keys.slack, keys.npm, keys.anthropic, keys.groq
        ),
    );
    tree.write("app/deploy.pem", &keys.pem);
    (tree, keys)
}

fn run(tree: &Tree, providers: &Providers, args: &[&str]) -> (i32, String, String) {
    let output = stray()
        .current_dir(tree.path())
        .env("STRAY_TEST_VALIDATION_ENDPOINT", providers.endpoint())
        .env("STRAY_TEST_VALIDATION_TIMEOUT_MS", "1500")
        .args(args)
        .output()
        .expect("run stray");
    crate::common::outcome(output)
}

/// `stray inventory [SUBCOMMAND…] --db DB --format json`, parsed.
fn inventory_json(tree: &Tree, db: &str, subcommand: &[&str]) -> Value {
    let mut args = vec!["inventory"];
    args.extend_from_slice(subcommand);
    args.extend(["--db", db, "--format", "json"]);
    let (code, stdout, stderr) = crate::common::run_in(tree, &args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

fn validation_of<'a>(json: &'a Value, rule: &str) -> &'a Value {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == rule)
        .map(|f| &f["validation"])
        .unwrap_or_else(|| panic!("no {rule} finding: {json:#}"))
}

#[test]
fn each_answer_becomes_a_state_and_only_validator_hosts_are_asked() {
    let (tree, keys) = tree_with_keys();
    let providers = Providers::start(route);
    let (code, stdout, stderr) = run(
        &tree,
        &providers,
        &["scan", "app", "--validate", "--format", "json"],
    );
    assert_eq!(code, 1, "credentials found: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");

    let github = validation_of(&json, "github-classic-pat");
    assert_eq!(github["state"], "live", "{github:#}");
    assert_eq!(github["identity"], "ada-ci");
    assert_eq!(github["scopes"], serde_json::json!(["repo", "read:org"]));
    assert_eq!(github["endpoint"], "GET api.github.com/user");
    assert!(github["checked_at"].is_string());

    let openai = validation_of(&json, "openai-project-key");
    assert_eq!(
        (openai["state"].as_str(), openai["reason"].as_str()),
        (Some("invalid"), Some("HTTP 401"))
    );
    let slack = validation_of(&json, "slack-bot-token");
    assert_eq!(slack["state"], "invalid", "{slack:#}");
    assert_eq!(slack["reason"], "refused (token_revoked)");
    let npm = validation_of(&json, "npm-access-token");
    assert_eq!(
        (npm["state"].as_str(), npm["reason"].as_str()),
        (Some("unknown"), Some("rate limited"))
    );
    let anthropic = validation_of(&json, "anthropic-api-key");
    assert_eq!(
        anthropic["state"], "unknown",
        "a dropped connection: {anthropic:#}"
    );
    assert!(
        anthropic["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("network error"),
        "{anthropic:#}"
    );
    let groq = validation_of(&json, "groq-api-key");
    assert_eq!(
        (groq["state"].as_str(), groq["reason"].as_str()),
        (Some("unknown"), Some("timed out"))
    );
    let pem = validation_of(&json, "private-key-pem");
    assert_eq!(
        (pem["state"].as_str(), pem["reason"].as_str()),
        (Some("unknown"), Some("no validator for this rule"))
    );

    let seen = providers.seen();
    let mut targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "api.anthropic.com/v1/models",
            "api.github.com/user",
            "api.groq.com/openai/v1/models",
            "api.openai.com/v1/models",
            "registry.npmjs.org/-/whoami",
            "slack.com/api/auth.test",
        ],
        "one request per credential with a validator, nothing for the private key"
    );
    let github_request = seen
        .iter()
        .find(|s| s.target == "api.github.com/user")
        .expect("GitHub asked");
    assert_eq!(github_request.method, "GET");
    assert!(
        github_request
            .headers
            .contains(&("authorization".into(), format!("Bearer {}", keys.github)))
    );
    let slack_request = seen
        .iter()
        .find(|s| s.target.starts_with("slack.com"))
        .expect("Slack asked");
    assert_eq!(slack_request.method, "POST");

    // The report shows states, never the secrets it sent.
    for secret in [
        &keys.github,
        &keys.openai,
        &keys.slack,
        &keys.npm,
        &keys.anthropic,
    ] {
        for fragment in crate::common::fragments(secret) {
            assert!(
                !stdout.contains(&fragment) && !stderr.contains(&fragment),
                "leaked {fragment}"
            );
        }
    }
}

#[test]
fn table_csv_sarif_and_markdown_carry_the_state() {
    let (tree, _) = tree_with_keys();
    let providers = Providers::start(route);
    let (_, table, _) = run(&tree, &providers, &["scan", "--validate", "app"]);
    assert!(
        table.contains("\n    live: ada-ci; scopes: repo, read:org\n"),
        "{table}"
    );
    assert!(table.contains("\n    invalid: HTTP 401\n"), "{table}");
    assert!(
        table.contains("validated: 1 live, 2 invalid, 4 unknown"),
        "{table}"
    );
    let (_, csv, _) = run(
        &tree,
        &providers,
        &["scan", "app", "--validate", "--format=csv"],
    );
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.ends_with(",places,validation,validated_identity"),
        "{header}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains("github-classic-pat") && l.ends_with(",live,ada-ci")),
        "{csv}"
    );
    let (_, sarif, _) = run(
        &tree,
        &providers,
        &["scan", "app", "--validate", "--format", "sarif"],
    );
    let sarif: Value = serde_json::from_str(&sarif).expect("SARIF");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["validation"] == "live"
                && r["properties"]["validatedIdentity"] == "ada-ci"),
        "{sarif:#}"
    );
    let (_, markdown, _) = run(
        &tree,
        &providers,
        &["scan", "app", "--validate", "--format", "markdown"],
    );
    assert!(markdown.contains("live: ada-ci"), "{markdown}");
}

#[test]
fn fail_on_live_fails_only_on_working_keys_and_needs_validate() {
    let (tree, _) = tree_with_keys();
    let providers = Providers::start(route);
    let (code, _, stderr) = run(
        &tree,
        &providers,
        &["scan", "app", "--validate", "--fail-on=live", "-q"],
    );
    assert_eq!(code, 1, "the GitHub token is live: {stderr}");
    let only_dead = Tree::new();
    let mut fake = Fake::new(7);
    only_dead.write(
        ".env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    let (code, _, stderr) = run(
        &only_dead,
        &providers,
        &["scan", "--fail-on", "live", "--validate", "."],
    );
    assert_eq!(
        code, 0,
        "a revoked key does not fail --fail-on live: {stderr}"
    );
    let (code, _, stderr) = run(&only_dead, &providers, &["scan", ".", "--fail-on", "live"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--fail-on live needs --validate"),
        "{stderr}"
    );
}

#[test]
fn without_validate_no_request_is_made() {
    let (tree, _) = tree_with_keys();
    let providers = Providers::start(route);
    for args in [
        &["scan", "app"][..],
        &["scan", "app", "--format", "json"],
        &["laptop", "--home", "app"],
    ] {
        let _ = run(&tree, &providers, args);
    }
    assert!(providers.seen().is_empty(), "{:?}", providers.seen());
}

/// A team pack reusing a built-in rule's id cannot send what it matches to that provider.
#[test]
fn team_rules_are_never_validated() {
    let tree = Tree::new();
    tree.write(
        "team.toml",
        r#"[[rules]]
id = "github-classic-pat"
provider = "acme"
class = "generic"
description = "Acme internal token"
keywords = ["acme_"]
regex = '(?P<secret>acme_[a-z0-9]{20})'
examples = [{ input = "T=acme_z9x8c7v6b5n4m3l2k1j0", secret = "acme_z9x8c7v6b5n4m3l2k1j0" }]
negatives = ["T=acme_short"]
"#,
    );
    tree.write("app/.env", "ACME=acme_q8w7e6r5t4y3u2i1o0pz\n");
    let providers = Providers::start(route);
    let (code, stdout, stderr) = run(
        &tree,
        &providers,
        &[
            "scan",
            "app",
            "--no-builtin-rules",
            "--rules",
            "team.toml",
            "--validate",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let validation = validation_of(&json, "github-classic-pat");
    assert_eq!(validation["state"], "unknown");
    assert_eq!(
        validation["reason"],
        "a team rule: only built-in rules are validated"
    );
    assert!(providers.seen().is_empty(), "{:?}", providers.seen());
}

/// Answers GitHub `live` until the test flips `REVOKED`, then 401.
static REVOKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn github_until_revoked(target: &str, _: &str) -> Answer {
    match target {
        "api.github.com/user" if !REVOKED.load(std::sync::atomic::Ordering::SeqCst) => {
            Answer::Reply(
                200,
                vec![("x-oauth-scopes", "repo")],
                r#"{"login":"ada-ci"}"#,
            )
        }
        "api.github.com/user" => Answer::Reply(401, vec![], r#"{"message":"Bad credentials"}"#),
        _ => Answer::Reply(404, vec![], "{}"),
    }
}

/// `stray verify`: exit 1 while the key works, 0 once the provider refuses it; with --record
/// the inventory keeps the evidence: the state, the identity, when it was confirmed dead, and
/// the time to revoke measured to that confirmation although the file is still there.
#[test]
fn verify_records_the_evidence_that_a_revoked_key_is_dead() {
    let tree = Tree::new();
    let mut fake = Fake::new(99);
    let token = fake.github_pat();
    tree.write("app/.env", format!("GITHUB_TOKEN={token}\n"));
    let providers = Providers::start(github_until_revoked);
    let db = tree.path().join("inv.db").display().to_string();
    let record = format!("--record={db}");

    let (code, table, stderr) = run(&tree, &providers, &["verify", "app", &record]);
    assert_eq!(code, 1, "still works: {stderr}");
    assert!(table.contains("live: ada-ci"), "{table}");
    let listing = inventory_json(&tree, &db, &[]);
    let credential = &listing["credentials"][0];
    assert_eq!(credential["validation"], "live", "{credential:#}");
    assert_eq!(credential["validated_identity"], "ada-ci");
    assert_eq!(credential["validated_scopes"], serde_json::json!(["repo"]));
    let fingerprint = credential["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let (_, csv, _) = run(
        &tree,
        &providers,
        &["inventory", "--db", &db, "--format", "csv"],
    );
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().expect("header").clone();
    let row = rows.records().next().expect("a row").expect("a CSV row");
    let cell = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .unwrap_or_else(|| panic!("no column {name}: {csv}"))
            .to_string()
    };
    assert_eq!(cell("validation"), "live", "{csv}");
    assert_eq!(cell("validated_identity"), "ada-ci");
    assert_eq!(
        cell("reach"),
        "repo",
        "the provider's scopes say what it can reach"
    );
    let metrics = inventory_json(&tree, &db, &["metrics"]);
    assert_eq!(metrics["live_outside_vault"], 1, "{metrics:#}");
    let report = tree.path().join("report.html").display().to_string();
    let (code, _, stderr) = run(&tree, &providers, &["report", "--db", &db, "-o", &report]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&report).expect("report");
    assert!(
        html.contains("live credentials outside the vault"),
        "headline card"
    );

    // Revoked at the provider: recorded, then confirmed.
    let (code, _, stderr) = run(
        &tree,
        &providers,
        &["inventory", "revoke", &fingerprint[..12], "--db", &db],
    );
    assert_eq!(code, 0, "{stderr}");
    REVOKED.store(true, std::sync::atomic::Ordering::SeqCst);
    let (code, table, stderr) = run(
        &tree,
        &providers,
        &["verify", "--credential", &fingerprint[..12], "app", &record],
    );
    assert_eq!(code, 0, "dead now: {stderr}");
    assert!(table.contains("invalid: HTTP 401"), "{table}");
    let listing = inventory_json(&tree, &db, &[]);
    let credential = &listing["credentials"][0];
    assert_eq!(credential["validation"], "invalid", "{credential:#}");
    assert!(
        credential["confirmed_dead_at"].is_string(),
        "{credential:#}"
    );
    assert_eq!(credential["present"], true, "the file still holds it");
    assert!(
        credential["hours_to_revoke"].as_f64().is_some(),
        "measured to the confirmation: {credential:#}"
    );
    let (_, text, _) = run(&tree, &providers, &["inventory", "--db", &db]);
    assert!(
        text.contains("invalid (checked ") && text.contains("; confirmed dead since "),
        "{text}"
    );
    let metrics = inventory_json(&tree, &db, &["metrics"]);
    assert_eq!(metrics["live_outside_vault"], 0, "{metrics:#}");
    assert_eq!(metrics["confirmed_dead"], 1, "{metrics:#}");
    assert_eq!(
        metrics["revocations_pending"], 0,
        "confirmed, not pending: {metrics:#}"
    );
    assert_eq!(metrics["revoked_gone"], 1, "{metrics:#}");

    // The runbook tells how to get that evidence.
    let (_, runbook, _) = run(&tree, &providers, &["runbook", "app"]);
    assert!(
        runbook.contains(&format!(
            "stray verify app/.env --credential {} --record",
            &fingerprint[..12]
        )),
        "{runbook}"
    );
}

fn sts(target: &str, authorization: &str) -> Answer {
    match target {
        "sts.amazonaws.com/" if authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIA") => {
            Answer::Reply(
                200,
                vec![],
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/deploy-bot</Arn><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
        }
        _ => Answer::Reply(404, vec![], "{}"),
    }
}

/// An AWS key id and its secret, found beside each other, are checked together with one signed
/// STS call; the secret signs the request and is not sent.
#[test]
fn aws_keys_are_checked_in_pairs_with_a_signed_sts_call() {
    let tree = Tree::new();
    let mut fake = Fake::new(404);
    let key_id = fake.aws_key_id();
    let secret = fake.base62(40);
    tree.write(
        "home/.aws/credentials",
        format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    );
    let providers = Providers::start(sts);
    let (code, stdout, stderr) = run(
        &tree,
        &providers,
        &["scan", "home", "--validate", "--format", "json"],
    );
    assert_eq!(code, 1, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    for rule in ["aws-access-key-id", "aws-secret-access-key"] {
        let validation = validation_of(&json, rule);
        assert_eq!(validation["state"], "live", "{rule}: {validation:#}");
        assert_eq!(
            validation["identity"],
            "arn:aws:iam::123456789012:user/deploy-bot"
        );
        assert_eq!(
            validation["endpoint"],
            "POST sts.amazonaws.com/ (GetCallerIdentity)"
        );
    }
    let seen = providers.seen();
    assert_eq!(seen.len(), 1, "one call for the pair: {seen:?}");
    assert_eq!(seen[0].method, "POST");
    let sent = format!("{:?}", seen[0].headers);
    assert!(sent.contains(&format!("Credential={key_id}/")), "{sent}");
    assert!(!sent.contains(&secret), "the secret signs, it is not sent");
}

/// `stray verify` passes only on evidence: a credential it could not check is not proof.
#[test]
fn verify_fails_on_what_it_could_not_check_and_ignores_the_files_policy() {
    let tree = Tree::new();
    let mut fake = Fake::new(5);
    tree.write("key.pem", fake.pem_private_key());
    tree.write(".stray.toml", "[policy]\nfail_on = [\"any\"]\n");
    tree.write(
        ".env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    let providers = Providers::start(route);
    let (code, table, stderr) = run(&tree, &providers, &["verify", "."]);
    assert_eq!(code, 1, "the private key cannot be checked: {stderr}");
    assert!(
        table.contains("unknown: no validator for this rule"),
        "{table}"
    );
    let (code, fp_json, _) = run(
        &tree,
        &providers,
        &["scan", ".env", "--format", "json", "--no-config"],
    );
    assert_eq!(code, 1);
    let fp_json: Value = serde_json::from_str(&fp_json).expect("JSON");
    let prefix = fp_json["findings"][0]["fingerprint"].as_str().expect("fp")[..12].to_string();
    let (code, _, stderr) = run(&tree, &providers, &["verify", ".", "--credential", &prefix]);
    assert_eq!(
        code, 0,
        "the OpenAI key is refused (401), and the file's `any` does not apply: {stderr}"
    );
}

/// `stray verify --db DB`: the files this machine's latest recorded scan found credentials in,
/// read again from wherever the command runs, and the result recorded.
#[test]
fn verify_db_rechecks_the_recorded_files_of_this_machine() {
    let tree = Tree::new();
    let mut fake = Fake::new(12);
    tree.write("app/.env", format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    tree.write(
        "app/other.env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    let providers = Providers::start(route);
    let db = tree.path().join("inv.db").display().to_string();
    let (code, _, stderr) = run(
        &tree,
        &providers,
        &["scan", "app", &format!("--record={db}")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(providers.seen().is_empty(), "a plain scan asks nobody");

    // From another directory: the recorded relative paths resolve through the scan's roots.
    let elsewhere = Tree::new();
    let output = stray()
        .current_dir(elsewhere.path())
        .env("STRAY_TEST_VALIDATION_ENDPOINT", providers.endpoint())
        .args(["verify", "--db", &db])
        .output()
        .expect("run stray");
    let (code, table, stderr) = crate::common::outcome(output);
    assert_eq!(code, 1, "the GitHub token works: {stderr}");
    assert!(
        table.contains("live: ada-ci") && table.contains("invalid: HTTP 401"),
        "{table}"
    );
    let listing = inventory_json(&tree, &db, &[]);
    let states: Vec<&str> = listing["credentials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["validation"].as_str())
        .collect();
    assert_eq!(states.len(), 2, "both recorded: {listing:#}");

    let (code, _, stderr) = run(&tree, &providers, &["verify", "app", "--db", &db]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("without paths"), "{stderr}");
    std::fs::remove_dir_all(tree.path().join("app")).expect("remove");
    let (code, _, stderr) = run(&tree, &providers, &["verify", "--db", &db]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing to re-check"), "{stderr}");
}
