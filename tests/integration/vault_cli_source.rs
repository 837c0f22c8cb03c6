//! Reading a vault straight from its CLI (`--vault op:Engineering`, `vault fingerprint --from
//! bw`): fake `op`, `bw` and `doppler` scripts, first on PATH, print recorded output; the
//! result must match the export route, and no plaintext may reach a file, stdout or stderr.

#![cfg(unix)]

use assert_cmd::Command;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::vault_fixture as fixture;
use crate::common::{Tree, leaks, outcome, stray};
use serde_json::Value;

/// Writes an executable `name` into `tree`'s `bin/` running `script` (sh).
fn fake_tool(tree: &Tree, name: &str, script: &str) {
    let path = tree.write(&format!("bin/{name}"), format!("#!/bin/sh\n{script}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `bin/` first on PATH, then the system's (for `sh` and `cat`).
fn path_with(tree: &Tree) -> String {
    let system = std::env::var("PATH").unwrap_or_default();
    format!("{}:{system}", tree.path().join("bin").display())
}

fn stray_in(tree: &Tree) -> Command {
    let mut cmd = stray();
    cmd.current_dir(tree.path()).env("PATH", path_with(tree));
    cmd
}

/// Fake `op`: `item list` prints one summary per item of the recorded `op item get` output,
/// `item get -` reads the list from stdin and prints the recorded items; each call is logged.
fn fake_op(tree: &Tree, get: &Path) {
    fake_tool(
        tree,
        "op",
        &format!(
            r#"echo "op $*" >> "{log}"
case "$1 $2" in
  "item list") printf '[{{"id":"q3w5e7r9t1y3u5i7o9p1a3s5d7"}},{{"id":"a1s2d3f4g5h6j7k8l9z0x1c2v3"}}]' ;;
  "item get") cat > /dev/null; cat "{get}" ;;
  *) exit 9 ;;
esac"#,
            log = tree.path().join("calls.log").display(),
            get = get.display()
        ),
    );
}

/// Every string stored under a value-holding key (`value`, `password`, `notes`, `totp`), or
/// every value of a flat object, long enough to be worth checking for.
fn plaintexts(file: &Path) -> Vec<String> {
    fn walk(value: &Value, key: Option<&str>, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, Some(k), out)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, key, out)),
            Value::String(s)
                if s.len() >= 12
                    && key.is_some_and(|k| {
                        ["value", "password", "notes", "totp"].contains(&k)
                            || k.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    }) =>
            {
                out.push(s.clone())
            }
            _ => {}
        }
    }
    let bytes = std::fs::read(file).unwrap();
    let mut out = Vec::new();
    for value in serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>() {
        walk(&value.unwrap(), None, &mut out);
    }
    assert!(!out.is_empty(), "{}: no values found", file.display());
    out
}

/// Fails if any plaintext is in stdout, stderr or any file under `tree` (but `bin/`).
fn assert_no_plaintext(tree: &Tree, secrets: &[String], stdout: &[u8], stderr: &[u8]) {
    let mut found = leaks(secrets, "stdout", stdout);
    found.extend(leaks(secrets, "stderr", stderr));
    let mut stack = vec![tree.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.starts_with(tree.path().join("bin"))
                && !path.starts_with(tree.path().join("app"))
            {
                let what = path.display().to_string();
                found.extend(leaks(secrets, &what, &std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// A fingerprint file's entries (its header carries the time it was written).
fn entries(fp: &Path) -> Value {
    let json: Value = serde_json::from_slice(&std::fs::read(fp).unwrap()).unwrap();
    let mut list = json["entries"].clone();
    assert!(list.is_array(), "{json}");
    if let Value::Array(items) = &mut list {
        items.sort_by_key(|e| e.to_string());
        assert!(!items.is_empty());
    }
    list
}

fn fingerprint_both_ways(tree: &Tree, export: &Path, from: &[&str]) {
    let exported = stray_in(tree)
        .args(["vault", "fingerprint"])
        .arg(export)
        .args(["-o", "export.fp"])
        .output()
        .unwrap();
    let (code, _, err) = outcome(exported);
    assert_eq!(code, 0, "{err}");
    let direct = stray_in(tree)
        .args(["vault", "fingerprint", "--from"])
        .args(from)
        .args(["-o", "direct.fp"])
        .output()
        .unwrap();
    let (stdout, stderr) = (direct.stdout.clone(), direct.stderr.clone());
    let (code, _, err) = outcome(direct);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        entries(&tree.path().join("direct.fp")),
        entries(&tree.path().join("export.fp")),
        "--from {from:?} and the export give different fingerprints"
    );
    assert_no_plaintext(tree, &plaintexts(export), &stdout, &stderr);
}

#[test]
fn op_fingerprint_matches_the_export_route() {
    let tree = Tree::new();
    let get = fixture("1password/op-item-get-all.json");
    fake_op(&tree, &get);
    fingerprint_both_ways(&tree, &get, &["op:Engineering"]);
    let calls = std::fs::read_to_string(tree.path().join("calls.log")).unwrap();
    assert_eq!(
        calls,
        "op item list --format json --vault Engineering\nop item get - --format json\n"
    );
}

#[test]
fn bw_fingerprint_matches_the_export_route_and_passes_tool_args() {
    let tree = Tree::new();
    let items = fixture("bitwarden/list-items.json");
    let log = tree.path().join("calls.log");
    fake_tool(
        &tree,
        "bw",
        &format!(
            r#"echo "bw $* session=$BW_SESSION" >> "{}"; cat "{}""#,
            log.display(),
            items.display()
        ),
    );
    fingerprint_both_ways(&tree, &items, &["bw"]);
    let out = {
        let mut cmd = stray_in(&tree);
        cmd.env("BW_SESSION", "fake-session")
            .args([
                "vault",
                "fingerprint",
                "--from",
                "bw",
                "-o",
                "org.fp",
                "--",
                "--organizationid",
                "org-1",
            ])
            .output()
            .unwrap()
    };
    let (code, _, err) = outcome(out);
    assert_eq!(code, 0, "{err}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.ends_with(
            "bw list items --nointeraction --organizationid org-1 session=fake-session\n"
        ),
        "{calls}"
    );
}

#[test]
fn doppler_scan_statuses_match_the_export_route() {
    let tree = Tree::new();
    let secrets = fixture("doppler/secrets.json");
    let log = tree.path().join("calls.log");
    fake_tool(
        &tree,
        "doppler",
        &format!(
            r#"echo "doppler $*" >> "{}"; cat "{}""#,
            log.display(),
            secrets.display()
        ),
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&secrets).unwrap()).unwrap();
    let key = json["SENDGRID_API_KEY"].as_str().unwrap();
    tree.write("app/.env", format!("SENDGRID_API_KEY={key}\n"));
    let scan = |vault: &str| {
        let out = stray_in(&tree)
            .args(["scan", "--format", "json", "app", "--vault", vault])
            .output()
            .unwrap();
        let (stdout, stderr) = (out.stdout.clone(), out.stderr.clone());
        let report: Value = serde_json::from_slice(&stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&stderr)));
        let statuses: Vec<Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["vault"]["status"].clone())
            .collect();
        (statuses, stderr)
    };
    let (exported, _) = scan(secrets.to_str().unwrap());
    let (direct, stderr) = scan("doppler:api/prd");
    assert_eq!(direct, exported);
    assert!(!direct.is_empty());
    assert!(
        direct.iter().all(|s| s != "unvaulted"),
        "{direct:?}: {}",
        String::from_utf8_lossy(&stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.ends_with(
            "doppler secrets download --no-file --format json --no-read-env --project api \
             --config prd\n"
        ),
        "{calls}"
    );
}

#[test]
fn a_failing_cli_names_the_login_command() {
    let tree = Tree::new();
    fake_tool(
        &tree,
        "op",
        "echo '[ERROR] 2024/01/01 You are not currently signed in.' >&2; exit 1",
    );
    fake_tool(&tree, "bw", "echo 'You are not logged in.' >&2; exit 1");
    fake_tool(
        &tree,
        "doppler",
        "echo 'Doppler Error: you must provide a token' >&2; exit 1",
    );
    for (from, login) in [
        ("op", "op signin"),
        ("bw", "BW_SESSION"),
        ("doppler:api/prd", "doppler login"),
    ] {
        let out = stray_in(&tree)
            .args(["vault", "fingerprint", "--from", from, "-o", "x.fp"])
            .output()
            .unwrap();
        let (code, _, err) = outcome(out);
        assert_eq!(code, 2, "{from}: {err}");
        assert!(err.contains(login), "{from}: {err}");
        assert!(!tree.path().join("x.fp").exists());
    }
    let out = stray_in(&tree)
        .args(["scan", "--vault", "op:Engineering", "."])
        .output()
        .unwrap();
    let (code, _, err) = outcome(out);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("op signin") && err.contains("not currently signed in"),
        "{err}"
    );
}

#[test]
fn stderr_holding_a_value_is_not_quoted() {
    let tree = Tree::new();
    let secrets = fixture("doppler/secrets.json");
    let json: Value = serde_json::from_slice(&std::fs::read(&secrets).unwrap()).unwrap();
    let key = json["SENDGRID_API_KEY"].as_str().unwrap();
    fake_tool(
        &tree,
        "doppler",
        &format!("cat '{}'; echo 'bad: {key}' >&2; exit 1", secrets.display()),
    );
    let out = stray_in(&tree)
        .args(["vault", "fingerprint", "--from", "doppler", "-o", "x.fp"])
        .output()
        .unwrap();
    let (stdout, stderr) = (out.stdout.clone(), out.stderr.clone());
    let (code, _, err) = outcome(out);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("withheld"), "{err}");
    assert_no_plaintext(&tree, &plaintexts(&secrets), &stdout, &stderr);
}

#[test]
fn a_missing_cli_is_named_with_how_to_install_it() {
    let tree = Tree::new();
    std::fs::create_dir_all(tree.path().join("bin")).unwrap();
    for (from, name) in [
        ("op", "1Password CLI"),
        ("bw", "Bitwarden CLI"),
        ("doppler", "Doppler CLI"),
    ] {
        let out = stray()
            .current_dir(tree.path())
            .env("PATH", tree.path().join("bin"))
            .args(["scan", "--vault", from, "."])
            .output()
            .unwrap();
        let (code, _, err) = outcome(out);
        assert_eq!(code, 2, "{from}: {err}");
        assert!(
            err.contains(&format!("`{from}` is not installed")) && err.contains(name),
            "{from}: {err}"
        );
    }
}

#[test]
fn op_items_it_cannot_return_are_counted() {
    let tree = Tree::new();
    // One item of the two listed comes back.
    fake_op(&tree, &fixture("1password/op-item-get.json"));
    let out = stray_in(&tree)
        .args(["vault", "fingerprint", "--from", "op", "-o", "x.fp"])
        .output()
        .unwrap();
    let (code, _, err) = outcome(out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 item listed could not be read"), "{err}");
}

#[test]
fn an_existing_file_named_like_a_tool_is_read_as_a_file() {
    let tree = Tree::new();
    std::fs::create_dir_all(tree.path().join("bin")).unwrap();
    std::fs::copy(fixture("bitwarden/list-items.json"), tree.path().join("bw")).unwrap();
    let out = stray()
        .current_dir(tree.path())
        .env("PATH", tree.path().join("bin"))
        .args(["vault", "fingerprint", "bw", "-o", "x.fp"])
        .output()
        .unwrap();
    let (code, _, err) = outcome(out);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn vault_bws_and_infisical_match_the_export_route() {
    for (tool, file, from) in [
        ("vault", "hashicorp/prod-api.json", "vault:prod-api"),
        ("bws", "bws/secret-list.json", "bws"),
        ("infisical", "infisical/export.json", "infisical:prod"),
    ] {
        let tree = Tree::new();
        let export = fixture(file);
        fake_tool(&tree, tool, &format!("cat '{}'", export.display()));
        fingerprint_both_ways(&tree, &export, &[from]);
    }
}

#[test]
fn aws_lists_then_batch_gets() {
    let tree = Tree::new();
    let export = fixture("aws/batch-get-secret-value.json");
    let log = tree.path().join("calls.log");
    fake_tool(
        &tree,
        "aws",
        &format!(
            r#"echo "aws $*" >> "{log}"
case "$2" in
  list-secrets) printf '{{"SecretList":[{{"ARN":"arn:a:1","Name":"prod/db"}},{{"ARN":"arn:a:2","Name":"legacy/signing-key"}}]}}' ;;
  batch-get-secret-value) cat "{get}" ;;
esac"#,
            log = log.display(),
            get = export.display()
        ),
    );
    fingerprint_both_ways(&tree, &export, &["aws:eu-west-1"]);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.ends_with(
            "aws secretsmanager batch-get-secret-value --output json --region eu-west-1 \
             --secret-id-list arn:a:1 arn:a:2\n"
        ),
        "{calls}"
    );
}

// ---- gcloud (GCP Secret Manager) and az (Azure Key Vault): listed, then read one by one ----

/// The decoded values of `gcloud secrets versions access --format=json` files.
fn gcp_values(files: &[&str]) -> Vec<String> {
    use base64::Engine;
    files
        .iter()
        .map(|file| {
            let json: Value =
                serde_json::from_slice(&std::fs::read(fixture(file)).unwrap()).unwrap();
            let data = json["payload"]["data"].as_str().unwrap();
            let bytes = base64::engine::general_purpose::URL_SAFE
                .decode(data)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        })
        .collect()
}

const GCP_ACCESS: [&str; 3] = [
    "gcp/access-latest.json",
    "gcp/access-latest-db-url.json",
    "gcp/access-latest-legacy-token.json",
];

/// Fake `gcloud`: `secrets list` prints the recorded listing; `secrets versions access|describe
/// latest --secret S` runs the line `S)` of `access` or `describe` (a `case` body), which
/// prints S's recorded output or fails. Every call is logged.
fn fake_gcloud(tree: &Tree, access: &str, describe: &str) {
    let dir = fixture("gcp");
    fake_tool(
        tree,
        "gcloud",
        &format!(
            r#"echo "gcloud $*" >> "{log}"
secret=""; prev=""
for arg in "$@"; do [ "$prev" = "--secret" ] && secret="$arg"; prev="$arg"; done
case "$1 $2 $3" in
  "secrets list "*) cat "{dir}/secrets-list.json" ;;
  "secrets versions access") case "$secret" in {access} esac ;;
  "secrets versions describe") case "$secret" in {describe} esac ;;
  *) exit 9 ;;
esac"#,
            log = tree.path().join("calls.log").display(),
            dir = dir.display(),
        ),
    );
}

/// Every secret's recorded `access` (or `describe`) output.
fn gcp_case(verb: &str) -> String {
    let dir = fixture("gcp");
    let file = |secret: &str| match (verb, secret) {
        ("access", "stripe-webhook") => dir.join("access-latest.json"),
        (verb, secret) => dir.join(format!("{verb}-latest-{secret}.json")),
    };
    ["stripe-webhook", "db-url", "legacy-token"]
        .iter()
        .map(|s| format!("{s}) cat '{}' ;; ", file(s).display()))
        .collect()
}

/// (fingerprint, item, field, vault) of every entry: what both routes must agree on.
fn identities(fp: &Path) -> Vec<(Value, Value, Value, Value)> {
    let mut out: Vec<_> = entries(fp)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["fingerprint"].clone(),
                e["item"].clone(),
                e["field"].clone(),
                e["vault"].clone(),
            )
        })
        .collect();
    out.sort_by_key(|e| format!("{e:?}"));
    out
}

fn entry_for<'a>(list: &'a Value, item: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["item"] == item)
        .unwrap_or_else(|| panic!("no entry for {item}: {list}"))
}

/// Runs `stray ARGS` in `tree`, returning (exit code, stderr) and checking that no value of
/// `secrets` reached stdout, stderr or any file.
fn run_checked(tree: &Tree, args: &[&str], secrets: &[String]) -> (i32, String) {
    let out = stray_in(tree).args(args).output().unwrap();
    let (stdout, stderr) = (out.stdout.clone(), out.stderr.clone());
    let (code, _, err) = outcome(out);
    assert_no_plaintext(tree, secrets, &stdout, &stderr);
    (code, err)
}

#[test]
fn gcloud_lists_then_reads_each_secret_and_dates_it_by_its_latest_version() {
    let tree = Tree::new();
    fake_gcloud(&tree, &gcp_case("access"), &gcp_case("describe"));
    let secrets = gcp_values(&GCP_ACCESS);
    let (code, err) = run_checked(
        &tree,
        &[
            "vault",
            "fingerprint",
            "--from",
            "gcloud:shop-prod",
            "-o",
            "direct.fp",
        ],
        &secrets,
    );
    assert_eq!(code, 0, "{err}");
    // The export route: the same `access --format=json` outputs, saved and read as files.
    let mut export = stray_in(&tree);
    export.args(["vault", "fingerprint", "-o", "export.fp"]);
    for file in GCP_ACCESS {
        export.arg(fixture(file));
    }
    let (code, _, err) = outcome(export.output().unwrap());
    assert_eq!(code, 0, "{err}");
    let direct = tree.path().join("direct.fp");
    assert_eq!(
        identities(&direct),
        identities(&tree.path().join("export.fp"))
    );
    assert_eq!(identities(&direct).len(), 3);
    // What only the CLI route has: the listing's labels and creation, the version's createTime.
    let list = entries(&direct);
    let stripe = entry_for(&list, "stripe-webhook");
    assert_eq!(stripe["vault"], "gcp:314159265358");
    assert_eq!(stripe["field"], "version 4");
    assert_eq!(stripe["updated"], "2024-05-14T10:22:31.904117Z");
    assert_eq!(stripe["age_from"], "versions.4.createTime");
    assert_eq!(stripe["created"], "2023-11-07T09:12:44.512034Z");
    assert_eq!(stripe["owner"], "payments-team");
    assert_eq!(
        stripe["tags"],
        serde_json::json!(["env=prod", "owner=payments-team"])
    );
    assert_eq!(
        entry_for(&list, "db-url")["age_from"],
        "versions.2.createTime"
    );
    let calls = std::fs::read_to_string(tree.path().join("calls.log")).unwrap();
    let expected: String =
        std::iter::once("gcloud secrets list --format=json --project shop-prod\n".to_string())
            .chain(
                ["stripe-webhook", "db-url", "legacy-token"]
                    .iter()
                    .flat_map(|s| {
                        ["access", "describe"].map(|verb| {
            format!(
                "gcloud secrets versions {verb} latest --secret {s} --format=json --project \
                 shop-prod\n"
            )
        })
                    }),
            )
            .collect();
    assert_eq!(calls, expected);
}

#[test]
fn gcloud_secrets_it_cannot_read_are_counted_and_named() {
    let tree = Tree::new();
    let disabled = "echo 'ERROR: (gcloud.secrets.versions.access) FAILED_PRECONDITION: Secret \
                    Version [projects/314159265358/secrets/legacy-token/versions/1] is in \
                    DISABLED state.' >&2; exit 1 ;;";
    let access = gcp_case("access").replace(
        &format!(
            "legacy-token) cat '{}' ;;",
            fixture("gcp/access-latest-legacy-token.json").display()
        ),
        &format!("legacy-token) {disabled}"),
    );
    // No permission to describe db-url: its value still counts, dated by the secret's creation.
    let describe = gcp_case("describe").replace(
        &format!(
            "db-url) cat '{}' ;;",
            fixture("gcp/describe-latest-db-url.json").display()
        ),
        "db-url) echo 'ERROR: (gcloud.secrets.versions.describe) PERMISSION_DENIED' >&2; exit 1 ;;",
    );
    assert_ne!(access, gcp_case("access"));
    assert_ne!(describe, gcp_case("describe"));
    fake_gcloud(&tree, &access, &describe);
    let (code, err) = run_checked(
        &tree,
        &["vault", "fingerprint", "--from", "gcloud", "-o", "x.fp"],
        &gcp_values(&GCP_ACCESS),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("--vault gcloud: 1 item listed could not be read (legacy-token)"),
        "{err}"
    );
    let list = entries(&tree.path().join("x.fp"));
    assert_eq!(list.as_array().unwrap().len(), 2);
    let db = entry_for(&list, "db-url");
    assert_eq!(db["age_from"], "createTime");
    assert_eq!(db["created"], "2024-03-01T16:40:02.11822Z");
    assert!(db.get("updated").is_none(), "{db}");
}

#[test]
fn gcloud_failing_for_every_secret_is_an_error_naming_the_login() {
    let tree = Tree::new();
    let expired = "*) printf 'ERROR: (gcloud.secrets.versions.access) There was a problem \
                   refreshing your current auth tokens: Reauthentication failed. cannot prompt \
                   during non-interactive execution.\\nPlease run:\\n\\n  $ gcloud auth \
                   login\\n\\nto obtain new credentials.\\n' >&2; exit 1 ;;";
    fake_gcloud(&tree, expired, expired);
    let (code, err) = run_checked(
        &tree,
        &["vault", "fingerprint", "--from", "gcloud", "-o", "x.fp"],
        &gcp_values(&GCP_ACCESS),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`gcloud auth login`"), "{err}");
    assert!(err.contains("Reauthentication failed"), "{err}");
    assert!(!tree.path().join("x.fp").exists());
}

#[test]
fn gcloud_and_az_login_and_project_errors_say_what_to_run() {
    for (tool, from, stderr, says) in [
        (
            "gcloud",
            "gcloud",
            "ERROR: (gcloud.secrets.list) You do not currently have an active account \
             selected.\nPlease run:\n\n  $ gcloud auth login\n\nto obtain new credentials.",
            "log in with `gcloud auth login`",
        ),
        (
            "gcloud",
            "gcloud",
            "ERROR: (gcloud.secrets.list) The required property [project] is not fully \
             specified.",
            "--vault gcloud:PROJECT",
        ),
        (
            "az",
            "az:kv-shop-prod",
            "ERROR: Please run 'az login' to setup account.",
            "log in with `az login`",
        ),
        (
            // Trace and correlation ids look random: the output is withheld, the hint is not.
            "az",
            "az:kv-shop-prod",
            "ERROR: AADSTS700082: The refresh token has expired due to inactivity. The token was \
             issued on 2024-01-05T11:50:24.4394320Z and was inactive for 90.00:00:00. Trace ID: \
             d580793e-e9a6-4b1e-8bcf-a868e4628700 Correlation ID: \
             37ed27a4-c7c0-46aa-82d5-78c1b329ef95\nInteractive authentication is needed. Please \
             run:\naz login --scope https://vault.azure.net/.default",
            "log in with `az login`",
        ),
    ] {
        let tree = Tree::new();
        fake_tool(
            &tree,
            tool,
            &format!("cat >&2 <<'EOF'\n{stderr}\nEOF\nexit 1"),
        );
        for args in [
            vec!["vault", "fingerprint", "--from", from, "-o", "x.fp"],
            vec!["scan", "--vault", from, "."],
        ] {
            let out = stray_in(&tree).args(&args).output().unwrap();
            let (code, _, err) = outcome(out);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
            assert!(!tree.path().join("x.fp").exists());
        }
    }
}

#[test]
fn gcloud_and_az_missing_are_named_and_az_needs_its_vault() {
    let tree = Tree::new();
    std::fs::create_dir_all(tree.path().join("bin")).unwrap();
    let run = |from: &str| {
        let out = stray()
            .current_dir(tree.path())
            .env("PATH", tree.path().join("bin"))
            .args(["vault", "fingerprint", "--from", from, "-o", "x.fp"])
            .output()
            .unwrap();
        let (code, _, err) = outcome(out);
        assert_eq!(code, 2, "{from}: {err}");
        err
    };
    let err = run("gcloud:shop-prod");
    assert!(
        err.contains("`gcloud` is not installed") && err.contains("Google Cloud CLI"),
        "{err}"
    );
    let err = run("az:kv-shop-prod");
    assert!(
        err.contains("`az` is not installed") && err.contains("Azure CLI"),
        "{err}"
    );
    // No vault name: said before anything runs.
    let err = run("az");
    assert!(err.contains("name the key vault: az:VAULT"), "{err}");
}

/// Fake `az`: `keyvault secret list` prints the recorded listing, `keyvault secret show --name
/// N` runs the line `N)` of `show`. Every call is logged.
fn fake_az(tree: &Tree, show: &str) {
    fake_tool(
        tree,
        "az",
        &format!(
            r#"echo "az $*" >> "{log}"
name=""; prev=""
for arg in "$@"; do [ "$prev" = "--name" ] && name="$arg"; prev="$arg"; done
case "$1 $2 $3" in
  "keyvault secret list") cat "{list}" ;;
  "keyvault secret show") case "$name" in {show} esac ;;
  *) exit 9 ;;
esac"#,
            log = tree.path().join("calls.log").display(),
            list = fixture("azure/secret-list.json").display(),
        ),
    );
}

const AZ_SHOW: [(&str, &str); 2] = [
    ("storage-conn", "azure/secret-show.json"),
    (
        "sendgrid-api-key",
        "azure/secret-show-sendgrid-api-key.json",
    ),
];

fn az_case() -> String {
    AZ_SHOW
        .iter()
        .map(|(name, file)| format!("{name}) cat '{}' ;; ", fixture(file).display()))
        .collect()
}

fn az_values() -> Vec<String> {
    AZ_SHOW
        .iter()
        .flat_map(|(_, f)| plaintexts(&fixture(f)))
        .collect()
}

#[test]
fn az_lists_then_shows_each_enabled_secret() {
    let tree = Tree::new();
    fake_az(&tree, &az_case());
    let (code, err) = run_checked(
        &tree,
        &[
            "vault",
            "fingerprint",
            "--from",
            "az:kv-shop-prod",
            "-o",
            "direct.fp",
        ],
        &az_values(),
    );
    assert_eq!(code, 0, "{err}");
    // The disabled secret is not asked for (`show` refuses it) but counted.
    assert!(
        err.contains("1 item listed could not be read (old-ftp-password (disabled))"),
        "{err}"
    );
    let calls = std::fs::read_to_string(tree.path().join("calls.log")).unwrap();
    assert_eq!(
        calls,
        "az keyvault secret list --vault-name kv-shop-prod -o json\n\
         az keyvault secret show --vault-name kv-shop-prod --name storage-conn -o json\n\
         az keyvault secret show --vault-name kv-shop-prod --name sendgrid-api-key -o json\n"
    );
    // The same entries as the `show` outputs read as files.
    let mut export = stray_in(&tree);
    export.args(["vault", "fingerprint", "-o", "export.fp"]);
    for (_, file) in AZ_SHOW {
        export.arg(fixture(file));
    }
    let (code, _, err) = outcome(export.output().unwrap());
    assert_eq!(code, 0, "{err}");
    let direct = entries(&tree.path().join("direct.fp"));
    assert_eq!(direct, entries(&tree.path().join("export.fp")));
    let storage = entry_for(&direct, "storage-conn");
    assert_eq!(storage["vault"], "kv-shop-prod");
    assert_eq!(storage["owner"], "payments-team");
    assert_eq!(storage["age_from"], "attributes.created");
    assert_eq!(storage["updated"], "2024-02-20T15:04:05Z");
}

#[test]
fn az_scan_finds_the_stored_copy_and_counts_a_refused_secret() {
    let tree = Tree::new();
    let refused = "echo \"ERROR: (Forbidden) The user, group or application 'appid=04b07795;oid=1f2e' \
                   does not have secrets get permission on key vault 'kv-shop-prod'.\" >&2; \
                   exit 1 ;; ";
    fake_az(
        &tree,
        &format!(
            "storage-conn) {refused}sendgrid-api-key) cat '{}' ;; ",
            fixture("azure/secret-show-sendgrid-api-key.json").display()
        ),
    );
    let sendgrid = plaintexts(&fixture("azure/secret-show-sendgrid-api-key.json"));
    tree.write("app/.env", format!("SENDGRID_API_KEY={}\n", sendgrid[0]));
    let out = stray_in(&tree)
        .args([
            "scan",
            "--format",
            "json",
            "app",
            "--vault",
            "az:kv-shop-prod",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (out.stdout.clone(), out.stderr.clone());
    let report: Value = serde_json::from_slice(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&stderr)));
    let err = String::from_utf8_lossy(&stderr);
    assert!(
        err.contains(
            "2 items listed could not be read (storage-conn, old-ftp-password (disabled))"
        ),
        "{err}"
    );
    let findings = report["findings"].as_array().unwrap();
    let vaulted: Vec<&Value> = findings
        .iter()
        .filter(|f| f["vault"]["items"][0]["item"] == "sendgrid-api-key")
        .collect();
    assert_eq!(vaulted.len(), 1, "{report}");
    assert_eq!(vaulted[0]["vault"]["status"], "stray-copy");
    assert!(vaulted[0]["vault"]["age_days"].as_i64().is_some());
    // Every secret refused: the first refusal is the error, with what the account lacks.
    let tree = Tree::new();
    fake_az(&tree, &format!("*) {refused}"));
    let (code, err) = run_checked(
        &tree,
        &[
            "vault",
            "fingerprint",
            "--from",
            "az:kv-shop-prod",
            "-o",
            "x.fp",
        ],
        &az_values(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Key Vault Secrets User"), "{err}");
}

#[test]
fn gcloud_raw_access_output_is_read_only_when_forced() {
    let tree = Tree::new();
    let raw = fixture("gcp/raw/stripe-webhook");
    let out = stray_in(&tree)
        .args(["vault", "fingerprint"])
        .arg(&raw)
        .args(["-o", "raw.fp"])
        .output()
        .unwrap();
    let (code, _, err) = outcome(out);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot tell which vault export"), "{err}");
    let (code, err) = run_checked(
        &tree,
        &[
            "vault",
            "fingerprint",
            raw.to_str().unwrap(),
            "--vault-format",
            "raw",
            "--vault-name",
            "gcp:shop-prod",
            "-o",
            "raw.fp",
        ],
        &gcp_values(&GCP_ACCESS[..1]),
    );
    assert_eq!(code, 0, "{err}");
    let list = entries(&tree.path().join("raw.fp"));
    let entry = entry_for(&list, "stripe-webhook");
    assert_eq!(entry["field"], "value");
    assert_eq!(entry["format"], "raw");
    assert_eq!(entry["vault"], "gcp:shop-prod");
    // The same value as `--format=json` output of the same version.
    let out = stray_in(&tree)
        .args(["vault", "fingerprint"])
        .arg(fixture(GCP_ACCESS[0]))
        .args(["-o", "json.fp"])
        .output()
        .unwrap();
    assert_eq!(outcome(out).0, 0);
    let json = entries(&tree.path().join("json.fp"));
    assert_eq!(entry["fingerprint"], json[0]["fingerprint"]);
    assert_eq!(entry["trimmed_fingerprint"], json[0]["trimmed_fingerprint"]);
}

#[test]
fn aws_list_secrets_dates_and_tags_the_values_it_lists() {
    let tree = Tree::new();
    fake_tool(
        &tree,
        "aws",
        &format!(
            r#"case "$2" in
  list-secrets) cat "{list}" ;;
  batch-get-secret-value) cat "{get}" ;;
esac"#,
            list = fixture("aws/list-secrets.json").display(),
            get = fixture("aws/batch-get-secret-value.json").display()
        ),
    );
    let (code, err) = run_checked(
        &tree,
        &["vault", "fingerprint", "--from", "aws", "-o", "x.fp"],
        &plaintexts(&fixture("aws/batch-get-secret-value.json")),
    );
    assert_eq!(code, 0, "{err}");
    // (prod/db's value is guessable: a fingerprint file leaves it out.)
    let list = entries(&tree.path().join("x.fp"));
    let key = entry_for(&list, "legacy/signing-key");
    assert_eq!(key["age_from"], "LastRotatedDate", "{key}");
    assert_eq!(key["updated"], "2024-04-24T23:06:40Z");
    assert_eq!(key["created"], "2023-07-04T12:00:00Z");
}
