//! Reading a vault straight from its CLI (`--vault op:Engineering`, `vault fingerprint --from
//! bw`): fake `op`, `bw` and `doppler` scripts, first on PATH, print recorded output; the
//! result must match the export route, and no plaintext may reach a file, stdout or stderr.

#![cfg(unix)]

use assert_cmd::Command;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{Tree, leaks, outcome, stray};
use serde_json::Value;

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vault")
        .join(relative)
}

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
