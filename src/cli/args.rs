//! Value parsers and checks shared by every subcommand's arguments.
//!
//! One rule for option values: an option either always takes a value (`--vault FILE`), never
//! does (`--quiet`), or takes an optional value only after `=` (`--git=REVSPEC`,
//! `--record=DB`, `--archives=never`). A word after a bare `--git` is then
//! always a path, whatever it looks like, so flags combine in any order.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use stray::names::Named;

/// The parser of every option that takes one of the library's [`Named`] choices: the names
/// (with their help lines, for `--help`) come from the type, so a new variant needs no edit here.
pub fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    let values = T::ALL.iter().map(|value| match value.help() {
        "" => PossibleValue::new(value.name()),
        help => PossibleValue::new(value.name()).help(help),
    });
    PossibleValuesParser::new(values)
        .try_map(|name| T::from_name(&name).ok_or_else(|| format!("unknown value '{name}'")))
}

/// A path from the command line, with a leading `~` expanded to the home directory. The shell
/// expands `~/x` but not `--record=~/x`, and users type both.
pub fn path_value(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("an empty path".to_string());
    }
    Ok(expand_tilde(text))
}

fn expand_tilde(text: &str) -> PathBuf {
    let rest = if text == "~" {
        Some("")
    } else {
        text.strip_prefix("~/")
            .or_else(|| text.strip_prefix("~\\").filter(|_| cfg!(windows)))
    };
    match (rest, stray::input::laptop::home_dir()) {
        (Some(""), Some(home)) => home,
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(text),
    }
}

/// Does `path` look like a database the user meant for `--record`: an SQLite file, or a name
/// ending in `.db`, `.sqlite` or `.sqlite3`.
pub fn looks_like_database(path: &Path) -> bool {
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "db" | "sqlite" | "sqlite3"));
    by_name || is_sqlite_file(path)
}

fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read;
    // Only a regular file is opened: opening a named pipe would block.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .is_ok_and(|()| &header == b"SQLite format 3\0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_only_at_the_start() {
        let Some(home) = stray::input::laptop::home_dir() else {
            return;
        };
        assert_eq!(path_value("~").ok(), Some(home.clone()));
        assert_eq!(path_value("~/inv.db").ok(), Some(home.join("inv.db")));
        assert_eq!(path_value("a/~/b").ok(), Some(PathBuf::from("a/~/b")));
        assert_eq!(path_value("~bob/x").ok(), Some(PathBuf::from("~bob/x")));
        assert!(path_value("").is_err());
    }

    #[test]
    fn databases_are_recognised_by_name() {
        assert!(looks_like_database(Path::new("team.db")));
        assert!(looks_like_database(Path::new("x/inv.SQLITE3")));
        assert!(!looks_like_database(Path::new("code")));
        assert!(!looks_like_database(Path::new(".env")));
    }
}
