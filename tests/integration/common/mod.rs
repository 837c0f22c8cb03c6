//! Shared helpers for end-to-end tests: fake credentials and temporary trees.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A tiny deterministic generator, so fake keys differ per test but never come from a real one.
pub struct Fake(u64);

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Fake {
    pub fn new(seed: u64) -> Fake {
        Fake(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn base62(&mut self, len: usize) -> String {
        self.chars(BASE62, len)
    }

    /// A GitHub classic PAT with a valid CRC32 checksum.
    pub fn github_pat(&mut self) -> String {
        let random = self.base62(30);
        let checksum = stray::detect::rules::validators::github_checksum(random.as_bytes());
        format!("ghp_{random}{checksum}")
    }

    pub fn openai_project_key(&mut self) -> String {
        format!("sk-proj-{}T3BlbkFJ{}", self.base62(40), self.base62(40))
    }

    pub fn aws_key_id(&mut self) -> String {
        format!(
            "AKIA{}",
            self.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        )
    }

    pub fn slack_webhook(&mut self) -> String {
        let upper = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        format!(
            "https://hooks.slack.com/services/T{}/B{}/{}",
            self.chars(upper, 10),
            self.chars(upper, 10),
            self.base62(24)
        )
    }

    /// A PEM private key block with a random (not a real key) base64 body.
    pub fn pem_private_key(&mut self) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut pem = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
        for _ in 0..8 {
            pem.push_str(&self.chars(alphabet, 64));
            pem.push('\n');
        }
        pem.push_str("-----END RSA PRIVATE KEY-----");
        pem
    }

    pub fn npm_token(&mut self) -> String {
        format!("npm_{}", self.base62(36))
    }

    pub fn anthropic_key(&mut self) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        format!("sk-ant-api03-{}AA", self.chars(alphabet, 93))
    }

    pub fn groq_key(&mut self) -> String {
        format!("gsk_{}", self.base62(52))
    }

    pub fn stripe_secret_key(&mut self) -> String {
        format!("sk_live_{}", self.base62(48))
    }
}

/// A temporary directory with helpers to write files into it.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }
}

pub fn stray() -> Command {
    let mut cmd = Command::cargo_bin("stray").expect("stray binary is built");
    cmd.env_remove("NO_COLOR");
    // The default inventory database follows these; a test names its own.
    cmd.env_remove("XDG_DATA_HOME");
    cmd.env_remove("STRAY_INVENTORY_DB");
    // A test that validates without its own loopback server must not reach the internet: the
    // discard port on loopback refuses the connection.
    cmd.env("STRAY_TEST_VALIDATION_ENDPOINT", "http://127.0.0.1:9");
    cmd.env_remove("HTTPS_PROXY");
    cmd.env_remove("https_proxy");
    cmd.env_remove("ALL_PROXY");
    cmd
}

/// One entry of a hand-made vault fingerprint file.
pub struct VaultValue<'a> {
    pub secret: &'a str,
    pub item: &'a str,
    pub vault: Option<&'a str>,
    pub owner: Option<&'a str>,
}

/// The JSON of a fingerprint file (as `stray vault fingerprint` writes) whose entries were last
/// set in the vault `days_old` days ago.
pub fn fingerprint_file(values: &[VaultValue], days_old: i64) -> String {
    let updated = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(days_old * 24))
        .expect("timestamp arithmetic");
    let entries: Vec<serde_json::Value> = values
        .iter()
        .map(|v| {
            let mut entry = serde_json::json!({
                "fingerprint": stray::finding::fingerprint(v.secret.as_bytes()),
                "item": v.item,
                "field": "credential",
                "updated": updated.to_string(),
                "format": "fingerprints",
                "guessable": false
            });
            if let Some(vault) = v.vault {
                entry["vault"] = vault.into();
            }
            if let Some(owner) = v.owner {
                entry["owner"] = owner.into();
            }
            entry
        })
        .collect();
    serde_json::json!({
        "stray_fingerprints": 1,
        "created": jiff::Timestamp::now().to_string(),
        "summary": { "written": entries.len(), "omitted_guessable": 0 },
        "entries": entries,
    })
    .to_string()
}

/// Runs stray in `tree` with `args`; returns (exit code, stdout, stderr).
pub fn run_in(tree: &Tree, args: &[&str]) -> (i32, String, String) {
    outcome(
        stray()
            .current_dir(tree.path())
            .args(args)
            .output()
            .expect("stray runs"),
    )
}

/// A finished run as (exit code, stdout, stderr); -1 when a signal ended it.
pub fn outcome(output: std::process::Output) -> (i32, String, String) {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Fails unless a finished run (as [`outcome`] gives it) exited with `code`, naming `what`
/// (the command) with the expected and actual exit and both streams; returns (stdout, stderr).
pub fn expect_code(run: (i32, String, String), code: i32, what: &str) -> (String, String) {
    let (actual, stdout, stderr) = run;
    assert!(
        actual == code,
        "{what}: expected exit {code}, got {actual}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// [`expect_code`] for a finished [`std::process::Output`].
pub fn expect_exit(output: &std::process::Output, code: i32, what: &str) -> (String, String) {
    expect_code(outcome(output.clone()), code, what)
}

/// Runs `stray scan --format json` in `dir` with extra args; returns (exit code, JSON, stderr).
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let output = stray()
        .current_dir(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .expect("stray runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// Every (path, kind) pair in a JSON report, paths with forward slashes.
pub fn places(json: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for finding in json["findings"].as_array().into_iter().flatten() {
        for location in finding["locations"].as_array().into_iter().flatten() {
            out.push((
                location["path"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('\\', "/"),
                location["kind"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out.sort();
    out
}

pub fn paths(json: &serde_json::Value) -> Vec<String> {
    places(json).into_iter().map(|(p, _)| p).collect()
}

/// Runs git in `dir` as Ada (ada@example.org), unsigned and never prompting.
pub fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs")
}

/// [`git`] that must succeed; returns its trimmed standard output.
pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A zip archive (deflated) holding `files` as (name, content).
pub fn zip_bytes(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        writer.start_file(*name, options).expect("start member");
        writer.write_all(content.as_bytes()).expect("write member");
    }
    writer.finish().expect("finish zip").into_inner()
}

/// The texts that must not appear for `secret`: itself and its middle 60% (as written, and as
/// JSON would escape it), and each long line of a multi-line secret.
pub fn fragments(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    let mut out = vec![secret.to_string()];
    let (from, to) = (chars.len() / 5, chars.len() - chars.len() / 5);
    let middle: String = chars[from..to].iter().collect();
    if middle.chars().count() >= 8 {
        out.push(middle.replace('\n', "\\n"));
        out.push(middle.clone());
    }
    for line in middle.lines() {
        if line.len() >= 12 {
            out.push(line.to_string());
        }
    }
    out
}

/// Names `what` and the leaked fragment, never printing the fragment itself in full.
pub fn leaks(secrets: &[String], what: &str, text: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for secret in secrets {
        for fragment in fragments(secret) {
            if memchr::memmem::find(text, fragment.as_bytes()).is_some() {
                found.push(format!(
                    "{what}: holds {} characters of a secret starting {:?}",
                    fragment.chars().count(),
                    fragment.chars().take(4).collect::<String>()
                ));
                break;
            }
        }
    }
    found
}

/// Every text or blob value in every table of the inventory database `db`, named
/// `table.column`.
pub fn database_values(db: &Path) -> Vec<(String, Vec<u8>)> {
    use rusqlite::types::ValueRef;
    let conn = rusqlite::Connection::open(db).expect("open inventory");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("tables");
    assert!(tables.len() >= 4, "{tables:?}");
    let mut values = Vec::new();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            for (i, column) in columns.iter().enumerate() {
                let bytes = match row.get_ref(i).expect("value") {
                    ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
                    _ => continue,
                };
                values.push((format!("{table}.{column}"), bytes));
            }
        }
    }
    values
}

/// The raw bytes of every file in `dir` (a database's directory: the file and whatever
/// journal SQLite left), named after the file.
pub fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("directory")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("file bytes");
            (format!("file {}", path.display()), bytes)
        })
        .collect()
}

/// Whole days from `date` to now, as reconciliation counts them; either of two values when the
/// scan may straddle a day boundary.
pub fn days_since(date: &str) -> [i64; 2] {
    let date: jiff::Timestamp = date.parse().expect("test timestamp");
    let days = (jiff::Timestamp::now().as_second() - date.as_second()).div_euclid(86_400);
    [days, days + 1]
}

/// The vault verdict on the credential found in `path` of a JSON result.
pub fn verdict<'a>(json: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| {
            f["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| l["path"] == path)
        })
        .map(|f| &f["vault"])
        .unwrap_or_else(|| panic!("no finding in {path}: {json:#}"))
}

/// A vault export under `fixtures/vault/` (`bitwarden/export.zip`).
pub fn vault_fixture(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vault")
        .join(relative)
}

/// The format stray detects for a vault fixture, from its path and content.
pub fn detected(relative: &str) -> Option<stray::vault::VaultFormat> {
    let path = vault_fixture(relative);
    stray::vault::detect(&path, &std::fs::read(&path).expect("fixture exists"))
}
