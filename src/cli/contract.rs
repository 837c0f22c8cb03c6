//! The command-line contract, checked for every option of every subcommand (read from clap's
//! own description of the CLI, so a new option is covered the day it is added): a value-taking
//! option parses the same before and after the paths, before another flag, and as
//! `--flag value` or `--flag=value`; an option whose value is optional takes it only after `=`,
//! so the word after it stays a path.

use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory};

use super::Cli;

/// The path word every test line carries, for the commands that take paths.
const PATH: &str = "p1";

/// A value the option's parser accepts, by the name its help shows.
fn sample(arg: &Arg) -> String {
    if let Some(value) = arg.get_possible_values().iter().find(|v| !v.is_hide_set()) {
        return value.get_name().to_string();
    }
    let name = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_default();
    match name.as_str() {
        "SIZE" => "10MiB",
        "DAYS" => "30",
        "N" | "THREADS" => "2",
        "DATE" | "WHEN" | "TIME" => "2027-03-01",
        "FP" | "PREFIX" | "FINGERPRINT" => "4f1c2a9e0b7d",
        "TOOL" => "op:Engineering",
        _ if arg.get_id() == "threads" => "2",
        _ => "v.txt",
    }
    .to_string()
}

/// Every command (subcommands included) with the words that reach it.
fn commands() -> Vec<(Vec<String>, Command)> {
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    let mut stack = vec![(Vec::new(), root)];
    while let Some((words, command)) = stack.pop() {
        for sub in command.get_subcommands() {
            let mut sub_words = words.clone();
            sub_words.push(sub.get_name().to_string());
            stack.push((sub_words, sub.clone()));
        }
        if !words.is_empty() {
            out.push((words, command));
        }
    }
    out
}

fn is_option(arg: &Arg) -> bool {
    !arg.is_positional()
        && arg.get_long().is_some()
        && !matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        )
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.takes_values())
}

fn value_is_optional(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.min_values() == 0)
}

/// A flag of `command` that takes no value and may be given with `arg`.
fn other_flag<'a>(command: &'a Command, arg: &Arg) -> Option<&'a Arg> {
    let conflicts = command.get_arg_conflicts_with(arg);
    command.get_arguments().find(|other| {
        is_option(other)
            && !takes_value(other)
            && other.get_id() != arg.get_id()
            && !other.is_hide_set()
            && !conflicts.iter().any(|c| c.get_id() == other.get_id())
            && !command
                .get_arg_conflicts_with(other)
                .iter()
                .any(|c| c.get_id() == arg.get_id())
    })
}

/// The command's positional (its paths, results or fingerprint), when it has one.
fn paths_arg(command: &Command) -> Option<&Arg> {
    command.get_positionals().next()
}

/// Required options other than `arg`, with sample values, so the line parses.
fn required_words(command: &Command, arg: &Arg) -> Vec<String> {
    command
        .get_arguments()
        .filter(|a| is_option(a) && a.is_required_set() && a.get_id() != arg.get_id())
        .flat_map(|a| [format!("--{}", a.get_long().unwrap_or_default()), sample(a)])
        .collect()
}

fn parse(words: &[String]) -> Result<ArgMatches, String> {
    let mut argv = vec!["stray".to_string()];
    argv.extend(words.iter().cloned());
    Cli::command()
        .try_get_matches_from(&argv)
        .map_err(|e| format!("{argv:?}: {}", e.render()))
}

/// The matches of the command `path` names.
fn leaf<'a>(mut matches: &'a ArgMatches, path: &[String]) -> &'a ArgMatches {
    for name in path {
        match matches.subcommand() {
            Some((sub, sub_matches)) if sub == name => matches = sub_matches,
            _ => panic!("parsed into another command than {path:?}"),
        }
    }
    matches
}

fn raw(matches: &ArgMatches, id: &str) -> Vec<String> {
    matches
        .try_get_raw(id)
        .ok()
        .flatten()
        .map(|values| values.map(|v| v.to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// What `--flag` alone (no path, no other word) parses to.
fn bare_value(command: &Command, arg: &Arg) -> Vec<String> {
    let path = command_path(command);
    let mut words = path.clone();
    words.extend(required_words(command, arg));
    words.push(format!("--{}", arg.get_long().unwrap_or_default()));
    let matches = parse(&words).unwrap_or_else(|e| panic!("{e}"));
    raw(leaf(&matches, &path), arg.get_id().as_str())
}

/// The words that reach `command` (clap's bin name holds them, space-separated).
fn command_path(command: &Command) -> Vec<String> {
    command
        .get_bin_name()
        .unwrap_or_default()
        .split(' ')
        .skip(1)
        .map(str::to_string)
        .collect()
}

struct Line {
    words: Vec<String>,
    /// What the option must hold after parsing.
    expected: Vec<String>,
}

/// Every way of writing `arg` with `value` that the contract promises.
fn lines(command: &Command, arg: &Arg, value: &str, with_paths: bool) -> Vec<Line> {
    let long = format!("--{}", arg.get_long().unwrap_or_default());
    let path: Vec<String> = if with_paths {
        vec![PATH.to_string()]
    } else {
        Vec::new()
    };
    let other = other_flag(command, arg).map(|o| format!("--{}", o.get_long().unwrap_or("")));
    let mut forms: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let joined = vec![format!("{long}={value}")];
    if value_is_optional(arg) {
        // Clap has no getter for the value a bare flag stands for: the flag alone says.
        let bare = vec![long.clone()];
        forms.push((bare, bare_value(command, arg)));
        forms.push((joined, vec![value.to_string()]));
    } else {
        forms.push((
            vec![long.clone(), value.to_string()],
            vec![value.to_string()],
        ));
        if let Some(short) = arg.get_short() {
            forms.push((
                vec![format!("-{short}"), value.to_string()],
                vec![value.to_string()],
            ));
        }
        forms.push((joined, vec![value.to_string()]));
    }
    let mut out = Vec::new();
    for (flag, expected) in forms {
        let before: Vec<String> = flag.iter().chain(&path).cloned().collect();
        let after: Vec<String> = path.iter().chain(&flag).cloned().collect();
        out.push(Line {
            words: before,
            expected: expected.clone(),
        });
        out.push(Line {
            words: after,
            expected: expected.clone(),
        });
        if let Some(other) = &other {
            let words = flag
                .iter()
                .cloned()
                .chain([other.clone()])
                .chain(path.iter().cloned())
                .collect();
            out.push(Line {
                words,
                expected: expected.clone(),
            });
        }
    }
    out
}

#[test]
fn every_value_option_parses_in_every_position_and_form() {
    let mut checked = 0;
    for (path, command) in commands() {
        let paths = paths_arg(&command).map(|p| p.get_id().to_string());
        for arg in command
            .get_arguments()
            .filter(|a| is_option(a) && takes_value(a))
        {
            if arg.is_hide_set() {
                continue;
            }
            let value = sample(arg);
            for line in lines(&command, arg, &value, paths.is_some()) {
                let mut words = path.clone();
                words.extend(required_words(&command, arg));
                words.extend(line.words.iter().cloned());
                let matches = parse(&words).unwrap_or_else(|e| panic!("{e}"));
                let matches = leaf(&matches, &path);
                assert_eq!(
                    matches.value_source(arg.get_id().as_str()),
                    Some(clap::parser::ValueSource::CommandLine),
                    "{words:?}: --{} given",
                    arg.get_long().unwrap_or_default()
                );
                assert_eq!(
                    raw(matches, arg.get_id().as_str()),
                    line.expected,
                    "{words:?}: the value of --{}",
                    arg.get_long().unwrap_or_default()
                );
                if let Some(paths) = &paths {
                    assert_eq!(raw(matches, paths), vec![PATH], "{words:?}: the paths");
                }
                checked += 1;
            }
        }
    }
    // scan, laptop, runbook and baseline create alone have dozens of options.
    assert!(checked > 300, "only {checked} lines checked");
}

#[test]
fn an_optional_value_is_taken_only_after_equals() {
    for (path, command) in commands() {
        for arg in command.get_arguments().filter(|a| is_option(a)) {
            if value_is_optional(arg) && takes_value(arg) {
                assert!(
                    arg.is_require_equals_set(),
                    "{path:?} --{}: an optional value must need '='",
                    arg.get_long().unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn the_words_users_typed_in_the_issue_parse_as_meant() {
    let scan = |words: &[&str]| {
        let mut all = vec!["scan".to_string()];
        all.extend(words.iter().map(|w| w.to_string()));
        let matches = parse(&all).unwrap_or_else(|e| panic!("{e}"));
        let scan = leaf(&matches, &["scan".to_string()]).clone();
        (raw(&scan, "git"), raw(&scan, "paths"), raw(&scan, "format"))
    };
    assert_eq!(
        scan(&["--git", "--format", "json"]),
        (vec!["HEAD".into()], vec![], vec!["json".into()])
    );
    assert_eq!(
        scan(&["--git", "--", "."]),
        (vec!["HEAD".into()], vec![".".into()], vec![])
    );
    assert_eq!(
        scan(&["--git=origin/main..HEAD", "-f", "sarif"]),
        (
            vec!["origin/main..HEAD".into()],
            vec![],
            vec!["sarif".into()]
        )
    );
    let matches = parse(&["scan".into(), "--archives".into(), ".".into()]).expect("parses");
    let archives = leaf(&matches, &["scan".to_string()]);
    assert_eq!(raw(archives, "archives"), vec!["all"]);
    assert_eq!(raw(archives, "paths"), vec!["."]);
}
