//! The CI job and the hooks as each platform runs them: the GitHub Action's scan step as written
//! in action.yml, `scripts/ci-scan.sh` on pull-request and push ranges, a verdict the change
//! under review cannot weaken, and the pre-commit hooks of `.pre-commit-hooks.yaml` under the
//! real `pre-commit` (skipped, saying so, where it is not installed; `.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Fake, Tree, git_ok};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn stray_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("stray")
}

/// A repository on `main` with one commit; returns it and that commit (the pull request's base).
fn repo() -> (Tree, String) {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q", "-b", "main"]);
    tree.write("README.md", "# app\n");
    git_ok(tree.path(), &["add", "."]);
    git_ok(tree.path(), &["commit", "-q", "-m", "init"]);
    let base = git_ok(tree.path(), &["rev-parse", "HEAD"]);
    (tree, base)
}

fn commit(tree: &Tree, files: &[(&str, &str)], message: &str) {
    for (path, content) in files {
        tree.write(path, content);
    }
    git_ok(tree.path(), &["add", "-A"]);
    git_ok(tree.path(), &["commit", "-q", "--no-verify", "-m", message]);
}

/// The `env:` entries and the `run:` script of the step named `name` in action.yml, read the
/// way the runner reads them (this file's shape: two-space YAML, a `run: |` block).
fn action_step(name: &str) -> (Vec<(String, String)>, String) {
    let action = std::fs::read_to_string(format!("{MANIFEST_DIR}/action.yml")).expect("action.yml");
    let lines: Vec<&str> = action.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no step {name} in action.yml"));
    let step_indent = lines[start].len() - lines[start].trim_start().len();
    let mut env = Vec::new();
    let mut run = String::new();
    let mut section = "";
    for line in &lines[start + 1..] {
        let indent = line.len() - line.trim_start().len();
        if !line.trim().is_empty() && indent <= step_indent {
            break;
        }
        let text = line.trim();
        match text {
            "env:" => section = "env",
            "run: |" => section = "run",
            _ if section == "env" && indent == step_indent + 4 => {
                if let Some((key, value)) = text.split_once(": ") {
                    env.push((key.to_string(), value.to_string()));
                }
            }
            _ if section == "run" => {
                run.push_str(line.get(step_indent + 4..).unwrap_or(""));
                run.push('\n');
            }
            _ => section = "",
        }
    }
    (env, run)
}

/// What the runner makes of `${{ … }}` in the scan step, for these inputs.
fn expand(value: &str, temp: &Path, base: &str, vault: &str) -> String {
    value
        .replace("${{ runner.temp }}", &temp.display().to_string())
        .replace("${{ inputs.base }}", base)
        .replace("${{ inputs.fail-on }}", "unvaulted")
        .replace("${{ inputs.vault-fingerprints }}", vault)
}

struct StepRun {
    code: i32,
    log: String,
    outputs: String,
    summary: String,
}

/// Runs action.yml's Scan step in `repo` as GitHub's runner would: the step's env, its script
/// under `bash -e` (GitHub's `shell: bash`), the action checked out at `GITHUB_ACTION_PATH`
/// and the cached stray at `$RUNNER_TEMP/stray/bin/stray`.
fn run_action_scan(repo: &Path, base: &str, vault: &str) -> StepRun {
    let runner = Tree::new();
    let bin = runner.path().join("stray/bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::os::unix::fs::symlink(stray_bin(), bin.join("stray")).expect("symlink stray");
    let outputs = runner.path().join("github_output");
    let summary = runner.path().join("step_summary.md");
    let (env, run) = action_step("Scan");
    assert!(run.contains("scripts/ci-scan.sh"), "{run}");
    let mut command = Command::new("bash");
    command
        .current_dir(repo)
        .args(["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", &run])
        .env("GITHUB_ACTION_PATH", MANIFEST_DIR)
        .env("RUNNER_TEMP", runner.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary);
    for (key, value) in env {
        command.env(key, expand(&value, runner.path(), base, vault));
    }
    let output = command.output().expect("bash runs");
    StepRun {
        code: output.status.code().unwrap_or(-1),
        log: String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

#[test]
fn the_actions_scan_step_fails_a_pull_request_that_adds_an_unvaulted_key() {
    let (tree, base) = repo();
    let key = Fake::new(1301).github_pat();
    commit(
        &tree,
        &[("deploy/ci.env", &format!("GITHUB_TOKEN={key}\n"))],
        "ci env",
    );

    let step = run_action_scan(tree.path(), &base, "");
    // The step itself succeeds (set +e); the verdict is its output, which the Verdict step exits.
    assert_eq!(step.code, 0, "{}", step.log);
    assert!(step.outputs.contains("status=1"), "{}", step.outputs);
    assert!(
        step.log.contains("credentials outside the vault"),
        "{}",
        step.log
    );
    // The upload and artifact steps read these paths in the workspace.
    let sarif = std::fs::read_to_string(tree.path().join("stray-results/stray.sarif"))
        .expect("SARIF in the workspace");
    assert!(sarif.contains("github-classic-pat"));
    assert!(tree.path().join("stray-results/stray.json").is_file());
    // The job summary: a table of the credential, redacted.
    assert!(
        step.summary.contains("| github | github-classic-pat |"),
        "{}",
        step.summary
    );
    assert!(step.summary.contains("deploy/ci.env:1"), "{}", step.summary);
    for text in [&sarif, &step.summary, &step.log] {
        assert!(!text.contains(&key), "the secret never leaves redacted");
    }

    // A clean pull request: status 0, and a summary that says so.
    let (clean, clean_base) = repo();
    commit(&clean, &[("docs/notes.md", "nothing secret\n")], "docs");
    let step = run_action_scan(clean.path(), &clean_base, "");
    assert!(step.outputs.contains("status=0"), "{}", step.log);
    assert!(
        step.summary.contains("no credentials found"),
        "{}",
        step.summary
    );
}

#[test]
fn a_push_scans_before_to_after_and_a_new_branch_all_history() {
    let (tree, _) = repo();
    let old = Fake::new(1302).npm_token();
    commit(
        &tree,
        &[(".npmrc", &format!("//r/:_authToken={old}\n"))],
        "old key",
    );
    let before = git_ok(tree.path(), &["rev-parse", "HEAD"]);
    commit(&tree, &[("src/app.txt", "hello\n")], "unrelated");

    // before..after holds no new key: clean, though history has one.
    let step = run_action_scan(tree.path(), &before, "");
    assert!(step.outputs.contains("status=0"), "{}", step.log);
    // A push that creates a branch has an all-zero "before": the whole history is scanned.
    let zeros = "0".repeat(40);
    let step = run_action_scan(tree.path(), &zeros, "");
    assert!(step.outputs.contains("status=1"), "{}", step.log);
}

/// Runs scripts/ci-scan.sh as the GitLab job does (environment only).
fn ci_scan(repo: &Path, base: &str) -> (i32, String) {
    let output = Command::new("bash")
        .current_dir(repo)
        .arg(format!("{MANIFEST_DIR}/scripts/ci-scan.sh"))
        .env("STRAY", stray_bin())
        .env("STRAY_BASE", base)
        .output()
        .expect("bash runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn the_change_under_review_cannot_weaken_its_own_verdict() {
    let (tree, base) = repo();
    let key = Fake::new(1303).openai_project_key();
    // The merge request adds its key, a config that would stop failing on it, and a baseline
    // that would accept it.
    commit(
        &tree,
        &[
            ("app/.env", &format!("OPENAI_API_KEY={key}\n")),
            (
                ".stray.toml",
                "[scan]\nexclude = [\"*.env\"]\n\n[policy]\nfail_on = [\"rotated-out\"]\nbaseline = \".stray-baseline.json\"\n",
            ),
        ],
        "add key and relax the policy",
    );
    let output = crate::common::stray()
        .current_dir(tree.path())
        .args([
            "baseline",
            "create",
            "--no-config",
            "--owner",
            "mallory",
            "--git",
        ])
        .output()
        .expect("stray runs");
    crate::common::expect_exit(
        &output,
        0,
        "stray baseline create --no-config --owner mallory --git",
    );
    commit(&tree, &[], "baseline");
    // Proof that the change's own settings would have passed it.
    let output = crate::common::stray()
        .current_dir(tree.path())
        .arg("scan")
        .arg(format!("--git={base}..HEAD"))
        .arg("-q")
        .output()
        .expect("stray runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "the change's config alone passes"
    );

    let (code, log) = ci_scan(tree.path(), &base);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("this change edits .stray.toml"), "{log}");
    assert!(
        log.contains("this change edits .stray-baseline.json"),
        "{log}"
    );
    let summary =
        std::fs::read_to_string(tree.path().join("stray-results/summary.md")).expect("summary");
    assert!(
        summary.contains("Settings changed in this range"),
        "{summary}"
    );
    assert!(
        !tree.path().read_dir().expect("dir").any(|e| e
            .map(|e| e.file_name().to_string_lossy().starts_with(".stray-base."))
            .unwrap_or(false)),
        "the base's settings are cleaned up"
    );
}

#[test]
fn the_base_commits_settings_decide_the_verdict() {
    let (tree, _) = repo();
    // The base branch excludes test fixtures and accepts one legacy key in a baseline.
    let legacy = Fake::new(1304).npm_token();
    commit(
        &tree,
        &[
            ("legacy/.npmrc", &format!("//r/:_authToken={legacy}\n")),
            (
                ".stray.toml",
                "[scan]\nexclude = [\"fixtures/**\"]\n\n[policy]\nbaseline = \".stray-baseline.json\"\n",
            ),
        ],
        "settings",
    );
    let output = crate::common::stray()
        .current_dir(tree.path())
        .args([
            "baseline",
            "create",
            "--owner",
            "ops",
            "--expires",
            "2099-01-01",
        ])
        .output()
        .expect("stray runs");
    crate::common::expect_exit(
        &output,
        0,
        "stray baseline create --owner ops --expires 2099-01-01",
    );
    commit(&tree, &[], "baseline");
    let base = git_ok(tree.path(), &["rev-parse", "HEAD"]);

    // A pull request that adds a fixture key and copies the legacy key within its file.
    let fixture = Fake::new(1305).github_pat();
    commit(
        &tree,
        &[
            ("fixtures/fake.env", &format!("GITHUB_TOKEN={fixture}\n")),
            (
                "legacy/.npmrc",
                &format!("//r/:_authToken={legacy}\n# touched\n"),
            ),
        ],
        "fixture",
    );
    let (code, log) = ci_scan(tree.path(), &base);
    assert_eq!(code, 0, "the base's exclusion and baseline hold: {log}");
    assert!(!log.contains("this change edits"), "{log}");

    // The same key outside the excluded directory fails.
    commit(
        &tree,
        &[("app/ci.env", &format!("GITHUB_TOKEN={fixture}\n"))],
        "leak",
    );
    let (code, log) = ci_scan(tree.path(), &base);
    assert_eq!(code, 1, "{log}");
}

#[test]
fn a_base_that_is_not_in_the_clone_is_a_tool_error() {
    let (tree, _) = repo();
    let (code, log) = ci_scan(tree.path(), &"a".repeat(40));
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("not in this clone"), "{log}");
}

/// The `pre-commit` of `.ci/run` (or `$STRAY_TEST_PRE_COMMIT`), if any.
fn pre_commit() -> Option<PathBuf> {
    let candidate = std::env::var_os("STRAY_TEST_PRE_COMMIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("pre-commit"));
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(candidate)
    } else {
        eprintln!(
            "pre-commit is not installed: the pre-commit hook tests skip (.ci/run installs it)"
        );
        None
    }
}

/// A hook repository holding this checkout's `.pre-commit-hooks.yaml` and the script its hooks
/// run, committed (pre-commit clones a hook repository at a revision).
fn hook_repo() -> (Tree, String) {
    let hooks = Tree::new();
    git_ok(hooks.path(), &["init", "-q", "-b", "main"]);
    for file in [".pre-commit-hooks.yaml", "scripts/pre-commit-hook.sh"] {
        let content = std::fs::read(format!("{MANIFEST_DIR}/{file}")).expect("hook file");
        let path = hooks.write(file, content);
        let mode = std::fs::metadata(format!("{MANIFEST_DIR}/{file}"))
            .expect("meta")
            .permissions();
        std::fs::set_permissions(path, mode).expect("chmod");
    }
    git_ok(hooks.path(), &["add", "."]);
    git_ok(hooks.path(), &["commit", "-q", "-m", "hooks"]);
    let rev = git_ok(hooks.path(), &["rev-parse", "HEAD"]);
    (hooks, rev)
}

struct PreCommit {
    program: PathBuf,
    home: Tree,
    bin: Tree,
}

impl PreCommit {
    fn run(&self, repo: &Path, args: &[&str]) -> (i32, String) {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let output = Command::new(&self.program)
            .current_dir(repo)
            .args(args)
            .env("PRE_COMMIT_HOME", self.home.path())
            .env("PATH", path)
            // The hook script's stray: this build, not a release build of the hook repository.
            .env("STRAY", stray_bin())
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.org")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.org")
            .output()
            .expect("pre-commit runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    }
}

fn pre_commit_setup(hook_ids: &[&str]) -> Option<(PreCommit, Tree, String)> {
    let program = pre_commit()?;
    let (hooks, rev) = hook_repo();
    let bin = Tree::new();
    std::os::unix::fs::symlink(stray_bin(), bin.path().join("stray")).expect("symlink");
    let (repo, _) = repo();
    let ids: String = hook_ids
        .iter()
        .map(|id| format!("      - id: {id}\n"))
        .collect();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n{ids}",
        hooks.path().display()
    );
    commit(&repo, &[(".pre-commit-config.yaml", &config)], "pre-commit");
    // Kept alive by the caller through the returned trees' owner.
    std::mem::forget(hooks);
    Some((
        PreCommit {
            program,
            home: Tree::new(),
            bin,
        },
        repo,
        config,
    ))
}

#[test]
fn pre_commit_run_all_files_finds_a_committed_key() {
    for hook in ["stray-files", "stray-files-system"] {
        let Some((pre_commit, repo, _)) = pre_commit_setup(&[hook]) else {
            return;
        };
        let (code, log) = pre_commit.run(repo.path(), &["run", "--all-files"]);
        assert_eq!(code, 0, "{hook}: a clean repository passes: {log}");
        let key = Fake::new(1306).github_pat();
        commit(
            &repo,
            &[("config/app.yml", &format!("token: {key}\n"))],
            "oops",
        );
        let (code, log) = pre_commit.run(repo.path(), &["run", "--all-files"]);
        assert_eq!(code, 1, "{hook}: {log}");
        assert!(log.contains("github-classic-pat"), "{hook}: {log}");
        assert!(log.contains("config/app.yml"), "{hook}: {log}");
        assert!(!log.contains(&key), "{hook}: redacted");
    }
}

#[test]
fn the_pre_commit_guard_blocks_a_staged_key_only() {
    for hook in ["stray", "stray-system"] {
        let Some((pre_commit, repo, _)) = pre_commit_setup(&[hook]) else {
            return;
        };
        let (code, log) = pre_commit.run(repo.path(), &["install"]);
        assert_eq!(code, 0, "{log}");
        let key = Fake::new(1307).openai_project_key();
        repo.write(".env", format!("OPENAI_API_KEY={key}\n"));
        git_ok(repo.path(), &["add", ".env"]);
        let (code, log) = pre_commit.run(repo.path(), &["run"]);
        assert_eq!(code, 1, "{hook}: {log}");
        assert!(log.contains("openai-project-key"), "{hook}: {log}");
        // A real `git commit` through the installed hook is stopped too.
        let output = Command::new("git")
            .current_dir(repo.path())
            .args(["-c", "user.name=Ada", "-c", "user.email=ada@example.org"])
            .args(["commit", "-q", "-m", "add env"])
            .env("PRE_COMMIT_HOME", pre_commit.home.path())
            .env("STRAY", stray_bin())
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    pre_commit.bin.path().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("git runs");
        assert!(!output.status.success(), "{hook}: the commit is stopped");
        // Unstaged, nothing is added: the guard passes.
        git_ok(repo.path(), &["reset", "-q", ".env"]);
        let (code, log) = pre_commit.run(repo.path(), &["run"]);
        assert_eq!(code, 0, "{hook}: {log}");
    }
}

/// What pre-commit, GitHub and GitLab read must at least be valid YAML: checked with PyYAML
/// from pre-commit's own Python, where pre-commit is installed.
#[test]
fn the_ci_and_hook_files_are_valid_yaml() {
    let Some(program) = pre_commit() else {
        return;
    };
    let Some(python) = std::fs::read_to_string(which(&program))
        .ok()
        .and_then(|text| {
            text.lines()
                .next()
                .map(|l| l.trim_start_matches("#!").to_string())
        })
    else {
        eprintln!("cannot find pre-commit's Python: skipped");
        return;
    };
    for file in [
        "action.yml",
        ".pre-commit-hooks.yaml",
        "docs/ci/github-actions.yml",
        "docs/ci/gitlab-ci.yml",
    ] {
        let output = Command::new(python.trim())
            .args([
                "-c",
                "import sys, yaml; yaml.safe_load(open(sys.argv[1]))",
                &format!("{MANIFEST_DIR}/{file}"),
            ])
            .output()
            .expect("python runs");
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn which(program: &Path) -> PathBuf {
    if program.components().count() > 1 {
        return program.to_path_buf();
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| program.to_path_buf())
}

/// The entries of the `script:` list of docs/ci/gitlab-ci.yml (an entry is one line, or a
/// `- |` block), as GitLab's runner runs them one after another in one shell.
fn gitlab_script() -> Vec<String> {
    let job = std::fs::read_to_string(format!("{MANIFEST_DIR}/docs/ci/gitlab-ci.yml"))
        .expect("gitlab-ci.yml");
    let mut entries: Vec<String> = Vec::new();
    let mut in_script = false;
    for line in job.lines() {
        if line == "  script:" {
            in_script = true;
            continue;
        }
        if !in_script {
            continue;
        }
        if let Some(entry) = line.strip_prefix("    - ") {
            entries.push(if entry == "|" {
                String::new()
            } else {
                format!("{entry}\n")
            });
        } else if let Some(block) = line.strip_prefix("      ") {
            if let Some(last) = entries.last_mut() {
                last.push_str(block);
                last.push('\n');
            }
        } else if line.trim_start().starts_with('#') {
            continue;
        } else if !line.starts_with("    ") {
            break;
        }
    }
    entries
}

#[test]
fn the_gitlab_job_script_fails_a_merge_request_and_writes_its_widget_report() {
    let (tree, base) = repo();
    let key = Fake::new(1308).github_pat();
    commit(
        &tree,
        &[("deploy/.env", &format!("GITHUB_TOKEN={key}\n"))],
        "leak",
    );
    // What the install step leaves in the job cache: the pinned checkout and its stray.
    std::fs::create_dir_all(tree.path().join(".stray/bin")).expect("cache dir");
    std::os::unix::fs::symlink(stray_bin(), tree.path().join(".stray/bin/stray")).expect("bin");
    std::os::unix::fs::symlink(MANIFEST_DIR, tree.path().join(".stray/src")).expect("src");

    let script = gitlab_script();
    assert!(script[0].contains("cargo install --locked"), "{script:?}");
    let job =
        std::fs::read_to_string(format!("{MANIFEST_DIR}/docs/ci/gitlab-ci.yml")).expect("job");
    let report_name = "gl-secret-detection-report.json";
    assert!(job.contains(&format!("secret_detection: {report_name}")));
    let output = Command::new("bash")
        .current_dir(tree.path())
        .args(["-e", "-c", &script.join("")])
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
        .env("STRAY_GITLAB_REPORT", report_name)
        .output()
        .expect("bash runs");
    let log = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        !script.iter().any(|s| s.contains("curl")),
        "nothing downloaded at run time"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tree.path().join(report_name)).expect("GitLab report"),
    )
    .expect("JSON");
    assert_eq!(report["scan"]["type"], "secret_detection");
    let found = &report["vulnerabilities"][0];
    assert_eq!(found["location"]["file"], "deploy/.env");
    assert!(!report.to_string().contains(&key));
}
