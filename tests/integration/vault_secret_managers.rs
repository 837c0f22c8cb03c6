//! Issue #16: Doppler's encrypted and YAML downloads, Infisical's dotenv, CSV and YAML exports,
//! Bitwarden Secrets Manager's `bws secret list -o json`: detection, entries, and the statuses
//! a scan gives against them (fixtures/vault/{doppler,infisical,bws}, FAKE values only; each
//! directory's README names the tool source the shape comes from).

use serde_json::Value;
use stray::finding::fingerprint;
use stray::vault::{VaultEntry, VaultError, VaultFormat, detect, read_export};

use crate::common::detected;
use crate::common::vault_fixture as fixture;

use crate::common::{Fake, Tree, scan_json};

// ---- the fake values stored in the fixtures (generated with a seeded random generator) ----
const DOPPLER_YAML_STRIPE: &str = "sk_live_ICIHEcBmBppXzRx1p5GZu0iwsfox0Y4Y";
const DOPPLER_YAML_DB: &str = "postgres://api:cqbHsVtwyjq1QqFd0f2mUAg0@db.internal:5432/api";
const DOPPLER_YAML_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\n1lSK5FTwQMh6+IRhkPNHaHLQmIqQYnfNbbSfIBED6R2DAlt8q65HihyHL/3k0oji\nanfmVpTNumE9/9VfL+0jHB4ZiZdRdJthe3+BiTHoik7VJPNRiVlcW7fYAsgLXc2b\nLN4zHCrq1uZrzrUkEjZPwU0/ZrAW1yqajqeTxPhKKJK9z8f83HJMDpgQFAsOMeRT\nJSJaljzhRZ+dpISyY5sGQ0YswiDdVkSZ6SWK6DaXRCOuFjE6riOOoJr92f5gTkLf\n-----END RSA PRIVATE KEY-----";
const DOPPLER_YAML_SENTENCE: &str =
    "Webhook signing secret: whsec_aEGQ21Zz3uI1r8NAC0CGMWTGdB3zzDOr";
const INF_ENV_WEBHOOK: &str = "whsec_jRdFiM9ul4OW0x33PlJ51GGvVBhz9Elh";
const INF_ENV_PEM: &str = "-----BEGIN PRIVATE KEY-----\nM7wE8F9Ws+nJTOMV0ohtzphxc4A24ZK6kSO3u6wu5SHW6PQg+v99rkjVkjAy1p+k\nJFEaP6+sngzklbpwLskB6CK/9cBEdfDi38Op8D9uQ38jfN8pH3ihBVzCAmo8I1vM\nQjzW+mfn2Rqbhl8twmNy7ha2CorUETWRjqRy1cahnhu3ZN1Un5TVGuBLo8e+IT6h\nYabN7go7jpbbT+r2R0C0i6jnlw8S5QDbRD8scWhkvaFdBGXrICrKBeNxCJ7hO4Qg\nPxLzambFSNPvG98C13k8jmPbhmB+q3wlu8AjY+3uHzZJQXe7GXlzxZy+g16USe0g\n-----END PRIVATE KEY-----";
const INF_ENV_OPENAI: &str = "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";
const INF_ENV_DB_PW: &str = "Pg-Fb4EM0duIBL1LgZkv8p0aOW9mk";
const INF_CSV_SLACK: &str = "xoxb-168417738517-5028069680248-vmkiBqdfwdGdGgRHKcPzQx12";
const INF_CSV_PEM: &str = "-----BEGIN EC PRIVATE KEY-----\nf8Gr5lavbNrhDbXpuEzE35D77i1OVi6DHSs5a835ccmerELxIcWIm5XaIugTMvJq\nwsh0NKF41Ahiz/xiskeQDHONJtgK9hGeSnkqNfB3HSOq7Asd9Wr8DvX0YvRKzRqZ\nIdoIbo0wCKX1KPw7CMjDldxgVRgIpmYuFu/X8gcC+ywjDX7mYFWzIiQ0yKSLX2dZ\n-----END EC PRIVATE KEY-----";
const INF_CSV_QUOTED: &str = "a, \"quoted\" value-Up2m2ea3AEQzH8M2Poss";
const INF_YAML_GITHUB: &str = "ghp_JjlTmxthHeXpD1oYWchmt98tBqsVi3CXFlnb";
const INF_YAML_PEM: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\n5LMGzSAnxaq1dWs5qZ5wVZmQJiZnVYR8B+VISLALVtHm73s3oDyLkcwceUQSzgvV\niHxLfkqZ9uHFU1j6YnUQC6B04T0W6zUF2x/gFZGTh0FjkSudfYti2BI4GovM0UGI\nKsQfZScAeEaNrxomZ48KLbkvKCQ9+wvPSp8uoU40cQwE10KgLdtzopVsPdY5r77b\n-----END OPENSSH PRIVATE KEY-----";
const BWS_AWS_ID: &str = "AKIAEQ9DH9DNHLZPK96C";
const BWS_AWS_SECRET: &str = "1BWKWiO+r8Fg9ZFIBv4YSmtIAD1TjFBPQBouywU/";
const BWS_GITLAB: &str = "glpat-wD7G6uyoUFdzZ8TjWqMs";
const BWS_ORG: &str = "3c8a7431-09a3-4283-8dd0-b09c5d9509e6";
const BWS_PROJECT: &str = "46f9661d-3b4e-45e3-a521-98a9a253d602";

fn read_as(rel: &str, format: Option<VaultFormat>) -> Vec<VaultEntry> {
    let mut out = Vec::new();
    read_export(&fixture(rel), format, None, None, &mut out)
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    out
}

fn read(rel: &str) -> Vec<VaultEntry> {
    read_as(rel, None)
}

/// The one entry holding `value` (by exact fingerprint).
fn one<'a>(entries: &'a [VaultEntry], value: &str) -> &'a VaultEntry {
    let fp = fingerprint(value.as_bytes());
    let found: Vec<_> = entries.iter().filter(|e| e.fingerprint == fp).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one entry for a value; entries: {:#?}",
        entries.iter().map(|e| &e.meta).collect::<Vec<_>>()
    );
    found[0]
}

fn has(entries: &[VaultEntry], value: &str) -> bool {
    let fp = fingerprint(value.as_bytes());
    entries.iter().any(|e| e.fingerprint == fp)
}

// ---- Doppler ----

#[test]
fn doppler_encrypted_download_is_recognised_and_refused_with_the_no_file_command() {
    let rel = "doppler/doppler.json";
    assert_eq!(detected(rel), Some(VaultFormat::DopplerJson));
    for format in [
        None,
        Some(VaultFormat::DopplerEnv),
        Some(VaultFormat::DopplerYaml),
    ] {
        let mut out = Vec::new();
        match read_export(&fixture(rel), format, None, None, &mut out) {
            Err(VaultError::Encrypted { path, hint }) => {
                assert_eq!(path, fixture(rel));
                assert!(hint.contains("doppler secrets download"), "{hint}");
                assert!(
                    hint.contains("--no-file --format json > doppler.json"),
                    "{hint}"
                );
            }
            other => panic!("{format:?}: expected Encrypted, got {other:?}"),
        }
        assert!(out.is_empty());
    }
}

#[test]
fn doppler_yaml_download() {
    assert_eq!(
        detected("doppler/secrets.yaml"),
        Some(VaultFormat::DopplerYaml)
    );
    let entries = read("doppler/secrets.yaml");
    // PORT ('8080'), DOPPLER_CONFIG and DOPPLER_ENVIRONMENT ('prd') are too short; the
    // project name `billing` is kept, as in the JSON and env downloads.
    assert_eq!(entries.len(), 5);
    let stripe = one(&entries, DOPPLER_YAML_STRIPE);
    assert_eq!(
        (stripe.meta.item.as_str(), stripe.meta.field.as_str()),
        ("STRIPE_SECRET_KEY", "value")
    );
    assert_eq!(stripe.meta.vault.as_deref(), Some("doppler:billing/prd"));
    assert_eq!(stripe.format, VaultFormat::DopplerYaml);
    assert_eq!(one(&entries, DOPPLER_YAML_DB).meta.item, "DATABASE_URL");
    // A `|-` block scalar is the PEM with its line breaks, no trailing one.
    assert_eq!(one(&entries, DOPPLER_YAML_PEM).meta.item, "TLS_PRIVATE_KEY");
    // A single-quoted value with `: ` inside.
    assert_eq!(
        one(&entries, DOPPLER_YAML_SENTENCE).meta.item,
        "WEBHOOK_NOTE"
    );
}

// ---- Infisical ----

#[test]
fn infisical_dotenv_export_with_dashed_keys_and_escaped_line_breaks() {
    let rel = "infisical/export.env";
    assert_eq!(detected(rel), Some(VaultFormat::InfisicalEnv));
    let entries = read(rel);
    assert_eq!(entries.len(), 4, "LOG_LEVEL='debug' is too short");
    assert_eq!(
        one(&entries, INF_ENV_WEBHOOK).meta.item,
        "stripe-webhook-secret"
    );
    assert_eq!(one(&entries, INF_ENV_DB_PW).meta.item, "db.password");
    assert_eq!(one(&entries, INF_ENV_OPENAI).meta.item, "OPENAI_API_KEY");
    // `\n` inside the single quotes is Infisical's line break: the PEM as stored.
    let pem = one(&entries, INF_ENV_PEM);
    assert_eq!(
        (pem.meta.item.as_str(), pem.format),
        ("TLS_KEY", VaultFormat::InfisicalEnv)
    );

    // Generic dotenv keeps single quotes literal: forced, the PEM stays two-character `\n`s.
    let generic = read_as(rel, Some(VaultFormat::Dotenv));
    assert!(!has(&generic, INF_ENV_PEM));
    assert!(has(&generic, &INF_ENV_PEM.replace('\n', "\\n")));
}

#[test]
fn infisical_csv_and_yaml_exports() {
    assert_eq!(
        detected("infisical/export.csv"),
        Some(VaultFormat::InfisicalCsv)
    );
    let entries = read("infisical/export.csv");
    assert_eq!(entries.len(), 3, "REGION=eu is too short");
    assert_eq!(one(&entries, INF_CSV_SLACK).meta.item, "SLACK_BOT_TOKEN");
    assert_eq!(one(&entries, INF_CSV_PEM).meta.item, "signing-key");
    assert_eq!(one(&entries, INF_CSV_QUOTED).meta.item, "QUOTED_VALUE");

    assert_eq!(
        detected("infisical/export.yaml"),
        Some(VaultFormat::InfisicalYaml)
    );
    let entries = read("infisical/export.yaml");
    assert_eq!(entries.len(), 2, "DB_PORT is too short");
    assert_eq!(one(&entries, INF_YAML_GITHUB).meta.item, "GITHUB_TOKEN");
    assert_eq!(one(&entries, INF_YAML_PEM).meta.item, "DEPLOY_KEY");
}

// ---- Bitwarden Secrets Manager ----

#[test]
fn bws_secret_list_has_its_own_reader_with_revision_date_as_age() {
    let rel = "bws/secret-list.json";
    assert_eq!(detected(rel), Some(VaultFormat::BitwardenSecretsManager));
    let entries = read(rel);
    // Three values and one note (no `KEY=value` lines in it).
    assert_eq!(entries.len(), 4);
    let id = one(&entries, BWS_AWS_ID);
    assert_eq!(
        (id.meta.item.as_str(), id.meta.field.as_str()),
        ("AWS_ACCESS_KEY_ID", "value")
    );
    assert_eq!(
        id.meta.vault.as_deref(),
        Some(format!("bws:{BWS_PROJECT}").as_str())
    );
    assert_eq!(id.format, VaultFormat::BitwardenSecretsManager);
    let secret = one(&entries, BWS_AWS_SECRET);
    assert_eq!(
        secret.meta.created,
        Some("2024-03-04T10:11:12.123456Z".parse().expect("timestamp"))
    );
    assert_eq!(
        secret.meta.updated,
        Some("2025-06-30T08:00:00.5Z".parse().expect("timestamp"))
    );
    assert!(
        entries
            .iter()
            .any(|e| e.meta.item == "AWS_SECRET_ACCESS_KEY" && e.meta.field == "notes")
    );
    // Not in a project: the organization.
    let gitlab = one(&entries, BWS_GITLAB);
    assert_eq!(
        gitlab.meta.vault.as_deref(),
        Some(format!("bws:{BWS_ORG}").as_str())
    );
}

#[test]
fn the_new_readers_keep_no_plaintext() {
    let mut entries = Vec::new();
    for rel in [
        "doppler/secrets.yaml",
        "infisical/export.env",
        "infisical/export.csv",
        "infisical/export.yaml",
        "bws/secret-list.json",
    ] {
        entries.extend(read(rel));
    }
    let debug = format!("{entries:?}");
    let json = serde_json::to_string(&entries).expect("entries serialize");
    for value in [
        DOPPLER_YAML_STRIPE,
        DOPPLER_YAML_DB,
        DOPPLER_YAML_PEM,
        DOPPLER_YAML_SENTENCE,
        INF_ENV_WEBHOOK,
        INF_ENV_PEM,
        INF_ENV_OPENAI,
        INF_ENV_DB_PW,
        INF_CSV_SLACK,
        INF_CSV_PEM,
        INF_CSV_QUOTED,
        INF_YAML_GITHUB,
        INF_YAML_PEM,
        BWS_AWS_ID,
        BWS_AWS_SECRET,
        BWS_GITLAB,
    ] {
        assert!(has(&entries, value), "a fixture value has no entry");
        for line in value.lines().filter(|l| l.len() >= 12) {
            assert!(!debug.contains(line), "plaintext in Debug output");
            assert!(!json.contains(line), "plaintext in the serialized entries");
        }
    }
}

// ---- statuses in a scan ----

fn status(json: &Value, rule: &str) -> Value {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {json:#}"))["vault"]
        .clone()
}

#[test]
fn scans_against_the_new_exports_give_their_statuses() {
    let tree = Tree::new();
    let mut fake = Fake::new(16);
    let unvaulted = fake.github_pat();
    tree.write("app/tls.key", format!("{INF_ENV_PEM}\n"));
    tree.write(
        "app/.env",
        format!(
            "OPENAI_API_KEY={INF_ENV_OPENAI}\nSTRIPE_SECRET_KEY={DOPPLER_YAML_STRIPE}\n\
             GITLAB_TOKEN={BWS_GITLAB}\nGITHUB_TOKEN={unvaulted}\n"
        ),
    );
    let vault = |rel: &str| fixture(rel).to_string_lossy().into_owned();
    let (infisical, doppler, bws) = (
        vault("infisical/export.env"),
        vault("doppler/secrets.yaml"),
        vault("bws/secret-list.json"),
    );
    let (code, json, stderr) = scan_json(
        tree.path(),
        &[
            "app", "--vault", &infisical, "--vault", &doppler, "--vault", &bws,
        ],
    );
    assert_eq!(code, 1, "the GitHub token is unvaulted: {stderr}");
    // The PEM stored in Infisical with `\n` escapes is the key on disk.
    let pem = status(&json, "private-key-pem");
    assert_eq!(pem["status"], "stray-copy", "{pem:#}");
    assert_eq!(status(&json, "openai-project-key")["status"], "stray-copy");
    let stripe = status(&json, "stripe-secret-key");
    assert_eq!(stripe["status"], "stray-copy", "{stripe:#}");
    let gitlab = status(&json, "gitlab-pat");
    assert_eq!(gitlab["status"], "stray-copy", "{gitlab:#}");
    // revisionDate 2023-02-01 is the age: long overdue.
    assert!(
        gitlab["age_days"].as_i64().is_some_and(|d| d > 600),
        "{gitlab:#}"
    );
    assert_eq!(gitlab["rotation_overdue"], true);
    assert_eq!(status(&json, "github-classic-pat")["status"], "unvaulted");

    // Read as generic dotenv (single quotes literal), the PEM is unknown to the vault.
    let (_, json, _) = scan_json(
        tree.path(),
        &["app", "--vault", &infisical, "--vault-format", "dotenv"],
    );
    assert_eq!(status(&json, "private-key-pem")["status"], "unvaulted");
}

#[test]
fn malformed_new_exports_name_the_file_and_where() {
    let tree = Tree::new();
    let cases = [
        (
            "infisical.csv",
            "Key,Value\nA_KEY,Fine-Value-16\nB_KEY\n",
            VaultFormat::InfisicalCsv,
            "line 3: 1 cells where the header has 2",
        ),
        (
            "infisical.env",
            "A_KEY='Fine-Value-16'\nB_KEY='never closed\n",
            VaultFormat::InfisicalEnv,
            "line 2: the quoted value never closes",
        ),
        (
            "doppler.yaml",
            "DOPPLER_PROJECT: api\nA_KEY: Fine-Value-16\nB_KEY:\n  nested: Fine-Value-16\n",
            VaultFormat::DopplerYaml,
            "line 3: a nested mapping or list",
        ),
        (
            "bws.json",
            r#"[{"organizationId": "o", "revisionDate": "2024-01-01T00:00:00Z", "key": "K", "value": 5}]"#,
            VaultFormat::BitwardenSecretsManager,
            "[0].value: expected a string",
        ),
    ];
    for (name, content, format, location) in cases {
        let path = tree.write(name, content);
        // YAML that is not a flat mapping is not detected as an export; forced, it is refused.
        let forced = (format == VaultFormat::DopplerYaml).then_some(format);
        let expected = if forced.is_some() { None } else { Some(format) };
        assert_eq!(detect(&path, content.as_bytes()), expected, "{name}");
        let mut out = Vec::new();
        match read_export(&path, forced, None, None, &mut out) {
            Err(VaultError::Parse {
                path: at,
                format: named,
                message,
            }) => {
                assert_eq!(at, path);
                assert_eq!(named, stray::names::Named::name(format));
                assert!(message.starts_with(location), "{name}: {message}");
                assert!(!message.contains("Fine-Value-16"), "{name}: {message}");
            }
            other => panic!("{name}: expected a parse error, got {other:?}"),
        }
        assert!(out.is_empty(), "{name}: a failed file left entries behind");
    }
}
