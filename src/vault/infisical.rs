//! Infisical `infisical export`: `--format=json` (the JSON array below) and the text formats,
//! each written by the CLI's `packages/cmd/export.go`:
//!
//! - `dotenv` (the default) and `dotenv-export`: `KEY='value'` (or `export KEY='value'`) per
//!   line, the value between single quotes exactly as stored, never escaped, and the key as
//!   Infisical allows it (`-` and `.` included). A multi-line value has its line breaks
//!   written as the two characters `\n` (`escapeNewLinesIfRequired`, unless the secret skips
//!   multi-line encoding, when the line breaks stay inside the quotes). This reader turns `\n`
//!   back into line breaks, so a PEM key stored in Infisical has the fingerprint of the key
//!   found on disk. Generic dotenv keeps single quotes literal; only this shape (every value
//!   single-quoted) is read as Infisical's.
//! - `csv`: a `Key,Value` header, then one row per secret (values escaped the same way).
//! - `yaml`: a flat `KEY: value` mapping (Go's `yaml.Marshal` of a map, values escaped the same
//!   way).
//!
//! The text formats carry nothing but names and values: pass `--vault-name` for the project.
//!
//! JSON:
//!
//! The CLI marshals its secrets as one compact JSON array:
//! `[{"key", "workspace", "value", "type", "_id", "secretPath", "tags": [{"id", "name", "slug",
//! "color"}], "comment", …}]`; older CLIs wrote only `key`, `value`, `type`, `_id`. The
//! environment is not in the output (it was a command-line flag): pass `--vault-name` for it.
//!
//! Each `value` is an entry: item = `key`, field `value`, vault = workspace (project id) plus the
//! folder path when it is not `/`, tags = the tag slugs (or names), and `personal` secrets get a
//! `personal` tag.

use serde_json::Value;

use super::generic::read_flat_yaml;
use super::shared::{
    array_at, at_index, at_key, csv_error, csv_table, object_at, opt_array, opt_str,
};
use super::{Collector, EntryMeta, ParseError};

fn meta(key: &str) -> EntryMeta {
    EntryMeta {
        item: key.to_string(),
        field: "value".into(),
        ..EntryMeta::default()
    }
}

/// Infisical writes a value's line breaks as `\n`.
fn unescape(value: &str) -> String {
    value.replace("\\n", "\n")
}

fn text(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| ParseError::Invalid(format!("not UTF-8 text: {e}")))
}

enum EnvError {
    /// Line (0-based) and what is wrong with it.
    Line(usize, &'static str),
    /// A quoted value opened on this line never closes.
    Unclosed(usize),
}

/// `[export ]KEY='value'` lines and `#` comments (`--tags` groups), the value perhaps spanning
/// lines; values as stored, `\n` not yet unescaped.
fn env_pairs(text: &str) -> Result<Vec<(String, String)>, EnvError> {
    let mut pairs = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let line = line.trim_start_matches('\u{feff}');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = body.split_once('=') else {
            return Err(EnvError::Line(number, "expected NAME='value'"));
        };
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(EnvError::Line(number, "not a secret name"));
        }
        let Some(mut value) = value.strip_prefix('\'') else {
            return Err(EnvError::Line(number, "the value is not in single quotes"));
        };
        let mut raw = String::new();
        loop {
            if let Some(inner) = value.strip_suffix('\'') {
                raw.push_str(inner);
                break;
            }
            raw.push_str(value);
            raw.push('\n');
            match lines.next() {
                Some((_, next)) => value = next,
                None => return Err(EnvError::Unclosed(number)),
            }
        }
        pairs.push((key.to_string(), raw));
    }
    Ok(pairs)
}

/// Whether `text` is Infisical's dotenv: at least one line, every value single-quoted. A value
/// still open at the end after a first complete line counts (detection sees only the start of
/// a large file; a file that really ends there fails to parse, naming the line).
pub fn looks_like_env(text: &str) -> bool {
    match env_pairs(text) {
        Ok(pairs) => !pairs.is_empty(),
        Err(EnvError::Unclosed(line)) => {
            line > 0
                && env_pairs(&text.lines().take(line).collect::<Vec<_>>().join("\n"))
                    .is_ok_and(|pairs| !pairs.is_empty())
        }
        Err(EnvError::Line(..)) => false,
    }
}

pub fn parse_env(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let pairs = env_pairs(text(bytes)?).map_err(|e| {
        ParseError::Invalid(match e {
            EnvError::Line(n, what) => format!("line {}: {what}", n + 1),
            EnvError::Unclosed(n) => format!("line {}: the quoted value never closes", n + 1),
        })
    })?;
    for (key, value) in pairs {
        out.add(unescape(&value).as_bytes(), meta(&key));
    }
    Ok(())
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let (Some(&key), Some(&value)) = (columns.get("key"), columns.get("value")) else {
        return Err(ParseError::Invalid(
            "line 1: no Key and Value columns (not an `infisical export --format csv` file?)"
                .into(),
        ));
    };
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |i: usize| record.get(i).unwrap_or("");
        out.add(unescape(cell(value)).as_bytes(), meta(cell(key)));
    }
    Ok(())
}

pub fn parse_yaml(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    for (key, value) in read_flat_yaml(text(bytes)?)? {
        if let Some(value) = value {
            out.add(unescape(&value).as_bytes(), meta(&key));
        }
    }
    Ok(())
}

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let secrets = array_at(&root, "top level").map_err(|_| {
        ParseError::Invalid(
            "top level: expected a JSON array of {\"key\", \"value\"} objects".into(),
        )
    })?;
    for (index, secret) in secrets.iter().enumerate() {
        let at = at_index("", index);
        let secret = object_at(secret, &at)?;
        let key = opt_str(secret, "key", &at)?
            .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(&at, "key"))))?;
        let value = opt_str(secret, "value", &at)?
            .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(&at, "value"))))?;
        let workspace = opt_str(secret, "workspace", &at)?.filter(|w| !w.is_empty());
        let environment = opt_str(secret, "environment", &at)?.filter(|e| !e.is_empty());
        let path = opt_str(secret, "secretPath", &at)?.filter(|p| !p.is_empty() && *p != "/");
        let mut vault = [workspace, environment]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("/");
        if let Some(path) = path {
            vault.push_str(path);
        }
        let mut tags = Vec::new();
        for (t, tag) in opt_array(secret, "tags", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "tags"), t);
            let tag = object_at(tag, &at)?;
            if let Some(name) = opt_str(tag, "slug", &at)?.or(opt_str(tag, "name", &at)?) {
                tags.push(name.to_string());
            }
        }
        if opt_str(secret, "type", &at)? == Some("personal") {
            tags.push("personal".into());
        }
        out.add(
            value.as_bytes(),
            EntryMeta {
                item: key.to_string(),
                field: "value".into(),
                vault: Some(vault).filter(|v| !v.is_empty()),
                tags,
                ..EntryMeta::default()
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    fn env(text: &str) -> Result<Vec<(String, String)>, ParseError> {
        let mut out = Collector::new(VaultFormat::InfisicalEnv, None, None);
        parse_env(text.as_bytes(), &mut out)?;
        Ok(out
            .into_entries()
            .into_iter()
            .map(|e| (e.meta.item, e.fingerprint))
            .collect())
    }

    #[test]
    fn dotenv_line_breaks_escaped_or_raw_and_errors() {
        let fp = |v: &str| crate::finding::fingerprint(v.as_bytes());
        // Escaped (the default) and raw (a secret that skips multi-line encoding) read alike.
        let escaped = env("export KEY-1='first line\\nsecond'\n").expect("parses");
        let raw = env("# backend\nKEY-1='first line\nsecond'\n").expect("parses");
        assert_eq!(escaped, raw);
        assert_eq!(escaped[0], ("KEY-1".into(), fp("first line\nsecond")));
        // The value is everything between the first and the last quote: Infisical never escapes.
        assert_eq!(
            env("K='it's-a-value'\n"),
            Ok(vec![("K".into(), fp("it's-a-value"))])
        );
        assert!(looks_like_env("A='x'\nB='open\nstill open"));
        assert!(!looks_like_env("B='open\nstill open"));
        assert!(!looks_like_env("A='x'\nB=unquoted"));
        for (text, message) in [
            (
                "A='x'\nB=\"y\"\n",
                "line 2: the value is not in single quotes",
            ),
            ("A='x'\nB='open\n", "line 2: the quoted value never closes"),
            ("A B='x'\n", "line 1: not a secret name"),
        ] {
            assert_eq!(
                env(text),
                Err(ParseError::Invalid(message.into())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn older_cli_output_and_errors() {
        let mut out = Collector::new(VaultFormat::Infisical, None, None);
        parse(
            br#"[{"key": "API_KEY", "value": "value-12345", "type": "shared", "_id": "1"}]"#,
            &mut out,
        )
        .expect("parses");
        let found = out.into_entries();
        assert_eq!(
            (found[0].meta.item.as_str(), found[0].meta.vault.as_deref()),
            ("API_KEY", None)
        );

        let mut out = Collector::new(VaultFormat::Infisical, None, None);
        assert_eq!(
            parse(br#"[{"value": "v"}]"#, &mut out),
            Err(ParseError::Invalid("[0].key: missing".into()))
        );
        assert!(
            matches!(parse(br#"{"k": "v"}"#, &mut out), Err(ParseError::Invalid(m)) if m.contains("JSON array"))
        );
    }
}
