//! `.stray.toml` as flags: the file's keys are spelled as the flags they mirror
//! (`Config::flags`) and parsed by clap before the user's own arguments, as ripgrep reads its
//! config file. `stray scan <the file's flags> <the user's arguments>`: lists add up, and for a
//! single value the user's later occurrence wins (`args_override_self`), so the flag is the one
//! definition of what each key may hold. `[owners]` and `[criticality]` stay maps, read from
//! the file by `plan()`.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Parser;

use stray::config::Config;

use super::scan::TargetArgs;
use super::{BaselineCommand, Cli, Command};

/// The scanning commands (`scan`, `laptop`, `runbook` and `rotation` when they scan, `baseline
/// create`): their
/// target arguments and how many words name the subcommand.
fn target(command: &Command) -> Option<(&TargetArgs, usize)> {
    match command {
        Command::Scan(args) | Command::Laptop(args) => Some((&args.target, 1)),
        Command::Verify(args) => Some((&args.scan.target, 1)),
        Command::Runbook(args) if !args.reads_inventory() => Some((&args.target, 1)),
        Command::Rotation(args) if !args.reads_inventory() => Some((&args.target, 1)),
        Command::Baseline(BaselineCommand::Create(args)) => Some((&args.target, 2)),
        _ => None,
    }
}

fn target_mut(command: &mut Command) -> Option<&mut TargetArgs> {
    match command {
        Command::Scan(args) | Command::Laptop(args) => Some(&mut args.target),
        Command::Verify(args) => Some(&mut args.scan.target),
        Command::Runbook(args) if !args.reads_inventory() => Some(&mut args.target),
        Command::Rotation(args) if !args.reads_inventory() => Some(&mut args.target),
        Command::Baseline(BaselineCommand::Create(args)) => Some(&mut args.target),
        _ => None,
    }
}

/// The `.stray.toml` that applies: `--config`, else the nearest one above the first root;
/// none with `--no-config`.
fn load(args: &TargetArgs) -> Result<Option<Config>> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => {
            let start = args
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            Config::discover(&start)
        }
    };
    Ok(path.map(|p| Config::load(&p)).transpose()?)
}

/// `cli` (parsed from `argv`) with the applicable `.stray.toml` merged in: `argv` parsed again
/// with the file's flags between the subcommand and the user's arguments. A value the file's
/// flag refuses is an error naming the file and the key.
pub fn apply(cli: Cli, argv: &[OsString]) -> Result<Cli> {
    let Some((target, depth)) = target(&cli.command) else {
        return Ok(cli);
    };
    let Some(config) = load(target)? else {
        return Ok(cli);
    };
    let flags = config.flags();
    // The policy is one value, though a list: the user's --fail-on replaces the file's.
    let user_fail_on = target.fail_on.clone();
    let head = argv.get(..=depth).unwrap_or(argv);
    let user = argv.get(depth + 1..).unwrap_or_default();
    let parse = |args: Vec<&OsString>| Cli::try_parse_from(head.iter().chain(args));
    let file = config.path.display();
    let made: Vec<&OsString> = flags.iter().map(|flag| &flag.arg).collect();
    if parse(made.clone()).is_err() {
        // Which key: each flag alone.
        for flag in &flags {
            if let Err(error) = parse(vec![&flag.arg]) {
                bail!("{file}: {}: {}", flag.key, message(&error));
            }
        }
    }
    let mut merged = match parse(made.into_iter().chain(user).collect()) {
        Ok(merged) => merged,
        Err(error) => bail!("{file}: with the command line: {}", message(&error)),
    };
    if let Some(target) = target_mut(&mut merged.command) {
        if !user_fail_on.is_empty() {
            target.fail_on = user_fail_on;
        }
        target.repo_config = Some(config);
    }
    Ok(merged)
}

/// clap's error on one line, without its `error:` and its pointer to `--help`.
fn message(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let text = text.trim_start_matches("error: ");
    let text = text
        .split("\n\nFor more information")
        .next()
        .unwrap_or(text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::scan::plan;
    use std::path::Path;
    use stray::judge::reconcile::FailOn;
    use stray::names::Named;

    /// `stray <words>` in `dir`, `.stray.toml` merged: the plan, or the error's text.
    fn plan_of(dir: &Path, words: &[&str]) -> Result<String, String> {
        let mut argv: Vec<OsString> = vec!["stray".into()];
        argv.extend(
            words
                .iter()
                .map(|w| OsString::from(w.replace("DIR", &dir.display().to_string()))),
        );
        let cli = Cli::try_parse_from(&argv).map_err(|e| e.to_string())?;
        let cli = apply(cli, &argv).map_err(|e| format!("{e:#}"))?;
        let Some((target, _)) = target(&cli.command) else {
            return Err("not a scanning command".to_string());
        };
        plan(target, true)
            .map(|plan| format!("{plan:?}"))
            .map_err(|e| format!("{e:#}"))
    }

    /// Each key that mirrors a flag: its value in the file, and the same as the flag.
    const MIRRORS: &[(&str, &str, &[&str])] = &[
        (
            "scan.exclude",
            "[scan]\nexclude = [\"a/**\", \"./b\"]",
            &["--exclude", "a/**", "--exclude", "./b"],
        ),
        (
            "scan.rules",
            "[scan]\nrules = [\"team\"]",
            &["--rules", "DIR/team"],
        ),
        (
            "scan.respect_gitignore",
            "[scan]\nrespect_gitignore = true",
            &["--respect-gitignore"],
        ),
        (
            "scan.max_file_size",
            "[scan]\nmax_file_size = \"1MiB\"",
            &["--max-file-size", "1MiB"],
        ),
        (
            "scan.peer_allow",
            "[scan]\npeer_allow = false",
            &["--no-peer-allow"],
        ),
        (
            "policy.fail_on",
            "[policy]\nfail_on = [\"Overdue\", \"stray-copy\"]",
            &["--fail-on", "overdue,stray-copy"],
        ),
        (
            "policy.max_age",
            "[policy]\nmax_age = 30",
            &["--max-age", "30"],
        ),
        (
            "policy.baseline",
            "[policy]\nbaseline = \"base.json\"",
            &["--baseline", "DIR/base.json"],
        ),
        (
            "vault.files",
            "[vault]\nfiles = [\"v.fp\"]",
            &["--vault", "DIR/v.fp"],
        ),
        (
            "vault.name",
            "[vault]\nname = \"eng\"",
            &["--vault-name", "eng"],
        ),
    ];

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        (dir, root)
    }

    #[test]
    fn every_key_that_mirrors_a_flag_plans_as_the_flag() {
        let (_dir, root) = tree();
        let file = root.join(".stray.toml");
        // Every key at once (one table per section), to list the flags the file can make.
        let mut full = toml::Table::new();
        for (_, text, _) in MIRRORS {
            let table: toml::Table = toml::from_str(text).expect("toml");
            for (section, keys) in table {
                if let (Some(toml::Value::Table(into)), toml::Value::Table(keys)) =
                    (full.get_mut(&section), &keys)
                {
                    into.extend(keys.clone());
                } else {
                    full.insert(section, keys);
                }
            }
        }
        std::fs::write(&file, full.to_string()).expect("write");
        let covered: Vec<&str> = MIRRORS.iter().map(|(key, _, _)| *key).collect();
        let config = Config::load(&file).expect("config");
        for flag in config.flags() {
            assert!(
                covered.contains(&flag.key),
                "{} has no round trip here",
                flag.key
            );
        }

        let root_text = root.display().to_string();
        for (key, text, words) in MIRRORS {
            std::fs::write(&file, format!("{text}\n")).expect("write");
            let from_file = plan_of(&root, &["scan", &root_text]);
            let mut flags = vec!["scan", "--no-config", root_text.as_str()];
            flags.extend(words.iter());
            let from_flags = plan_of(&root, &flags);
            assert!(from_file.is_ok(), "{key}: {from_file:?}");
            assert_eq!(from_file, from_flags, "{key}");
            let plain = plan_of(&root, &["scan", "--no-config", &root_text]);
            assert_ne!(from_file, plain, "{key} changes the plan");
        }
    }

    #[test]
    fn flags_win_for_single_values_and_lists_add_up() {
        let (_dir, root) = tree();
        let file = root.join(".stray.toml");
        std::fs::write(
            &file,
            "[scan]\nexclude = [\"a/**\"]\nmax_file_size = \"1MiB\"\n\n[policy]\nfail_on = \
             [\"overdue\"]\nmax_age = 30\nbaseline = \"base.json\"\n\n[vault]\nfiles = \
             [\"v.fp\"]\nname = \"eng\"\n",
        )
        .expect("write");
        let r = root.display().to_string();
        let single = [
            "--max-file-size=2MiB",
            "--fail-on=any",
            "--max-age=7",
            "--baseline=other.json",
            "--vault-name=ops",
        ];
        let lists = ["--exclude=c/**", "--vault=w.fp"];
        let mut user = vec!["scan", r.as_str()];
        user.extend(single.iter().chain(&lists));
        let merged = plan_of(&root, &user);
        let mut expected = vec![
            "scan",
            "--no-config",
            r.as_str(),
            "--exclude=a/**",
            "--vault=DIR/v.fp",
        ];
        expected.extend(single.iter().chain(&lists));
        assert!(merged.is_ok(), "{merged:?}");
        assert_eq!(merged, plan_of(&root, &expected));
        // The user's own list of policies is theirs: repeated, it adds up (and replaces the file's).
        let repeated = plan_of(
            &root,
            &["scan", &r, "--fail-on", "any", "--fail-on", "shared"],
        );
        let expected = plan_of(
            &root,
            &[
                "scan",
                "--no-config",
                &r,
                "--exclude=a/**",
                "--max-file-size=1MiB",
                "--max-age=30",
                "--baseline=DIR/base.json",
                "--vault=DIR/v.fp",
                "--vault-name=eng",
                "--fail-on=any",
                "--fail-on=shared",
            ],
        );
        assert!(repeated.is_ok(), "{repeated:?}");
        assert_eq!(repeated, expected);
    }

    #[test]
    fn a_bad_value_in_the_file_names_the_file_and_the_key() {
        let (_dir, root) = tree();
        let file = root.join(".stray.toml");
        let r = root.display().to_string();
        for (text, key, says) in [
            (
                "[scan]\nmax_file_size = \"ten\"",
                "scan.max_file_size",
                "ten",
            ),
            ("[policy]\nmax_age = -30", "policy.max_age", "-30"),
            ("[policy]\nmax_age = 0", "policy.max_age", "0"),
            (
                "[policy]\nfail_on = [\"sometimes\"]",
                "policy.fail_on",
                "sometimes",
            ),
        ] {
            std::fs::write(&file, format!("{text}\n")).expect("write");
            let error = plan_of(&root, &["scan", &r]).err().unwrap_or_default();
            assert!(error.contains(&format!(".stray.toml: {key}: ")), "{error}");
            assert!(error.contains(says), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        // Every policy is listed when the file names none of them; the file's case is ignored.
        std::fs::write(&file, "[policy]\nfail_on = [\"sometimes\"]\n").expect("write");
        let error = plan_of(&root, &["scan", &r]).err().unwrap_or_default();
        for name in FailOn::names() {
            assert!(error.contains(name), "{error} lacks {name}");
        }
        let every: Vec<String> = FailOn::names()
            .map(|n| format!("\"{}\"", n.to_uppercase()))
            .collect();
        std::fs::write(
            &file,
            format!("[policy]\nfail_on = [{}]\n", every.join(", ")),
        )
        .expect("write");
        let all = FailOn::names().collect::<Vec<_>>().join(",");
        assert_eq!(
            plan_of(&root, &["scan", &r]),
            plan_of(&root, &["scan", "--no-config", &r, "--fail-on", &all])
        );
    }
}
