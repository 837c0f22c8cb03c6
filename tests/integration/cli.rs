//! End-to-end tests: the `stray` binary on temporary directory trees.

use crate::common::{
    Fake, Tree, expect_code, expect_exit, paths, places, run_in, scan_json, stray,
};
use stray::names::Named;
use stray::report::Format;

#[test]
fn reports_every_location_kind() {
    let tree = Tree::new();
    let mut fake = Fake::new(1);
    let files = [
        (".env", "dotenv"),
        ("home/.zshrc", "shell-profile"),
        (".github/workflows/ci.yml", "ci-config"),
        (".cursor/mcp.json", "ai-tool-config"),
        ("export/conversations.json", "chat-export"),
        ("home/.aws/credentials", "cloud-credentials"),
        ("home/.npmrc", "package-config"),
        ("infra/prod.tfvars", "iac"),
        ("src/app.py", "source"),
        ("notes.txt", "other"),
    ];
    for (path, _) in files {
        tree.write(path, format!("token: {}\n", fake.github_pat()));
    }
    tree.write(
        "k8s/db.yaml",
        format!("kind: Secret\nstringData:\n  t: {}\n", fake.github_pat()),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    let found = places(&json);
    for (path, kind) in files {
        assert!(
            found.contains(&(path.to_string(), kind.to_string())),
            "{path} as {kind} missing from {found:?}"
        );
    }
    assert!(found.contains(&("k8s/db.yaml".to_string(), "iac".to_string())));
}

#[test]
fn same_secret_in_several_files_is_one_finding() {
    let tree = Tree::new();
    let key = Fake::new(2).openai_project_key();
    tree.write(".env", format!("OPENAI_API_KEY={key}\n"));
    tree.write(
        "home/.zshrc",
        format!("# ai\nexport OPENAI_API_KEY=\"{key}\"\n"),
    );
    tree.write(
        ".mcp.json",
        format!("{{\"env\": {{\"OPENAI_API_KEY\": \"{key}\"}}}}\n"),
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    let findings = json["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding["rule"], "openai-project-key");
    assert_eq!(finding["provider"], "openai");
    assert_eq!(finding["locations"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        finding["fingerprint"].as_str().map(str::len),
        Some(64),
        "SHA-256 hex"
    );
    let zshrc = finding["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["path"] == "home/.zshrc")
        .expect("zshrc location");
    assert_eq!(zshrc["line"], 2);
    assert_eq!(zshrc["column"], 24);
}

#[test]
fn clean_tree_exits_zero() {
    let tree = Tree::new();
    tree.write(
        "README.md",
        "nothing to see\nOPENAI_API_KEY=${{ secrets.OPENAI_API_KEY }}\n",
    );
    tree.write(
        ".env.example",
        "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxT3BlbkFJxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    );
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(json["stats"]["files_scanned"], 2);
    assert_eq!(json["version"], 1);
}

#[test]
fn gitignored_env_is_scanned_unless_gitignore_is_respected() {
    let tree = Tree::new();
    let mut fake = Fake::new(3);
    tree.write(".gitignore", ".env\n");
    tree.write(".env", format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&json), vec![".env"]);
    let (code, json, _) = scan_json(tree.path(), &["--respect-gitignore"]);
    assert_eq!(code, 0);
    assert!(paths(&json).is_empty());
}

#[test]
fn node_modules_is_skipped_by_default_and_can_be_included() {
    let tree = Tree::new();
    let mut fake = Fake::new(4);
    tree.write(
        "node_modules/pkg/index.js",
        format!("t='{}'\n", fake.github_pat()),
    );
    tree.write("app/.env", format!("T={}\n", fake.github_pat()));
    let (_, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(paths(&json), vec!["app/.env"]);
    let (_, json, _) = scan_json(tree.path(), &["--no-skip", "node_modules"]);
    assert_eq!(paths(&json), vec!["app/.env", "node_modules/pkg/index.js"]);
    let (_, json, _) = scan_json(tree.path(), &["--no-default-skips"]);
    assert_eq!(paths(&json).len(), 2);
    let (_, json, _) = scan_json(tree.path(), &["--exclude", "app"]);
    assert!(paths(&json).is_empty());
}

#[test]
fn hidden_files_are_scanned() {
    let tree = Tree::new();
    tree.write(
        ".config/tool/.secret",
        format!("T={}\n", Fake::new(5).github_pat()),
    );
    let (_, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(paths(&json), vec![".config/tool/.secret"]);
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let tree = Tree::new();
    let mut content = b"\x7fELF\x00\x00".to_vec();
    content.extend_from_slice(Fake::new(6).github_pat().as_bytes());
    tree.write("bin/tool", content);
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["stats"]["skipped_binary"], 1);
    assert_eq!(json["stats"]["files_skipped"], 1);
}

#[test]
fn invalid_utf8_files_are_scanned() {
    let tree = Tree::new();
    let token = Fake::new(7).github_pat();
    let mut content = vec![0xff, 0xfe, 0xc3, b'\n'];
    content.extend_from_slice(format!("GITHUB_TOKEN={token}\n").as_bytes());
    tree.write("latin1.txt", content);
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["locations"][0]["line"], 2);
}

#[test]
fn files_over_the_size_limit_are_skipped() {
    let tree = Tree::new();
    let token = Fake::new(8).github_pat();
    let mut big = "# padding\n".repeat(300);
    big.push_str(&format!("T={token}\n"));
    tree.write("big.txt", big);
    let (code, json, _) = scan_json(tree.path(), &["--max-file-size", "1K"]);
    assert_eq!(code, 0);
    assert_eq!(json["stats"]["skipped_too_large"], 1);
    let (code, _, _) = scan_json(tree.path(), &["--max-file-size", "1MiB"]);
    assert_eq!(code, 1);
}

#[test]
fn unreadable_files_warn_and_the_scan_goes_on() {
    let tree = Tree::new();
    let mut fake = Fake::new(9);
    tree.write("ok/.env", format!("T={}\n", fake.github_pat()));
    // A dangling symlink fails to open even for root.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        tree.path().join("missing-target"),
        tree.path().join("dangling"),
    )
    .expect("symlink");
    let locked = tree.write("locked/.env", format!("T={}\n", fake.github_pat()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    let root_can_read = std::fs::read(&locked).is_ok();
    let (code, json, stderr) = scan_json(tree.path(), &["--follow"]);
    assert_eq!(code, 1, "one finding, warnings are not errors: {stderr}");
    assert!(paths(&json).contains(&"ok/.env".to_string()));
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("dangling"), "{stderr}");
    let expected_unreadable = if root_can_read { 1 } else { 2 };
    assert_eq!(json["stats"]["skipped_unreadable"], expected_unreadable);
    if !root_can_read {
        assert!(stderr.contains("locked"), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_detected_with_follow() {
    let tree = Tree::new();
    tree.write("a/.env", format!("T={}\n", Fake::new(10).github_pat()));
    std::os::unix::fs::symlink("..", tree.path().join("a/up")).expect("symlink");
    let (code, json, stderr) = scan_json(tree.path(), &["--follow"]);
    assert_eq!(code, 1);
    assert_eq!(paths(&json), vec!["a/.env"]);
    assert!(stderr.contains("loop"), "{stderr}");
    // Without --follow the link is not entered at all.
    let (_, _, stderr) = scan_json(tree.path(), &[]);
    assert!(!stderr.contains("loop"), "{stderr}");
}

#[test]
fn malformed_rule_pack_is_a_clear_error() {
    let tree = Tree::new();
    tree.write(
        "team.toml",
        r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme"
keywords = ["acme_"]
regex = '(acme_[0-9]{8})'
"#,
    );
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "--rules", "team.toml", "."])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan --rules team.toml .");
    assert!(stderr.contains("team.toml"), "{stderr}");
    assert!(stderr.contains("acme-key"), "{stderr}");
    assert!(stderr.contains("'secret'"), "{stderr}");

    tree.write("bad.toml", "[[rules]\nid=");
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "--rules", "bad.toml", "."])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan --rules bad.toml .");
    assert!(stderr.contains("bad.toml"), "{stderr}");
}

#[test]
fn team_rule_pack_finds_its_credentials() {
    let tree = Tree::new();
    tree.write(
        "rules/acme.toml",
        r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme internal key"
keywords = ["acme_live_"]
regex = '(?P<secret>acme_live_[0-9a-f]{16})'
examples = [{ input = "k=acme_live_9f3a61c2d4e8b705", secret = "acme_live_9f3a61c2d4e8b705" }]
negatives = ["acme_live_short"]
"#,
    );
    tree.write("src/.env", "ACME=acme_live_4c9e17b3a05d82f6\n");
    let (code, json, _) = scan_json(tree.path(), &["--rules", "rules"]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["rule"], "acme-key");

    // A team rule whose own example fails is rejected before scanning.
    tree.write(
        "broken/acme.toml",
        r#"
[[rules]]
id = "acme-key2"
provider = "acme"
class = "saas"
description = "Acme internal key"
keywords = ["acme_live_"]
regex = '(?P<secret>acme_live_[0-9a-f]{16})'
examples = [{ input = "k=acme_live_XYZ", secret = "acme_live_XYZ" }]
negatives = []
"#,
    );
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "--rules", "broken", "src"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan --rules broken src");
    assert!(stderr.contains("acme-key2"), "{stderr}");
}

fn tree_with_secrets() -> (Tree, Vec<String>) {
    let tree = Tree::new();
    let mut fake = Fake::new(11);
    let secrets = vec![
        fake.github_pat(),
        fake.openai_project_key(),
        fake.npm_token(),
    ];
    tree.write(
        ".env",
        format!(
            "GITHUB_TOKEN={}\nOPENAI_API_KEY={}\n",
            secrets[0], secrets[1]
        ),
    );
    tree.write(
        "dir with space/.npmrc",
        format!("//registry.npmjs.org/:_authToken={}\n", secrets[2]),
    );
    tree.write(
        "home/.zshrc",
        format!("export GITHUB_TOKEN={}\n", secrets[0]),
    );
    (tree, secrets)
}

/// `run_in` with stdout and stderr as one text: these tests look for a message in either.
fn run(tree: &Tree, args: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = run_in(tree, args);
    (code, stdout + &stderr)
}

#[test]
fn no_output_format_prints_a_full_secret_unless_asked() {
    let (tree, secrets) = tree_with_secrets();
    for &kind in Format::ALL {
        let format = kind.name();
        let (code, text) = run(&tree, &["scan", "--format", format]);
        assert_eq!(code, 1, "{format}");
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{format} leaked a secret");
            // Not even the middle of one.
            assert!(
                !text.contains(&secret[6..secret.len() - 6]),
                "{format} leaked a middle"
            );
        }
        let (_, text) = run(&tree, &["scan", "--format", format, "--show-secrets"]);
        // These never carry a secret, not even with --show-secrets.
        if !matches!(kind, Format::Sarif | Format::Inventory | Format::Gitlab) {
            for secret in &secrets {
                assert!(
                    text.contains(secret.as_str()),
                    "{format} --show-secrets hides it"
                );
            }
        }
    }
}

#[test]
fn json_and_jsonl_have_the_documented_shape() {
    let (tree, _) = tree_with_secrets();
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["version"], 1);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 3);
    for finding in findings {
        for key in ["rule", "provider", "fingerprint", "redacted", "locations"] {
            assert!(finding.get(key).is_some(), "finding lacks {key}");
        }
        assert!(finding.get("secret").is_none());
        for location in finding["locations"].as_array().expect("locations") {
            for key in ["path", "line", "column", "kind"] {
                assert!(location.get(key).is_some(), "location lacks {key}");
            }
        }
    }
    for key in [
        "files_scanned",
        "bytes_scanned",
        "files_skipped",
        "elapsed_ms",
    ] {
        assert!(json["stats"].get(key).is_some(), "stats lacks {key}");
    }
    assert_eq!(json["stats"]["files_scanned"], 3);

    let (_, text) = run(&tree, &["scan", "--format", "jsonl", "-q"]);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["fingerprint"].is_string()));
}

#[test]
fn sarif_has_the_fields_code_scanning_requires() {
    let (tree, _) = tree_with_secrets();
    let (code, text) = run(&tree, &["scan", "--format", "sarif", "-q"]);
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0"))
    );
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "stray");
    let pack =
        stray::detect::rules::pack_version(stray::RuleSet::builtin().expect("rules").rules());
    assert_eq!(run["properties"]["stray/rulePack"], pack.as_str());
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("driver rules");
    let results = run["results"].as_array().expect("results");
    // 3 credentials in 4 places: one result per place.
    assert_eq!(results.len(), 4);
    // The driver lists the rules that have results, each once.
    let mut used: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    used.sort_unstable();
    used.dedup();
    assert_eq!(rules.len(), used.len());
    for result in results {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id);
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.contains(' '), "uri must be encoded: {uri}");
        assert!(
            location["region"]["startLine"]
                .as_u64()
                .is_some_and(|l| l >= 1)
        );
        assert!(result["partialFingerprints"].is_object());
    }
    assert!(text.contains("dir%20with%20space/.npmrc"));
}

#[test]
fn sarif_uris_are_relative_to_an_absolute_scan_root() {
    let (tree, _) = tree_with_secrets();
    let root = tree.path().to_str().expect("utf-8 path");
    let (text, _) = expect_code(
        run_in(&tree, &["scan", root, "--format", "sarif", "-q"]),
        1,
        "stray scan <root> --format sarif -q",
    );
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT% base");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let mut uris: Vec<&str> = Vec::new();
    for result in run["results"].as_array().expect("results") {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{artifact}");
        uris.push(artifact["uri"].as_str().expect("uri"));
    }
    uris.sort_unstable();
    uris.dedup();
    assert_eq!(
        uris,
        [".env", "dir%20with%20space/.npmrc", "home/.zshrc"],
        "{text}"
    );
}

#[test]
fn overlapping_roots_are_walked_once() {
    let tree = Tree::new();
    let mut fake = Fake::new(909);
    tree.write(
        "work/api/.env",
        format!("GITHUB_TOKEN={}\n", fake.github_pat()),
    );
    tree.write("notes.txt", "nothing here\n");
    let root = tree.path().to_str().expect("utf-8 path");
    let inner = tree.path().join("work/api");
    let inner = inner.to_str().expect("utf-8 path");
    let (_, alone, _) = scan_json(tree.path(), &[root]);
    for args in [[root, inner], [inner, root], [root, root]] {
        let (code, json, stderr) = scan_json(tree.path(), &args);
        assert_eq!(code, 1, "{stderr}");
        for count in ["files_scanned", "bytes_scanned", "files_skipped"] {
            assert_eq!(
                json["stats"][count], alone["stats"][count],
                "{args:?}: {count}"
            );
        }
        assert_eq!(json["stats"]["files_scanned"], 2, "{args:?}");
        assert_eq!(places(&json).len(), 1, "{args:?}: {json}");
    }
}

#[test]
fn csv_is_one_row_per_location() {
    let (tree, _) = tree_with_secrets();
    let (code, text) = run(&tree, &["scan", "--format", "csv", "-q"]);
    assert_eq!(code, 1);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header row").clone();
    for column in [
        "provider",
        "rule",
        "fingerprint",
        "redacted",
        "path",
        "line",
        "kind",
    ] {
        assert!(
            headers.iter().any(|h| h == column),
            "missing column {column}"
        );
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4);
    let path_column = headers
        .iter()
        .position(|h| h == "path")
        .expect("path column");
    assert!(
        rows.iter()
            .any(|r| &r[path_column] == "dir with space/.npmrc")
    );
}

#[test]
fn output_file_and_table_summary() {
    let (tree, _) = tree_with_secrets();
    let (stdout, stderr) = expect_code(
        run_in(&tree, &["scan", "-o", "report.json", "--format", "json"]),
        1,
        "stray scan -o report.json --format json",
    );
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert_eq!(stderr, "stray: wrote the json report to report.json\n");
    let report = std::fs::read_to_string(tree.path().join("report.json")).expect("report file");
    let json: serde_json::Value = serde_json::from_str(&report).expect("JSON report");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(3));

    let (_, table) = run(&tree, &["scan", "--exclude", "report.json"]);
    assert!(table.contains("3 credentials in 4 places"), "{table}");
    assert!(table.contains("home/.zshrc:1:"), "{table}");
    assert!(!table.contains("\x1b["), "no colour when not a terminal");
}

#[test]
fn usage_errors_exit_two() {
    let (code, _) = run(&Tree::new(), &["scan", "--format", "yaml"]);
    assert_eq!(code, 2);
    let (code, text) = run(&Tree::new(), &["scan", "does-not-exist"]);
    assert_eq!(code, 2);
    assert!(text.contains("does-not-exist"), "{text}");
    let (code, _) = run(&Tree::new(), &["scan", "--max-file-size", "huge"]);
    assert_eq!(code, 2);
    let (code, _) = run(&Tree::new(), &["--help"]);
    assert_eq!(code, 0);
}

#[test]
fn rules_list_and_check() {
    let tree = Tree::new();
    let (code, text) = run(&tree, &["rules", "list"]);
    assert_eq!(code, 0);
    assert!(text.contains("github-classic-pat"), "{text}");
    std::fs::create_dir(tree.path().join("empty")).expect("mkdir");
    let (code, text) = run(&tree, &["rules", "check", "empty"]);
    // A directory without packs: nothing to check is an error, not a silent pass.
    assert_eq!(code, 2, "{text}");
    let rules_dir = format!("{}/rules", env!("CARGO_MANIFEST_DIR"));
    let (code, text) = run(&tree, &["rules", "check", &rules_dir]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("all pass"), "{text}");
}

#[test]
fn laptop_walk_covers_known_places_and_skips_bulk() {
    let home = Tree::new();
    let mut fake = Fake::new(12);
    for path in [
        ".zshrc",
        "code/api/.env",
        "Library/Application Support/Claude/claude_desktop_config.json",
        "Music/lyrics.txt",
        ".cache/pip/log.txt",
        ".nvm/versions/node/v20/.env",
        "Applications/Tool.app/Contents/config.txt",
    ] {
        home.write(path, format!("TOKEN={}\n", fake.github_pat()));
    }
    for args in [&["laptop"][..], &["scan", "--home"][..]] {
        let output = stray()
            .env("HOME", home.path())
            .args(args)
            .args(["--format", "json"])
            .output()
            .expect("stray runs");
        expect_exit(&output, 1, &format!("stray {args:?} --format json"));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let root = home.path().to_string_lossy().replace('\\', "/");
        let mut found: Vec<String> = paths(&json)
            .into_iter()
            .map(|p| {
                p.trim_start_matches(&root)
                    .trim_start_matches('/')
                    .to_string()
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ".zshrc",
                "Library/Application Support/Claude/claude_desktop_config.json",
                "code/api/.env",
            ],
            "{args:?}"
        );
    }
}

#[test]
fn a_missing_root_or_a_device_is_an_error_not_an_empty_scan() {
    let tree = Tree::new();
    let output = stray()
        .current_dir(tree.path())
        .args(["scan", "no-such-dir"])
        .output()
        .expect("stray runs");
    let (_, stderr) = expect_exit(&output, 2, "stray scan no-such-dir");
    assert!(stderr.contains("no-such-dir: no such file"), "{stderr}");

    #[cfg(unix)]
    {
        let output = stray()
            .args(["scan", "/dev/null"])
            .output()
            .expect("stray runs");
        let (_, stderr) = expect_exit(&output, 2, "stray scan /dev/null");
        assert!(
            stderr.contains("/dev/null: a character device, not a file or directory"),
            "{stderr}"
        );
    }
}
