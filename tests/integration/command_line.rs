//! The command line as a new user types it: flags in any order, optional values only after
//! `=`, baselines that hold from anywhere, `--credential` that cannot pass by typo, and the
//! small promises (exit codes, messages, files) around them. Each test runs the real binary on
//! a temporary tree.

use crate::common::{
    Fake, Tree, expect_code, expect_exit, git_ok, outcome, run_in, scan_json, stray, zip_bytes,
};

/// A repository with one committed OpenAI key in `code/.env`; returns it and the key.
fn repo_with_key() -> (Tree, String) {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q", "-b", "main"]);
    let key = Fake::new(1201).openai_project_key();
    tree.write("code/.env", format!("OPENAI_API_KEY={key}\n"));
    git_ok(tree.path(), &["add", "."]);
    git_ok(tree.path(), &["commit", "-q", "-m", "key"]);
    (tree, key)
}

#[test]
fn a_bare_git_flag_never_swallows_the_next_word() {
    let (tree, _) = repo_with_key();
    let cases: &[&[&str]] = &[
        &["--git", "--format", "json"],
        &["--git", "-f", "json", "-q"],
        &["--git", "-q", "--format=json"],
        &["--git", "--fail-on", "any", "--format", "json"],
        &["--git", "--color", "never", "--format", "json"],
        &["--git", "--show-secrets", "--format", "json"],
        &["--git", "--exclude", "*.md", "--format", "json"],
        &["--git", "--format", "json", "--", "."],
        &["--git=HEAD", "--format", "json"],
        &["--git=--all", "--format", "json"],
        &["--format", "json", "--git"],
    ];
    for args in cases {
        let (stdout, _) = expect_code(
            run_in(&tree, &[&["scan"], *args].concat()),
            1,
            &format!("stray scan {args:?}"),
        );
        let json: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"));
        assert_eq!(
            json["findings"][0]["rule"], "openai-project-key",
            "{args:?}"
        );
        assert!(
            json["findings"][0]["locations"][0]["commit"]["id"].is_string(),
            "{args:?}: a history scan"
        );
    }
    for command in [
        &["runbook"][..],
        &["baseline", "create", "-o", "b.json", "--owner", "ada"],
    ] {
        let args = [command, &["--git", "-q"]].concat();
        expect_code(run_in(&tree, &args), 0, &format!("stray {args:?}"));
    }
}

#[test]
fn old_spellings_are_refused_naming_the_new_one() {
    let (tree, _) = repo_with_key();
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "--git", "main~1..main"]),
        2,
        "stray scan --git main~1..main",
    );
    assert!(stderr.contains("--git=main~1..main"), "{stderr}");
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "--git", "--all"]),
        2,
        "stray scan --git --all",
    );
    assert!(stderr.contains("--git=--all"), "{stderr}");
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "--record", "team.db"]),
        2,
        "stray scan --record team.db",
    );
    assert!(stderr.contains("--record=team.db"), "{stderr}");
    let (_, stderr) = expect_code(run_in(&tree, &["runbook", "--db"]), 2, "stray runbook --db");
    assert!(stderr.contains("runbook --inventory"), "{stderr}");
    // `stray laptop` walks $HOME: a repository mode there would be silently ignored.
    for mode in ["--staged", "--git"] {
        let (_, stderr) = expect_code(
            run_in(&tree, &["laptop", mode]),
            2,
            &format!("stray laptop {mode}"),
        );
        assert!(stderr.contains("stray scan"), "{stderr}");
    }
}

#[test]
fn archives_and_record_take_their_value_only_after_equals() {
    let (tree, _) = repo_with_key();
    let (code, json, stderr) = scan_json(tree.path(), &["--archives", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    let (code, _, stderr) = scan_json(tree.path(), &["--archives=never", "code"]);
    assert_eq!(code, 1, "{stderr}");

    // --record=~/inv.db: the shell leaves the `~`, stray expands it.
    let home = Tree::new();
    let output = stray()
        .current_dir(tree.path())
        .env("HOME", home.path())
        .args(["scan", "code", "--record=~/inv.db", "-q"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 1, "stray scan code --record=~/inv.db -q");
    assert!(home.path().join("inv.db").is_file());
    assert!(!tree.path().join("~").exists(), "no directory named ~");

    // Bare --record: the platform data directory ($XDG_DATA_HOME on Linux).
    let data = Tree::new();
    let output = stray()
        .current_dir(tree.path())
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", data.path())
        .args(["scan", "--record", "code", "-q"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 1, "stray scan --record code -q");
    if cfg!(target_os = "linux") {
        assert!(data.path().join("stray/inventory.db").is_file());
    }
}

#[test]
fn a_baseline_holds_from_any_spelling_of_the_root_and_any_directory() {
    let (tree, _) = repo_with_key();
    let (code, _, stderr) = run_in(
        &tree,
        &[
            "baseline",
            "create",
            "--expires",
            "2099-01-01",
            "--owner",
            "ada",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let root = tree.path().to_string_lossy().into_owned();
    let parent = tree.path().parent().expect("parent");
    let name = tree
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let baseline_from_parent = format!("{name}/.stray-baseline.json");
    let runs: Vec<(std::path::PathBuf, Vec<&str>)> = vec![
        (
            tree.path().to_path_buf(),
            vec![&root, "--baseline", ".stray-baseline.json"],
        ),
        (
            parent.to_path_buf(),
            vec![&name, "--baseline", &baseline_from_parent],
        ),
        (
            tree.path().join("code"),
            vec!["--baseline", "../.stray-baseline.json"],
        ),
        (
            tree.path().join("code"),
            vec!["--git", "--baseline", "../.stray-baseline.json"],
        ),
    ];
    for (dir, args) in runs {
        let (code, json, stderr) = scan_json(&dir, &args);
        assert_eq!(code, 0, "{} {args:?}: {json} {stderr}", dir.display());
        assert_eq!(json["summary"]["suppressed_places"], 1, "{args:?}: {json}");
        assert!(!stderr.contains("warning"), "{stderr}");
    }

    // The same key in a new file is new sprawl, and the warning says why nothing matched.
    let key = std::fs::read_to_string(tree.path().join("code/.env")).expect("env");
    tree.write("other/.env", &key);
    std::fs::remove_file(tree.path().join("code/.env")).expect("rm");
    let (code, _, stderr) = scan_json(tree.path(), &["--baseline", ".stray-baseline.json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("but in other files"), "{stderr}");
}

#[test]
fn baseline_expiry_in_the_past_is_refused() {
    let (tree, _) = repo_with_key();
    let (code, _, stderr) = run_in(&tree, &["baseline", "create", "--expires", "2020-01-01"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("in the past"), "{stderr}");
    assert!(!tree.path().join(".stray-baseline.json").exists());

    // An exception needs someone who answers for it: with no user name, --owner is asked for.
    let output = stray()
        .current_dir(tree.path())
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .args(["baseline", "create"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray baseline create");
    assert!(stderr.contains("--owner NAME"), "{stderr}");
    let output = stray()
        .current_dir(tree.path())
        .env("USER", "ada")
        .args(["baseline", "create"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 0, "stray baseline create");
    let baseline =
        std::fs::read_to_string(tree.path().join(".stray-baseline.json")).expect("baseline");
    assert!(baseline.contains("\"owner\": \"ada\""), "{baseline}");
}

#[test]
fn credential_takes_a_fingerprint_and_nothing_else() {
    let tree = Tree::new();
    let mut fake = Fake::new(1202);
    // Enough keys that some fingerprints share a first hex digit.
    let keys: Vec<String> = (0..20).map(|_| fake.npm_token()).collect();
    for (i, key) in keys.iter().enumerate() {
        tree.write(&format!("p{i}/.npmrc"), format!("//r/:_authToken={key}\n"));
    }
    let (_, json, _) = scan_json(tree.path(), &[]);
    let fingerprint = json["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let redacted = json["findings"][0]["redacted"].as_str().expect("redacted");

    let (code, json, _) = scan_json(tree.path(), &["--credential", &fingerprint[..8]]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    let (code, _, _) = scan_json(tree.path(), &["--credential", &fingerprint.to_uppercase()]);
    assert_eq!(code, 1);

    for bad in [
        "zz",
        "9",
        "4f1c2",
        redacted,
        &format!("{} ", &fingerprint[..8]),
    ] {
        let (code, stdout, stderr) =
            run_in(&tree, &["scan", "--credential", bad, "--fail-on", "any"]);
        assert_eq!(code, 2, "--credential {bad:?}: {stdout}{stderr}");
        assert!(stderr.contains("not a fingerprint"), "{stderr}");
    }
    // Gone: a clean exit with a message, which is what the runbook's verify step wants.
    let (_, stderr) = expect_code(
        run_in(
            &tree,
            &["scan", "--credential", "000000", "--fail-on", "any"],
        ),
        0,
        "stray scan --credential 000000 --fail-on any",
    );
    assert!(stderr.contains("not found"), "{stderr}");
}

#[test]
fn a_prefix_of_two_credentials_is_an_error_naming_both() {
    // Fake keys until two fingerprints share their first 6 hex digits (a birthday search: a
    // few thousand keys; the generator is seeded, so it is the same pair every run).
    let mut fake = Fake::new(1203);
    let mut seen = std::collections::HashMap::<String, String>::new();
    let (first, second, prefix) = loop {
        let key = fake.npm_token();
        let fp = stray::finding::fingerprint(key.as_bytes());
        let prefix = fp[..6].to_string();
        if let Some(other) = seen.insert(prefix.clone(), key.clone()) {
            break (other, key, prefix);
        }
    };
    let tree = Tree::new();
    tree.write("a/.npmrc", format!("//r/:_authToken={first}\n"));
    tree.write("b/.npmrc", format!("//r/:_authToken={second}\n"));
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "--credential", &prefix]),
        2,
        "stray scan --credential <prefix>",
    );
    assert!(stderr.contains("matches 2 credentials"), "{stderr}");
    for key in [&first, &second] {
        let fp = stray::finding::fingerprint(key.as_bytes());
        assert!(stderr.contains(&fp[..12]), "names {}: {stderr}", &fp[..12]);
        assert!(!stderr.contains(key.as_str()), "never the secret");
    }
}

#[test]
fn standard_input_is_scanned_under_a_name() {
    let tree = Tree::new();
    let key = Fake::new(1204).github_pat();
    let run = |args: &[&str]| {
        outcome(
            stray()
                .current_dir(tree.path())
                .args(args)
                .write_stdin(format!("GITHUB_TOKEN={key}\n"))
                .output()
                .expect("stray runs"),
        )
    };
    let (stdout, _) = expect_code(
        run(&["scan", "-", "--format", "json"]),
        1,
        "stray scan - --format json",
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["findings"][0]["rule"], "github-classic-pat");
    assert_eq!(json["findings"][0]["locations"][0]["path"], "stdin");
    let (_, stdout, _) = run(&["scan", "--stdin-name", "app/.env", "-f", "json", "-"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["findings"][0]["locations"][0]["path"], "app/.env");
    assert_eq!(json["findings"][0]["locations"][0]["kind"], "dotenv");
    let (_, stderr) = expect_code(run(&["scan", "-", "."]), 2, "stray scan - .");
    assert!(stderr.contains("alone"), "{stderr}");
}

#[test]
fn the_output_format_follows_the_file_name_and_the_file_is_announced() {
    let (tree, _) = repo_with_key();
    for (file, check) in [
        ("r.json", "\"findings\""),
        ("r.sarif", "\"$schema\""),
        ("r.jsonl", "\"fingerprint\""),
        ("r.csv", "fingerprint,"),
        ("r.txt", "1 credential in 1 place"),
    ] {
        let (code, stdout, stderr) = run_in(&tree, &["scan", "code", "-o", file]);
        assert_eq!(code, 1, "{file}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains(&format!("report to {file}")), "{stderr}");
        let written = std::fs::read_to_string(tree.path().join(file)).expect("report");
        assert!(written.contains(check), "{file}: {written}");
    }
    // --format wins over the name.
    let (_, _, _) = run_in(
        &tree,
        &["scan", "code", "-o", "t.json", "--format", "table"],
    );
    let written = std::fs::read_to_string(tree.path().join("t.json")).expect("report");
    assert!(written.contains("1 credential in 1 place"), "{written}");
}

#[test]
fn an_unwritable_report_fails_before_the_walk() {
    let (tree, _) = repo_with_key();
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "-o", "/nonexistent/dir/x.json", "-v"]),
        2,
        "stray scan -o /nonexistent/dir/x.json -v",
    );
    assert!(stderr.contains("cannot create report file"), "{stderr}");
    assert!(
        !stderr.contains("skipped"),
        "failed before walking: {stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let tree = Tree::new();
    let mut fake = Fake::new(1205);
    for i in 0..400 {
        tree.write(
            &format!("d{i}/.npmrc"),
            format!("//r/:_authToken={}\n", fake.npm_token()),
        );
    }
    for args in [&["rules", "list"][..], &["scan", "-f", "jsonl"], &["scan"]] {
        let output = std::process::Command::new("bash")
            .current_dir(tree.path())
            .arg("-c")
            .arg(format!(
                "'{}' {} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
                assert_cmd::cargo::cargo_bin("stray").display(),
                args.join(" ")
            ))
            .output()
            .expect("bash");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        // 0 when the pipe closed before stray finished writing; the policy's 1 when all of it
        // fitted in the pipe first. Never 2: a reader that has enough is not an error.
        let code = String::from_utf8_lossy(&output.stdout).trim().to_string();
        assert!(code == "0" || code == "1", "{args:?}: exit {code}");
        if args == ["rules", "list"] {
            assert_eq!(code, "0");
        }
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn quiet_clean_scans_print_nothing() {
    let tree = Tree::new();
    tree.write("README.md", "nothing\n");
    let (stdout, stderr) = expect_code(run_in(&tree, &["scan", "-q"]), 0, "stray scan -q");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "");
    let (_, stdout, _) = run_in(&tree, &["scan"]);
    assert!(
        stdout.contains("0 credentials in 0 places; 1 file ("),
        "{stdout}"
    );
}

#[test]
fn file_names_cannot_drive_the_terminal() {
    let tree = Tree::new();
    let key = Fake::new(1206).github_pat();
    tree.write("evil\x1b[2Jname/.env", format!("GITHUB_TOKEN={key}\n"));
    let (stdout, _) = expect_code(
        run_in(&tree, &["scan", "--color", "never"]),
        1,
        "stray scan --color never",
    );
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(stdout.contains("evil\\u{1b}[2Jname/.env"), "{stdout}");
    // In an error naming the path, and in the inventory listing of a recorded scan.
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "missing\x07\x1b]0;title\x07"]),
        2,
        "stray scan missing\x07\x1b]0;title\x07",
    );
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    expect_code(
        run_in(&tree, &["scan", "-q", "--record=inv.db"]),
        1,
        "stray scan -q --record=inv.db",
    );
    let (listing, _) = expect_code(
        run_in(&tree, &["inventory", "--db", "inv.db"]),
        0,
        "stray inventory --db inv.db",
    );
    assert!(listing.contains("evil\\u{1b}[2Jname/.env"), "{listing}");
    assert!(!listing.contains('\x1b'), "{listing:?}");
    // The runbook shows the name escaped, and its verify command quotes it exactly.
    let (_, runbook, _) = run_in(&tree, &["runbook"]);
    assert!(!runbook.contains('\x1b'), "{runbook:?}");
    assert!(runbook.contains("$'evil\\x1b[2Jname/.env'"), "{runbook}");
}

#[test]
fn excludes_written_with_a_leading_dot_slash_match() {
    let (tree, _) = repo_with_key();
    let (code, json, _) = scan_json(tree.path(), &["--exclude", "./code/**"]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn warnings_for_policies_and_vaults_that_cannot_work() {
    let (tree, _) = repo_with_key();
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "code", "--fail-on", "overdue"]),
        0,
        "stray scan code --fail-on overdue",
    );
    assert!(stderr.contains("needs --vault"), "{stderr}");
    tree.write("empty.fp.json", r#"{"stray_fingerprints":1,"created":"2026-11-01T00:00:00Z","summary":{"written":0,"omitted_guessable":0},"entries":[]}"#);
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "code", "--vault", "empty.fp.json"]),
        1,
        "stray scan code --vault empty.fp.json",
    );
    assert!(stderr.contains("holds no secrets"), "{stderr}");
}

#[test]
fn history_of_a_repository_without_commits_is_empty_not_an_error() {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q"]);
    let (code, json, stderr) = scan_json(tree.path(), &["--git"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn hook_uninstall_removes_only_strays_hook() {
    let (tree, _) = repo_with_key();
    let hook = tree.path().join(".git/hooks/pre-commit");
    let (_, stderr) = expect_code(
        run_in(&tree, &["hook", "uninstall"]),
        2,
        "stray hook uninstall",
    );
    assert!(stderr.contains("nothing to uninstall"), "{stderr}");

    std::fs::write(&hook, "#!/bin/sh\necho mine\n").expect("hook");
    expect_code(
        run_in(&tree, &["hook", "install", "--force"]),
        0,
        "stray hook install --force",
    );
    let installed = std::fs::read_to_string(&hook).expect("hook");
    assert!(installed.contains("${{ secrets.NAME }}"), "{installed}");
    expect_code(
        run_in(&tree, &["hook", "uninstall"]),
        0,
        "stray hook uninstall",
    );
    assert_eq!(
        std::fs::read_to_string(&hook).expect("restored"),
        "#!/bin/sh\necho mine\n"
    );
    let (_, stderr) = expect_code(
        run_in(&tree, &["hook", "uninstall"]),
        2,
        "stray hook uninstall",
    );
    assert!(stderr.contains("not written by stray"), "{stderr}");
}

#[test]
fn rules_list_formats() {
    let tree = Tree::new();
    let (stdout, _) = expect_code(
        run_in(&tree, &["rules", "list", "--format", "json"]),
        0,
        "stray rules list --format json",
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(json.as_array().is_some_and(|rules| rules.len() > 100));
    let (_, old, _) = run_in(&tree, &["rules", "list", "--json"]);
    assert_eq!(old, stdout, "--json still works");
    let (markdown, _) = expect_code(
        run_in(&tree, &["rules", "list", "-f", "markdown"]),
        0,
        "stray rules list -f markdown",
    );
    assert!(markdown.contains("| "), "{markdown}");
    let (_, table, _) = run_in(&tree, &["rules", "list"]);
    assert!(table.trim_end().ends_with(" rules"), "{table}");
}

#[test]
fn a_failed_import_leaves_no_database_behind() {
    let tree = Tree::new();
    tree.write("bad.json", "{ not json");
    expect_code(
        run_in(
            &tree,
            &["inventory", "import", "bad.json", "--db", "team.db"],
        ),
        2,
        "stray inventory import bad.json --db team.db",
    );
    assert!(!tree.path().join("team.db").exists());
}

#[test]
fn verbose_lists_what_was_skipped_and_why() {
    let tree = Tree::new();
    tree.write("app/.env", "LOG_LEVEL=debug\n");
    tree.write("app/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0binary".as_slice());
    tree.write("app/big.log", vec![b'a'; 4096]);
    tree.write("app/node_modules/x/index.js", "x\n");
    tree.write("app/notes.md", "notes\n");
    tree.write("backup.zip", zip_bytes(&[("readme.txt", "hello\n")]));
    let (_, stderr) = expect_code(
        run_in(
            &tree,
            &["scan", "-v", "--max-file-size", "1KiB", "--exclude", "*.md"],
        ),
        0,
        "stray scan -v --max-file-size 1KiB --exclude *.md",
    );
    for (path, why) in [
        ("app/logo.png", "binary"),
        ("app/big.log", "too large"),
        ("app/node_modules", "skipped by default"),
        ("app/notes.md", "excluded"),
        ("backup.zip", "without a chat export"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("skipped {path}: ")) && l.contains(why)),
            "{path} ({why}) missing from: {stderr}"
        );
    }
    let (_, _, quiet) = run_in(&tree, &["scan", "--max-file-size", "1KiB"]);
    assert!(
        !quiet.contains("skipped app/"),
        "only with --verbose: {quiet}"
    );
}

#[test]
fn one_scan_writes_several_reports_each_in_its_files_format() {
    let (tree, key) = repo_with_key();
    let (code, stdout, stderr) = run_in(
        &tree,
        &[
            "scan",
            "code",
            "-o",
            "r.sarif",
            "-o",
            "r.json",
            "-o",
            "summary.md",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    let sarif = std::fs::read_to_string(tree.path().join("r.sarif")).expect("sarif");
    assert!(sarif.contains("\"$schema\""));
    let json = std::fs::read_to_string(tree.path().join("r.json")).expect("json");
    assert!(json.contains("\"findings\""));
    let summary = std::fs::read_to_string(tree.path().join("summary.md")).expect("markdown");
    assert!(
        summary.contains("| openai | openai-project-key |"),
        "{summary}"
    );
    assert!(summary.contains("`code/.env:1`"), "{summary}");
    for text in [&sarif, &json, &summary] {
        assert!(!text.contains(&key));
    }
    assert_eq!(stderr.matches("stray: wrote the").count(), 3, "{stderr}");
    // Several files whose names do not say their format: an error before the scan.
    let (_, stderr) = expect_code(
        run_in(&tree, &["scan", "-o", "a.out", "-o", "b.out"]),
        2,
        "stray scan -o a.out -o b.out",
    );
    assert!(
        stderr.contains("cannot tell the format of a.out"),
        "{stderr}"
    );
}
