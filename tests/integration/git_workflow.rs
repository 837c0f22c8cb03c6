//! The pre-commit hook, history scans and the CI job, on real git repositories in temp dirs.

use std::path::Path;
use std::process::Command;

use crate::common::{Fake, Tree, expect_exit, git, git_ok, scan_json, stray};
use serde_json::Value;

fn repo() -> Tree {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q", "-b", "main"]);
    tree.write("README.md", "# app\n");
    git_ok(tree.path(), &["add", "."]);
    git_ok(tree.path(), &["commit", "-q", "-m", "init"]);
    tree
}

#[test]
fn staged_scan_reports_added_lines_of_the_index_only() {
    let tree = repo();
    let mut fake = Fake::new(51);
    let old = fake.github_pat();
    tree.write("config.env", format!("OLD_TOKEN={old}\n"));
    git_ok(tree.path(), &["add", "."]);
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "old key"],
    );

    // An unrelated change to the file with the old key: nothing new is added.
    tree.write("config.env", format!("OLD_TOKEN={old}\nLOG_LEVEL=debug\n"));
    git_ok(tree.path(), &["add", "config.env"]);
    let (code, json, _) = scan_json(tree.path(), &["--staged"]);
    assert_eq!(code, 0, "{json}");

    // A new key on line 3 of the staged version; the working tree then changes again.
    let new = fake.openai_project_key();
    tree.write(
        "config.env",
        format!("OLD_TOKEN={old}\nLOG_LEVEL=debug\nOPENAI_API_KEY={new}\n"),
    );
    git_ok(tree.path(), &["add", "config.env"]);
    tree.write("config.env", "nothing here any more\n");
    let (code, json, _) = scan_json(tree.path(), &["--staged"]);
    assert_eq!(code, 1);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["rule"], "openai-project-key");
    assert_eq!(findings[0]["locations"][0]["path"], "config.env");
    assert_eq!(findings[0]["locations"][0]["line"], 3);
}

#[test]
fn the_hook_blocks_a_commit_that_adds_a_key() {
    let tree = repo();
    let output = stray()
        .current_dir(tree.path())
        .args(["hook", "install"])
        .output()
        .expect("stray runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    tree.write(
        "app/.env",
        format!("GITHUB_TOKEN={}\n", Fake::new(52).github_pat()),
    );
    git_ok(tree.path(), &["add", "."]);
    let commit = git(tree.path(), &["commit", "-q", "-m", "add env"]);
    assert!(!commit.status.success(), "the hook must block the commit");
    let stderr = String::from_utf8_lossy(&commit.stderr);
    assert!(stderr.contains("github-classic-pat"), "{stderr}");
    assert!(stderr.contains("--no-verify"), "{stderr}");
    assert_eq!(git_ok(tree.path(), &["rev-list", "--count", "HEAD"]), "1");

    // A clean commit passes through the hook.
    git_ok(tree.path(), &["reset", "-q"]);
    tree.write("docs.md", "no keys\n");
    git_ok(tree.path(), &["add", "docs.md"]);
    git_ok(tree.path(), &["commit", "-q", "-m", "docs"]);
    assert_eq!(git_ok(tree.path(), &["rev-list", "--count", "HEAD"]), "2");
}

#[cfg(unix)]
#[test]
fn hook_install_refuses_or_chains_an_existing_hook() {
    use std::os::unix::fs::PermissionsExt;
    let tree = repo();
    let hook = tree.path().join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\ntouch \"$(git rev-parse --show-toplevel)/ran-before\"\n",
    )
    .expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let output = stray()
        .current_dir(tree.path())
        .args(["hook", "install"])
        .output()
        .expect("runs");
    let (_, stderr) = expect_exit(&output, 2, "stray hook install");
    assert!(stderr.contains("--force"), "{stderr}");
    let output = stray()
        .current_dir(tree.path())
        .args(["hook", "install", "--force"])
        .output()
        .expect("runs");
    expect_exit(&output, 0, "stray hook install --force");
    tree.write("notes.md", "fine\n");
    git_ok(tree.path(), &["add", "notes.md"]);
    git_ok(tree.path(), &["commit", "-q", "-m", "notes"]);
    assert!(
        tree.path().join("ran-before").exists(),
        "the chained hook ran"
    );
    // Installing again replaces stray's own hook and keeps the chain.
    let output = stray()
        .current_dir(tree.path())
        .args(["hook", "install"])
        .output()
        .expect("runs");
    expect_exit(&output, 0, "stray hook install");
}

#[test]
fn history_finds_a_key_removed_two_commits_later_with_its_commit() {
    let tree = repo();
    let key = Fake::new(53).github_pat();
    tree.write(
        "deploy.sh",
        format!("#!/bin/sh\nexport GITHUB_TOKEN={key}\n./deploy\n"),
    );
    git_ok(tree.path(), &["add", "."]);
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "deploy script"],
    );
    let introduced = git_ok(tree.path(), &["rev-parse", "HEAD"]);
    tree.write(
        "deploy.sh",
        format!("#!/bin/sh\nexport GITHUB_TOKEN={key}\n./deploy --prod\n"),
    );
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-am", "prod"]);
    tree.write("deploy.sh", "#!/bin/sh\n./deploy --prod\n");
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-am", "remove key"],
    );

    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "the working tree is clean");
    let (code, json_git, _) = scan_json(tree.path(), &["--git"]);
    assert_eq!(code, 1, "{json}");
    let locations = json_git["findings"][0]["locations"]
        .as_array()
        .expect("locations");
    assert_eq!(
        locations.len(),
        1,
        "one place: the commit that introduced it"
    );
    assert_eq!(locations[0]["path"], "deploy.sh");
    assert_eq!(locations[0]["line"], 2);
    assert_eq!(locations[0]["commit"]["id"], introduced.as_str());
    assert_eq!(locations[0]["commit"]["author"], "Ada");
    assert!(
        locations[0]["commit"]["author_date"]
            .as_str()
            .is_some_and(|d| d.len() >= 20)
    );

    // A pull-request range after the key was introduced does not see it.
    let range = format!("--git={introduced}..HEAD");
    let (code, _, _) = scan_json(tree.path(), &[&range]);
    assert_eq!(code, 0);
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "--git=no-such-branch..HEAD"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan --git=no-such-branch..HEAD");
    assert!(stderr.contains("no-such-branch"), "{stderr}");
}

/// Runs scripts/ci-scan.sh, the command action.yml and the GitLab job run.
fn ci(dir: &Path, base: &str, vault: Option<&str>) -> (i32, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ci-scan.sh");
    let mut command = Command::new("bash");
    command
        .current_dir(dir)
        .arg(script)
        .env("STRAY", assert_cmd::cargo::cargo_bin("stray"))
        .env("STRAY_BASE", base)
        .env("STRAY_SARIF", dir.join("stray.sarif"));
    if let Some(vault) = vault {
        command.env("STRAY_VAULT_FP", vault);
    }
    let output = command.output().expect("bash runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn ci_job_fails_on_unvaulted_keys_in_the_pull_request_and_tells_errors_apart() {
    let tree = repo();
    let base = git_ok(tree.path(), &["rev-parse", "HEAD"]);
    let mut fake = Fake::new(54);
    let vaulted = fake.npm_token();
    let stray_key = fake.github_pat();
    tree.write("vault-export.env", format!("NPM_TOKEN={vaulted}\n"));
    let output = stray()
        .current_dir(tree.path())
        .args(["vault", "fingerprint", "vault-export.env", "-o", "vault.fp"])
        .output()
        .expect("runs");
    expect_exit(
        &output,
        0,
        "stray vault fingerprint vault-export.env -o vault.fp",
    );
    std::fs::remove_file(tree.path().join("vault-export.env")).expect("remove export");

    // The pull request adds a vaulted key (a stray copy): the default CI policy passes.
    tree.write(
        ".npmrc",
        format!("//registry.npmjs.org/:_authToken={vaulted}\n"),
    );
    git_ok(tree.path(), &["add", ".npmrc"]);
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-m", "npmrc"]);
    let (code, log) = ci(tree.path(), &base, Some("vault.fp"));
    assert_eq!(code, 0, "{log}");

    // Then an unvaulted key: exit 1, with SARIF for code scanning.
    tree.write("ci.env", format!("GITHUB_TOKEN={stray_key}\n"));
    git_ok(tree.path(), &["add", "ci.env"]);
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "ci env"],
    );
    let (code, log) = ci(tree.path(), &base, Some("vault.fp"));
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("credentials outside the vault"), "{log}");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(tree.path().join("stray.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "github-classic-pat"));

    // A broken vault file is a tool error (2), not a finding.
    tree.write("broken.fp", "{not json");
    let (code, log) = ci(tree.path(), &base, Some("broken.fp"));
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("could not run"), "{log}");
}

/// The `owner` of the finding of `rule` in a JSON result.
fn owner(json: &Value, rule: &str) -> Value {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == rule)
        .map(|f| f["owner"].clone())
        .unwrap_or_else(|| panic!("no {rule} in {json}"))
}

/// A repository where Ada committed `config/app.yml` holding a GitHub token; the generator
/// goes on from there.
fn repo_with_committed_token(seed: u64) -> (Tree, Fake) {
    let tree = repo();
    let mut fake = Fake::new(seed);
    tree.write(
        "config/app.yml",
        format!("github_token: {}\n", fake.github_pat()),
    );
    git_ok(tree.path(), &["add", "."]);
    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "config"],
    );
    (tree, fake)
}

#[test]
fn in_a_repository_the_author_of_the_line_owns_the_credential() {
    let (tree, mut fake) = repo_with_committed_token(55);
    tree.write(
        "scratch.env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        owner(&json, "github-classic-pat"),
        serde_json::json!({"name": "Ada", "source": "git-blame"})
    );
    assert_eq!(
        owner(&json, "openai-project-key"),
        Value::Null,
        "an untracked file has no author"
    );
}

/// Roots below the top of a checkout: a tracked directory (or file, or one reached through a
/// link) still has its authors; an ignored directory has none to look up.
#[test]
fn a_root_inside_a_checkout_has_authors_only_when_tracked() {
    let (tree, mut fake) = repo_with_committed_token(57);
    tree.write(".gitignore", "build/\n");
    tree.write(
        "build/out.env",
        format!("OPENAI_API_KEY={}\n", fake.openai_project_key()),
    );
    let ada = serde_json::json!({"name": "Ada", "source": "git-blame"});
    for root in ["config", "config/app.yml", "./config/../config"] {
        let (code, json, _) = scan_json(tree.path(), &[root]);
        assert_eq!(code, 1, "{root}");
        assert_eq!(owner(&json, "github-classic-pat"), ada, "{root}: {json}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tree.path().join("config"), tree.path().join("linked"))
            .expect("symlink");
        let (_, json, _) = scan_json(tree.path(), &["linked"]);
        assert_eq!(owner(&json, "github-classic-pat"), ada, "{json}");
    }
    let (code, json, _) = scan_json(tree.path(), &["build"]);
    assert_eq!(code, 1);
    assert_eq!(owner(&json, "openai-project-key"), Value::Null, "{json}");
}

#[cfg(unix)]
#[test]
fn a_checkout_reached_through_a_symlink_still_has_line_authors() {
    let (tree, _) = repo_with_committed_token(56);
    // The scan starts from a linked directory (as macOS /var is /private/var); git reports
    // the resolved root, the walk the linked path.
    let links = Tree::new();
    let linked = links.path().join("checkout");
    std::os::unix::fs::symlink(tree.path(), &linked).expect("symlink");
    let (code, json, _) = scan_json(links.path(), &["checkout"]);
    assert_eq!(code, 1);
    assert_eq!(
        json["findings"][0]["owner"],
        serde_json::json!({"name": "Ada", "source": "git-blame"}),
        "{json}"
    );
}

#[test]
fn one_blame_per_file_names_the_author_of_each_line() {
    let tree = repo();
    let mut fake = Fake::new(57);
    let ada_key = fake.github_pat();
    let bob_key = fake.openai_project_key();
    tree.write("config/app.env", format!("GITHUB_TOKEN={ada_key}\n"));
    git_ok(tree.path(), &["add", "."]);
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-m", "ada"]);
    tree.write(
        "config/app.env",
        format!("GITHUB_TOKEN={ada_key}\nOPENAI_API_KEY={bob_key}\n"),
    );
    git_ok(tree.path(), &["add", "."]);
    git_ok(
        tree.path(),
        &[
            "-c",
            "user.name=Bob",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "bob",
        ],
    );
    tree.write(
        "config/app.env",
        format!("GITHUB_TOKEN={ada_key}\nOPENAI_API_KEY={bob_key}\nNOTE=uncommitted\n"),
    );
    let file = tree.path().join("config/app.env");
    let authors = stray::input::git::blame_authors(&file, &[1, 2, 3]);
    assert_eq!(authors.get(&1).map(String::as_str), Some("Ada"));
    assert_eq!(authors.get(&2).map(String::as_str), Some("Bob"));
    assert_eq!(authors.get(&3), None, "not committed yet");
    // A line past the end does not cost the others their authors.
    let authors = stray::input::git::blame_authors(&file, &[2, 99]);
    assert_eq!(authors.get(&2).map(String::as_str), Some("Bob"));
    assert_eq!(authors.len(), 1);

    // The per-file cache blames a file when first asked, and no file past its limit.
    let tracked = stray::input::git::tracked_files(tree.path()).expect("tracked files");
    let places = [(file.as_path(), 1), (file.as_path(), 2)];
    let authors = stray::input::git::LineAuthors::new(places.into_iter(), tracked.clone(), 1);
    assert_eq!(authors.author(&file, 2).as_deref(), Some("Bob"));
    assert_eq!(authors.author(&file, 7), None, "a line no finding has");
    assert_eq!(authors.files_past_limit(), 0);
    let none = stray::input::git::LineAuthors::new(places.into_iter(), tracked.clone(), 0);
    assert_eq!(none.author(&file, 1), None, "over the file limit");
    assert_eq!(none.author(&file, 2), None);
    assert_eq!(none.files_past_limit(), 1, "one file, asked about twice");
    // Blamed while the tracked files are listed: the same answers, the same limit.
    let listed =
        stray::input::git::LineAuthors::listing(places.into_iter(), || Some(tracked.clone()), 1)
            .expect("a repository");
    assert_eq!(listed.author(&file, 1).as_deref(), Some("Ada"));
    assert_eq!(listed.author(&file, 2).as_deref(), Some("Bob"));
    let untracked =
        stray::input::git::LineAuthors::listing(places.into_iter(), || Some(Default::default()), 1)
            .expect("a repository");
    assert_eq!(
        untracked.author(&file, 2),
        None,
        "not tracked: its blame is dropped"
    );
    let none = stray::input::git::LineAuthors::listing(places.into_iter(), || Some(tracked), 0)
        .expect("a repository");
    assert_eq!(none.author(&file, 1), None, "over the file limit");
    assert_eq!(none.files_past_limit(), 1);
    assert!(stray::input::git::LineAuthors::listing(places.into_iter(), || None, 1).is_none());

    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(owner(&json, "github-classic-pat")["name"], "Ada");
    assert_eq!(owner(&json, "openai-project-key")["name"], "Bob");
}

#[test]
fn the_blame_file_limit_is_reported_when_a_scan_reaches_it() {
    let tree = repo();
    let mut fake = Fake::new(58);
    for name in ["a.env", "b.env", "c.env"] {
        tree.write(name, format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    }
    git_ok(tree.path(), &["add", "."]);
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-m", "keys"]);
    let scan = |limit: &str| {
        stray()
            .current_dir(tree.path())
            .env("STRAY_TEST_BLAME_FILE_LIMIT", limit)
            .args(["scan", "--format", "json"])
            .output()
            .expect("stray runs")
    };
    let output = scan("1");
    let (stdout, stderr) = expect_exit(&output, 1, "stray scan at a blame limit of 1");
    assert!(
        stderr.contains(
            "warning: owners: git blame names line authors in at most 1 file per scan; 2 more \
             tracked files with findings got no git-blame owner"
        ),
        "{stderr}"
    );
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let owned = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["owner"]["source"] == "git-blame")
        .count();
    assert_eq!(owned, 1, "{json}");
    // Under the limit, nothing to say.
    let output = scan("3");
    let (_, stderr) = expect_exit(&output, 1, "stray scan at a blame limit of 3");
    assert!(!stderr.contains("git blame"), "{stderr}");
}
