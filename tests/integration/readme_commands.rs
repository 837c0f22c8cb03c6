//! README.md and the guides in docs/ cannot drift from the binary: every command of their ```sh
//! blocks runs, verbatim (through bash, with `stray` on `PATH`), on a fixture home built here from
//! fake keys, and every output they show is compared in shape with what stray prints for the same
//! scenario. Every `docs/*.md` is read, so a page added there is checked without a change here.
//!
//! A command passes when it exits 0 or 1 (1 is "credentials found"): exit 2 means the
//! documentation shows a command that is refused or fails. An output passes when, after normalising redacted
//! values, fingerprints, dates, sizes and numbers, it has the same lines in the same order as
//! the documentation's example.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{
    Fake, Tree, VaultValue, expect_code, fingerprint_file, git_ok, outcome, stray, zip_bytes,
};
use regex::Regex;

/// The documents whose blocks are checked: README.md, then every `docs/*.md` by name, as
/// (path relative to the repository, text).
fn documents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |relative: &str| {
        std::fs::read_to_string(root.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    };
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("read docs/")
        .map(|entry| entry.expect("a docs/ entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_string))
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    assert!(
        docs.len() >= 10,
        "docs/ holds only {docs:?}: is the documentation there?"
    );
    std::iter::once("README.md".to_string())
        .chain(docs)
        .map(|relative| {
            let text = read(&relative);
            (relative, text)
        })
        .collect()
}

/// The inventory's clock for the transcripts of recorded scans ("as of 2026-11-28").
const TRANSCRIPT_NOW: &str = "2026-11-28T09:00:00Z";

/// One fenced block of a document.
struct Block {
    /// The document it is in (`README.md`, `docs/vault.md`, …).
    file: String,
    /// The info string after the opening fence (`sh`, `toml`, empty, …).
    lang: String,
    /// 1-based line number of the first line inside the fence.
    line: usize,
    lines: Vec<String>,
    /// The nearest `##`/`###` heading above the block, in its own document.
    heading: String,
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    for (file, text) in documents() {
        let mut heading = String::new();
        let mut open: Option<Block> = None;
        for (index, line) in text.lines().enumerate() {
            if let Some(fence) = line.strip_prefix("```") {
                match open.take() {
                    Some(block) => out.push(block),
                    None => {
                        open = Some(Block {
                            file: file.clone(),
                            lang: fence.trim().to_string(),
                            line: index + 2,
                            lines: Vec::new(),
                            heading: heading.clone(),
                        })
                    }
                }
            } else if let Some(block) = open.as_mut() {
                block.lines.push(line.to_string());
            } else if line.starts_with("## ") || line.starts_with("### ") {
                heading = line.trim_start_matches('#').trim().to_string();
            }
        }
        assert!(open.is_none(), "{file} has an unclosed code fence");
    }
    out
}

/// `line` without a trailing `# comment` (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line[..at].trim_end(),
            _ => {}
        }
        previous = c;
    }
    line.trim_end()
}

/// What the test does with one line of a ```sh block.
enum Line {
    /// Run it (the text to give bash).
    Run(String),
    /// Not a stray command; the reason it is not run.
    Skip(&'static str),
}

/// Lines of ```sh blocks that are not stray commands, by prefix, and why they are not run.
const NOT_STRAY: &[(&str, &str)] = &[
    (
        "cargo ",
        "the Rust toolchain (build, test, bench, fuzz), not stray",
    ),
    ("bw ", "the Bitwarden CLI makes the export; not stray"),
    (
        "scripts/",
        "benchmark scripts: minutes of work on generated corpora",
    ),
    ("fuzz/", "fuzzing: hours of work"),
    ("JOBS=", "fuzzing: hours of work"),
    ("RUSTC_BOOTSTRAP=", "fuzzing: hours of work"),
];

/// Classifies one line of a ```sh block; `at` (`FILE:LINE`) names it in a panic.
fn classify(line: &str, at: &str) -> Line {
    let line = strip_comment(line.trim());
    // `cargo run --release -- ARGS` is `stray ARGS` with a build in front.
    if let Some(args) = line.strip_prefix("cargo run --release -- ") {
        return Line::Run(format!("stray {args}"));
    }
    if line.starts_with("stray ") || line.contains("| stray ") {
        return Line::Run(line.to_string());
    }
    match NOT_STRAY
        .iter()
        .find(|(prefix, _)| line.starts_with(prefix))
    {
        Some((_, why)) => Line::Skip(why),
        None => panic!(
            "{at}: the documentation shows a command this test does not know: {line:?}; run it \
             (it starts with `stray `) or add its prefix to NOT_STRAY with the reason"
        ),
    }
}

/// Where a command runs: working directory, `$HOME`, default inventory database, clock.
struct Place {
    cwd: PathBuf,
    home: PathBuf,
    db: PathBuf,
    now: Option<&'static str>,
}

fn stray_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("stray")
        .parent()
        .expect("the stray binary has a directory")
        .to_path_buf()
}

fn jq_installed() -> bool {
    std::process::Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs one documented command line through bash at `place`; returns (exit, stdout, stderr).
fn bash(place: &Place, line: &str) -> (i32, String, String) {
    let path = format!(
        "{}:{}",
        stray_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = assert_cmd::Command::new("bash");
    cmd.arg("-c")
        .arg(format!("set -o pipefail; {line}"))
        .current_dir(&place.cwd)
        .env("PATH", path)
        .env("HOME", &place.home)
        .env("STRAY_INVENTORY_DB", &place.db)
        .env("STRAY_MACHINE", "laptop-ada")
        .env("USER", "ada")
        .env("LOGNAME", "ada")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("XDG_DATA_HOME")
        .env_remove("NO_COLOR")
        .env_remove("STRAY_NOW")
        .write_stdin("")
        .timeout(Duration::from_secs(30));
    if let Some(now) = place.now {
        cmd.env("STRAY_NOW", now);
    }
    outcome(cmd.output().expect("bash runs"))
}

/// Runs stray (not through the documentation) to build a fixture; it must not fail.
fn setup(place: &Place, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = stray();
    cmd.current_dir(&place.cwd)
        .env("HOME", &place.home)
        .env("STRAY_MACHINE", "laptop-ada")
        .env("USER", "ada")
        .args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let (code, stdout, stderr) = outcome(cmd.output().expect("stray runs"));
    assert!(
        code == 0 || code == 1,
        "fixture step `stray {}` exited {code}: {stderr}",
        args.join(" ")
    );
    stdout
}

/// The first 12 hex characters of the SHA-256 of `secret`, as reports show it.
fn fingerprint_prefix(secret: &str) -> String {
    stray::finding::fingerprint(secret.as_bytes())[..12].to_string()
}

fn write(root: &Path, relative: &str, content: impl AsRef<[u8]>) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
    std::fs::write(&path, content).expect("write fixture file");
}

fn repo_fixture(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vault")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The documentation's own rule-pack example (the ```toml block with `[[rules]]`, in
/// docs/rules.md).
fn readme_rule_pack() -> String {
    blocks()
        .into_iter()
        .find(|b| b.lang == "toml" && b.lines.iter().any(|l| l == "[[rules]]"))
        .expect("the documentation shows a rule pack")
        .lines
        .join("\n")
}

fn mcp_json(server: &str, key: &str) -> String {
    format!(
        "{{\n  \"mcpServers\": {{\n    \"{server}\": {{\n      \"command\": \"npx\",\n      \"env\": {{\n        \"OPENAI_API_KEY\": \"{key}\"\n      }}\n    }}\n  }}\n}}\n"
    )
}

/// The files of the shared-key example in "Step 2: one credential per agent" (docs/governance.md): one OpenAI key
/// read by Claude Code, Cursor and a GitHub Actions workflow, owned through `.stray.toml`.
fn write_shared_key(root: &Path, key: &str) {
    write(
        root,
        "home/.claude.json",
        format!(
            "{{\n  \"mcpServers\": {{\n    \"docs\": {{\n      \"env\": {{ \"OPENAI_API_KEY\": \"{key}\" }}\n    }}\n  }}\n}}\n"
        ),
    );
    write(
        root,
        "home/.cursor/mcp.json",
        format!(
            "{{\n  \"mcpServers\": {{\n    \"openai\": {{\n      \"command\": \"npx\",\n      \"env\": {{ \"OPENAI_API_KEY\": \"{key}\" }}\n    }}\n  }}\n}}\n"
        ),
    );
    write(
        root,
        "repo/.github/workflows/nightly.yml",
        format!(
            "name: nightly\non: push\njobs:\n  eval:\n    env:\n      OPENAI_API_KEY: {key}\n    runs-on: ubuntu-latest\n"
        ),
    );
    write(
        root,
        ".stray.toml",
        "[owners]\n\"provider:openai\" = \"ada@acme.io\"\n",
    );
}

/// The fixture home for the ```sh blocks, and the substitutions for the documentation's
/// placeholders.
struct Home {
    _tree: Tree,
    place: Place,
    substitutions: Vec<(&'static str, String)>,
}

fn fixture_home() -> Home {
    let tree = Tree::new();
    let cwd = tree.path().join("work");
    let home = cwd.join("home");
    let mut fake = Fake::new(12);
    let github = fake.github_pat();
    let shared = fake.openai_project_key();
    let project = fake.openai_project_key();
    let npm = fake.npm_token();

    write(&cwd, ".env", format!("GITHUB_TOKEN={github}\n"));
    write(
        &home,
        ".zshrc",
        format!("# zsh\nexport PATH=\"$HOME/bin:$PATH\"\nexport GITHUB_TOKEN={github}\n"),
    );
    write(&home, ".env", format!("NPM_TOKEN={npm}\n"));
    write_shared_key(&cwd, &shared);
    write(
        &home,
        "work/api/.env",
        format!("OPENAI_API_KEY={project}\n"),
    );
    write(&home, "work/api/server.log", "started\n");
    write(
        &home,
        "Downloads/export.zip",
        zip_bytes(&[(
            "channel/2024-04-25.json",
            &format!(
                "[{{\"type\": \"message\", \"text\": \"token {}\"}}]\n",
                fake.github_pat()
            ),
        )]),
    );
    write(&cwd, "team-rules/acme.toml", readme_rule_pack());
    write(&cwd, "pasted.txt", format!("OPENAI_API_KEY={project}\n"));

    // Vault exports the documentation names, from the repository's fake exports.
    write(
        &cwd,
        "bitwarden_export.json",
        repo_fixture("bitwarden/personal.json"),
    );
    write(&cwd, "export.json", repo_fixture("bitwarden/personal.json"));
    write(
        &home,
        "secure/bitwarden.json",
        repo_fixture("bitwarden/personal.json"),
    );
    write(
        &cwd,
        "op-export.1pux",
        repo_fixture("1password/export.1pux"),
    );
    write(&cwd, "doppler.json", repo_fixture("doppler/secrets.json"));

    // A repository with history: one commit on origin/main, one on top (a pull request).
    git_ok(&cwd, &["init", "-q", "-b", "main"]);
    write(
        &cwd,
        "src/config.py",
        format!("TOKEN = \"{}\"\n", fake.github_pat()),
    );
    git_ok(&cwd, &["add", "src/config.py", ".stray.toml"]);
    git_ok(&cwd, &["commit", "-q", "-m", "config"]);
    git_ok(&cwd, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    write(
        &cwd,
        "src/deploy.sh",
        format!("export NPM_TOKEN={}\n", fake.npm_token()),
    );
    git_ok(&cwd, &["add", "src/deploy.sh"]);
    git_ok(&cwd, &["commit", "-q", "-m", "deploy"]);

    let place = Place {
        db: tree.path().join("data/inventory.db"),
        cwd,
        home,
        now: None,
    };

    // The vault export made into a fingerprint file, from a dotenv export kept outside the tree.
    write(
        tree.path(),
        "secure/vault.env",
        format!("OPENAI_API_KEY={project}\n"),
    );
    let export = tree.path().join("secure/vault.env");
    let export = export.to_str().expect("UTF-8 temp path");
    setup(
        &place,
        &["vault", "fingerprint", export, "-o", "vault.fp"],
        &[],
    );
    // Two laptops' results for `merge` and `inventory import`.
    for machine in ["ada", "bob"] {
        let out = format!("{machine}.json");
        let host = format!("laptop-{machine}");
        setup(
            &place,
            &["scan", "home", "--format", "json", "-o", &out],
            &[("STRAY_MACHINE", &host), ("USER", machine)],
        );
    }
    let expires = expiry_date();
    setup(
        &place,
        &[
            "baseline",
            "create",
            "-o",
            ".stray-baseline.json",
            "--owner",
            "ada",
            "--reason",
            "fixture",
        ],
        &[],
    );
    let db = place.db.to_str().expect("UTF-8 temp path").to_string();
    setup(&place, &["scan", ".", &format!("--record={db}")], &[]);

    Home {
        _tree: tree,
        place,
        substitutions: vec![
            // `pbpaste` is the macOS clipboard; the fixture's pasted text stands in for it.
            ("pbpaste", "cat pasted.txt".to_string()),
            // The docs' fingerprint prefix of their shared OpenAI key; the fixture's own key.
            ("8f3653627746", fingerprint_prefix(&shared)),
            // A baseline refuses an expiry date in the past, and the documented date will pass.
            ("--expires 2027-03-01", format!("--expires {expires}")),
        ],
    }
}

/// A date a year from now, for `baseline create --expires`.
fn expiry_date() -> String {
    let later = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(365 * 24))
        .expect("timestamp arithmetic");
    later.to_string()[..10].to_string()
}

fn apply(substitutions: &[(&'static str, String)], line: &str) -> String {
    let mut line = substitutions
        .iter()
        .fold(line.to_string(), |line, (from, to)| line.replace(from, to));
    if !jq_installed() {
        if let Some(at) = line.find(" | jq ") {
            line.truncate(at);
        }
    }
    line
}

#[test]
fn every_command_in_the_readme_and_docs_runs() {
    let home = fixture_home();
    let mut ran = 0;
    let mut failures = Vec::new();
    for block in blocks().iter().filter(|b| b.lang == "sh") {
        for (offset, text) in block.lines.iter().enumerate() {
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let at = format!("{}:{}", block.file, block.line + offset);
            let command = match classify(trimmed, &at) {
                Line::Run(command) => command,
                Line::Skip(why) => {
                    eprintln!("{at}: not run ({why}): {trimmed}");
                    continue;
                }
            };
            let command = apply(&home.substitutions, &command);
            let (code, stdout, stderr) = bash(&home.place, &command);
            ran += 1;
            if code != 0 && code != 1 {
                failures.push(format!(
                    "{at}: `{command}` exited {code}\nstderr: {stderr}stdout: {}",
                    stdout.chars().take(2000).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} documented commands failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        ran >= 40,
        "only {ran} documented commands found: is the parser broken?"
    );
}

/// Replaces what differs from run to run (and between the documented scenario and the fixture)
/// with placeholders: redacted values, fingerprints, dates, sizes, numbers.
fn normalise(text: &str) -> Vec<String> {
    let rules = [
        (r"[^\s,…\[\]()]{0,4}…[^\s,…\[\]()]{0,4}", "‹secret›"),
        (r"\b[0-9a-f]{12,64}\b", "‹fp›"),
        (r"\d{4}-\d{2}-\d{2}(T[0-9:.]+Z)?", "‹date›"),
        (r"\d+(\.\d+)? (B|KiB|MiB|GiB)\b", "‹size›"),
        (r"\d+(\.\d+)?", "‹n›"),
    ]
    .map(|(pattern, to)| (Regex::new(pattern).expect("normalising regex"), to));
    text.lines()
        .map(|line| {
            rules
                .iter()
                .fold(line.trim_end().to_string(), |line, (re, to)| {
                    re.replace_all(&line, *to).into_owned()
                })
        })
        .collect()
}

/// A scenario that reproduces one of the documentation's examples.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Scenario {
    /// README "Usage": a GitHub PAT in `.env` and `home/.zshrc`, an OpenAI key in `.cursor/mcp.json`.
    Usage,
    /// docs/vault.md "Worked example": `fixtures/vault/bitwarden/personal.json` and a home with its OpenAI key
    /// in `code/api/.env`, an unknown GitHub PAT in `.zshrc` and a 1Password reference.
    Bitwarden,
    /// docs/inventory.md "Living inventory" and "Metrics": three recorded scans of a home (2026-11-01, -08, -20).
    Inventory,
    /// docs/governance.md "Step 2": one OpenAI key shared by Claude Code, Cursor and a workflow.
    Shared,
}

/// Where a shown output comes from.
enum Source {
    /// A `$ command` transcript: the block's own commands.
    Transcript,
    /// The block shows what this command prints on standard output.
    Stdout(&'static str),
    /// The block shows the file this command writes.
    File(&'static str, &'static str),
}

/// Every output block of the documentation (a fence without a language), by its file, its
/// heading and its index under that heading: the scenario that reproduces it and where the
/// output comes from.
const SHOWN: &[(&str, &str, usize, Scenario, Source)] = &[
    (
        "README.md",
        "Usage",
        0,
        Scenario::Usage,
        Source::Stdout("stray scan"),
    ),
    (
        "docs/vault.md",
        "Worked example: from a Bitwarden export to the inventory",
        0,
        Scenario::Bitwarden,
        Source::Stdout("stray scan home --vault ~/secure/bitwarden.json"),
    ),
    (
        "docs/vault.md",
        "Worked example: from a Bitwarden export to the inventory",
        1,
        Scenario::Bitwarden,
        Source::File(
            "stray scan home --vault ~/secure/bitwarden.json --format inventory -o inventory.csv",
            "inventory.csv",
        ),
    ),
    (
        "docs/inventory.md",
        "Recording: `--record[=DB]`",
        0,
        Scenario::Inventory,
        Source::Transcript,
    ),
    (
        "docs/inventory.md",
        "Metrics",
        0,
        Scenario::Inventory,
        Source::Transcript,
    ),
    (
        "docs/governance.md",
        "Step 2: one credential per agent",
        0,
        Scenario::Shared,
        Source::Stdout("stray scan home repo"),
    ),
];

fn scenario(kind: Scenario, tree: &Tree) -> Place {
    let root = tree.path().join(format!("{kind:?}").to_lowercase());
    let cwd = root.join("cwd");
    let place = Place {
        home: root.join("user"),
        db: root.join("default.db"),
        cwd: cwd.clone(),
        now: None,
    };
    std::fs::create_dir_all(&place.home).expect("create home");
    match kind {
        Scenario::Usage => {
            let mut fake = Fake::new(1);
            let github = fake.github_pat();
            write(&cwd, ".env", format!("GITHUB_TOKEN={github}\n"));
            write(
                &cwd,
                "home/.zshrc",
                format!("# zsh\nexport EDITOR=vim\nexport GITHUB_TOKEN={github}\n"),
            );
            write(
                &cwd,
                ".cursor/mcp.json",
                mcp_json("openai", &fake.openai_project_key()),
            );
        }
        Scenario::Bitwarden => {
            let export = repo_fixture("bitwarden/personal.json");
            write(&place.home, "secure/bitwarden.json", &export);
            let json: serde_json::Value =
                serde_json::from_slice(&export).expect("the Bitwarden fixture is JSON");
            let notes = json["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|item| item["name"] == "OpenAI keys")
                .and_then(|item| item["notes"].as_str())
                .expect("the fixture's OpenAI keys item has notes");
            let line = notes
                .lines()
                .find(|l| l.starts_with("OPENAI_API_KEY="))
                .expect("the notes hold an OPENAI_API_KEY line");
            write(&cwd, "home/code/api/.env", format!("{line}\n"));
            write(
                &cwd,
                "home/code/api/.env.tpl",
                "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
            );
            let github = Fake::new(2).github_pat();
            write(
                &cwd,
                "home/.zshrc",
                format!("# zsh\nexport EDITOR=vim\nexport GITHUB_TOKEN={github}\n"),
            );
        }
        Scenario::Inventory => {
            let mut fake = Fake::new(3);
            let (kept, removed) = (fake.npm_token(), fake.npm_token());
            // docs/inventory.md lists the vaulted key first: same rule, so by fingerprint.
            let mut openai = [fake.openai_project_key(), fake.openai_project_key()];
            openai.sort_by_key(|key| stray::finding::fingerprint(key.as_bytes()));
            let [vaulted, late] = openai;
            let npmrc = |token: &str| format!("//registry.npmjs.org/:_authToken={token}\n");
            write(
                &cwd,
                "vault.fp",
                fingerprint_file(
                    &[VaultValue {
                        secret: &vaulted,
                        item: "OpenAI prod",
                        vault: Some("Engineering"),
                        owner: None,
                    }],
                    10,
                ),
            );
            write(&cwd, "home/.npmrc", npmrc(&kept));
            write(&cwd, "home/.config/npmrc-backup", npmrc(&removed));
            write(&cwd, "home/code/web/.npmrc", npmrc(&removed));
            write(
                &cwd,
                "home/code/api/.env",
                format!("OPENAI_API_KEY={vaulted}\n"),
            );
            let record = |now: &str| {
                setup(
                    &place,
                    &["scan", "home", "--vault", "vault.fp", "--record=inv.db"],
                    &[("STRAY_NOW", now)],
                )
            };
            record("2026-11-01T09:00:00Z");
            write(
                &cwd,
                "home/code/api/.env.local",
                format!("OPENAI_API_KEY={late}\n"),
            );
            record("2026-11-08T09:00:00Z");
            std::fs::remove_file(cwd.join("home/.config/npmrc-backup")).expect("remove");
            std::fs::remove_file(cwd.join("home/code/web/.npmrc")).expect("remove");
            write(
                &cwd,
                "home/code/api/.env.tpl",
                "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
            );
            record("2026-11-20T09:00:00Z");
            return Place {
                now: Some(TRANSCRIPT_NOW),
                ..place
            };
        }
        Scenario::Shared => write_shared_key(&cwd, &Fake::new(4).openai_project_key()),
    }
    place
}

/// (command, expected output) pairs of a `$ command` transcript.
fn transcript(lines: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        if let Some(command) = line.strip_prefix("$ ") {
            out.push((command.to_string(), String::new()));
        } else {
            let (_, expected) = out
                .last_mut()
                .expect("a transcript starts with a `$ command` line");
            expected.push_str(line);
            expected.push('\n');
        }
    }
    for (_, expected) in &mut out {
        let trimmed = expected.trim_end().len();
        expected.truncate(trimmed);
    }
    out
}

#[test]
fn every_output_in_the_readme_and_docs_has_the_shape_stray_prints() {
    let tree = Tree::new();
    let mut places: BTreeMap<Scenario, Place> = BTreeMap::new();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for block in blocks().iter().filter(|b| b.lang.is_empty()) {
        let index = seen
            .entry((block.file.clone(), block.heading.clone()))
            .or_default();
        let (_, _, _, kind, source) = SHOWN
            .iter()
            .find(|(file, heading, i, _, _)| {
                *file == block.file && *heading == block.heading && i == index
            })
            .unwrap_or_else(|| {
                panic!(
                    "{}:{}: output block {index} under \"{}\" is not in SHOWN: say which \
                     scenario and command reproduce it (a diagram or other text that is not an \
                     output goes in a ```text fence)",
                    block.file, block.line, block.heading
                )
            });
        *index += 1;
        let place = places
            .entry(*kind)
            .or_insert_with(|| scenario(*kind, &tree));
        let runs = match source {
            Source::Transcript => transcript(&block.lines),
            Source::Stdout(command) | Source::File(command, _) => vec![(
                command.to_string(),
                block.lines.join("\n").trim_end().to_string(),
            )],
        };
        for (command, expected) in runs {
            let (code, stdout, stderr) = bash(place, &command);
            let actual = match source {
                Source::File(_, file) => std::fs::read_to_string(place.cwd.join(file))
                    .unwrap_or_else(|e| panic!("`{command}` wrote no {file}: {e}; {stderr}")),
                _ => stdout,
            };
            checked += 1;
            let (want, got) = (normalise(&expected), normalise(actual.trim_end()));
            if code == 2 || want != got {
                let diff: Vec<String> = (0..want.len().max(got.len()))
                    .filter(|&i| want.get(i) != got.get(i))
                    .map(|i| {
                        format!(
                            "  line {}:\n    docs:  {}\n    stray: {}",
                            i + 1,
                            want.get(i).map_or("(none)", String::as_str),
                            got.get(i).map_or("(none)", String::as_str)
                        )
                    })
                    .collect();
                failures.push(format!(
                    "{}:{} (under \"{}\"): `{command}` (exit {code}) prints another \
                     shape than the documentation shows:\n{}\nstray printed:\n{actual}\nstderr: {stderr}",
                    block.file,
                    block.line,
                    block.heading,
                    diff.join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} documented outputs differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn comments_are_stripped_outside_quotes_only() {
    assert_eq!(
        strip_comment("stray scan   # the current directory"),
        "stray scan"
    );
    assert_eq!(
        strip_comment("stray scan ~ --exclude '#*.log' # x"),
        "stray scan ~ --exclude '#*.log'"
    );
    assert_eq!(strip_comment("stray scan a#b"), "stray scan a#b");
}

#[test]
fn normalising_keeps_fixed_words() {
    assert_eq!(
        normalise("github github-classic-pat ghp_…Xl3a  2 places  4f1c2a9e0b7d"),
        ["github github-classic-pat ‹secret›  ‹n› places  ‹fp›"]
    );
    assert_eq!(
        normalise("2 credentials in 3 places; 1204 files (38.2 MiB) scanned, in 41 ms"),
        ["‹n› credentials in ‹n› places; ‹n› files (‹size›) scanned, in ‹n› ms"]
    );
}

/// The runbook page for the shared key in docs/governance.md, as stray prints it: the Markdown
/// between this line and the next `##` section (or the end of the file).
const RUNBOOK_INTRO: &str =
    "A page of the runbook for the shared key above (`stray runbook home repo`):";

#[test]
fn the_runbook_page_in_the_docs_is_what_stray_writes() {
    let (file, text) = documents()
        .into_iter()
        .find(|(_, text)| text.contains(RUNBOOK_INTRO))
        .expect("a document introduces the runbook page");
    let start = text.find(RUNBOOK_INTRO).expect("found above") + RUNBOOK_INTRO.len();
    let end = text[start..]
        .find("\n## ")
        .map_or(text.len(), |at| at + start);
    // The page is nested one heading level below the runbook's own (`##` → `###`).
    let expected: String = text[start..end]
        .trim()
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if rest.starts_with("##") => format!("{rest}\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    let tree = Tree::new();
    let place = scenario(Scenario::Shared, &tree);
    let command = "stray runbook home repo";
    let (stdout, _) = expect_code(bash(&place, command), 0, &format!("`{command}`"));
    // The document's header and index come first; the page starts at its first `## ` heading.
    let page = stdout
        .find("\n## ")
        .map(|at| &stdout[at + 1..])
        .unwrap_or_else(|| panic!("`{command}` wrote no credential page:\n{stdout}"));
    let (want, got) = (normalise(&expected), normalise(page.trim_end()));
    assert!(
        want == got,
        "{file}'s runbook page (after \"{RUNBOOK_INTRO}\") is not what `{command}` writes \
         for the shared-key scenario.\n{file} (normalised):\n{}\n\nstray (normalised):\n{}\n\n\
         stray wrote:\n{stdout}",
        want.join("\n"),
        got.join("\n")
    );
}
