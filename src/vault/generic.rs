//! The generic fallbacks, also Doppler's `secrets download` formats: `NAME=value` lines
//! (`--format env`, `docker`, `env-no-quotes`), a flat JSON object (`--format json`) and a flat
//! `NAME: value` YAML mapping (`--format yaml`), and a team's own nested JSON file
//! (`{"prod": {"openai": {"api_key": "…"}}}`: each string is an item named by its dotted path,
//! `prod.openai.api_key`). Doppler's `secrets --json` shape,
//! `{"NAME": {"computed": "…", "raw": "…"}}`, is read too. None carries dates: the vault
//! name comes from `DOPPLER_PROJECT`/`DOPPLER_CONFIG` or `--vault-name`.
//!
//! Without `--no-file`, `doppler secrets download` writes its output encrypted (DopplerHQ/cli
//! `pkg/crypto/aes.go`): one line `4:base64:500000:<salt>-<iv>-<ciphertext>` (file version,
//! encoding, PBKDF2 rounds; older CLIs wrote `base64:50000:…`, `hex:…` or bare hex). That file
//! is recognised and refused with the command that writes plaintext.

use super::shared::{at_key, expected};
use super::{Collector, EntryMeta, ParseError};

fn meta(name: &str, vault: &Option<String>) -> EntryMeta {
    EntryMeta {
        item: name.to_string(),
        field: "value".to_string(),
        vault: vault.clone(),
        ..EntryMeta::default()
    }
}

/// Doppler adds `DOPPLER_PROJECT` and `DOPPLER_CONFIG` to every download: `project/config`.
fn doppler_vault(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    match (lookup("DOPPLER_PROJECT"), lookup("DOPPLER_CONFIG")) {
        (Some(project), Some(config)) => Some(format!("doppler:{project}/{config}")),
        _ => None,
    }
}

/// What to run instead of reading an encrypted `doppler secrets download` file.
pub const DOPPLER_ENCRYPTED_HINT: &str = "it is a `doppler secrets download` file, which the \
     Doppler CLI encrypts unless told not to; write a plaintext download instead: `doppler \
     secrets download --no-file --format json > doppler.json` (or `--format env` / `yaml`), \
     or fingerprint it at once: `stray vault fingerprint doppler.json -o vault.fp`";

/// True for the one line the Doppler CLI writes when it encrypts a download:
/// `[version:]encoding[:rounds]:salt-iv-ciphertext`, or legacy bare `salt-iv-ciphertext` hex.
pub fn doppler_encrypted(text: &str) -> bool {
    let text = text.trim();
    if text.contains(char::is_whitespace) {
        return false;
    }
    let mut parts: Vec<&str> = text.split(':').collect();
    let Some(data) = parts.pop() else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let encoding = match parts.as_slice() {
        [] => "hex",
        [encoding] | [encoding, _] | [_, encoding, _] => encoding,
        _ => return false,
    };
    let numbers_ok = match parts.as_slice() {
        [] | [_] => true,
        [_, rounds] => digits(rounds),
        [version, _, rounds] => digits(version) && digits(rounds),
        _ => false,
    };
    let alphabet = |b: u8| match encoding {
        "hex" => b.is_ascii_hexdigit(),
        "base64" => b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=',
        _ => false,
    };
    let pieces: Vec<&str> = data.split('-').collect();
    numbers_ok
        && pieces.len() == 3
        && pieces
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(alphabet))
        // Salt (8 bytes) and IV (12 bytes) are short; the ciphertext carries a 16-byte tag.
        && pieces[2].len() >= 16
}

fn refuse_encrypted(bytes: &[u8]) -> Result<(), ParseError> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    match std::str::from_utf8(head) {
        Ok(text) if doppler_encrypted(text) => {
            Err(ParseError::Encrypted(DOPPLER_ENCRYPTED_HINT.into()))
        }
        _ => Ok(()),
    }
}

pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    refuse_encrypted(bytes)?;
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    let object = value
        .as_object()
        .ok_or_else(|| ParseError::Invalid("expected a JSON object of names to values".into()))?;
    let vault = doppler_vault(|key| {
        object.get(key).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            other => other.get("computed")?.as_str().map(str::to_string),
        })
    });
    // A team's own JSON file may nest (`{"prod": {"openai": {"api_key": …}}}`); Doppler's never
    // does, beyond its `{"computed", "raw"}` objects.
    let nested = out.format == super::VaultFormat::Json;
    for (name, value) in object {
        match value {
            serde_json::Value::String(s) => out.add(s.as_bytes(), meta(name, &vault)),
            serde_json::Value::Object(fields)
                if nested && !fields.contains_key("computed") && !fields.contains_key("raw") =>
            {
                add_nested(out, name, fields, &vault);
            }
            serde_json::Value::Object(fields) => {
                let mut found = false;
                for key in ["computed", "raw"] {
                    match fields.get(key) {
                        None | Some(serde_json::Value::Null) => {}
                        Some(serde_json::Value::String(s)) => {
                            found = true;
                            out.add(s.as_bytes(), meta(name, &vault));
                        }
                        Some(other) => return Err(expected(&at_key(name, key), "a string", other)),
                    }
                }
                if !found {
                    return Err(ParseError::Invalid(format!(
                        "{name}: expected a string, or an object with a \"computed\" or \"raw\" \
                         string, found an object without either"
                    )));
                }
            }
            // A value that is not a string would load as nothing, in silence.
            other => {
                return Err(expected(
                    name,
                    "a string, or an object with a \"computed\" or \"raw\" string",
                    other,
                ));
            }
        }
    }
    Ok(())
}

/// True for a team's nested JSON file: an object whose values are strings or objects, at least
/// one an object, every nested object holding only strings, numbers, booleans, nulls and more
/// objects (no arrays: those are some tool's records, not a tree of names), and a string
/// somewhere. Checked after every tool's own shape, so it never takes one of theirs.
pub fn is_nested_json(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    fn tree(object: &serde_json::Map<String, Value>, strings: &mut usize) -> bool {
        object.values().all(|v| match v {
            Value::String(_) => {
                *strings += 1;
                true
            }
            Value::Object(inner) => tree(inner, strings),
            Value::Number(_) | Value::Bool(_) | Value::Null => true,
            Value::Array(_) => false,
        })
    }
    let Some(object) = value.as_object() else {
        return false;
    };
    let mut strings = 0;
    object.values().any(Value::is_object)
        && object.values().all(|v| v.is_string() || v.is_object())
        && tree(object, &mut strings)
        && strings > 0
}

/// The strings of a nested object, each named by its dotted path (`prod.openai.api_key`).
/// Numbers, booleans and nulls in it are settings (a port, a flag), skipped; so are arrays.
fn add_nested(
    out: &mut Collector,
    path: &str,
    object: &serde_json::Map<String, serde_json::Value>,
    vault: &Option<String>,
) {
    for (key, value) in object {
        let path = format!("{path}.{key}");
        match value {
            serde_json::Value::String(s) => out.add(s.as_bytes(), meta(&path, vault)),
            serde_json::Value::Object(inner) => add_nested(out, &path, inner, vault),
            _ => {}
        }
    }
}

/// `NAME=value` lines. Written here rather than with a dotenv crate on purpose: those crates
/// load configuration, so they expand `$VAR` and `${VAR}` (from the file and the environment),
/// while a vault export must be read as the literal values it stores — a password holding `$`
/// would otherwise be fingerprinted as something else (see the test below).
pub fn parse_env(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    refuse_encrypted(bytes)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ParseError::Invalid(format!("not UTF-8 text: {e}")))?;
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(ParseError::Invalid(format!(
                "line {}: expected NAME=value",
                number + 1
            )));
        };
        pairs.push((name.trim().to_string(), unquote(value.trim())));
    }
    let vault = doppler_vault(|key| {
        pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    });
    for (name, value) in &pairs {
        out.add(value.as_bytes(), meta(name, &vault));
    }
    Ok(())
}

/// `doppler secrets download --no-file --format yaml`: a flat `NAME: value` mapping.
pub fn parse_yaml(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    refuse_encrypted(bytes)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ParseError::Invalid(format!("not UTF-8 text: {e}")))?;
    let pairs = read_flat_yaml(text)?;
    let vault = doppler_vault(|key| {
        pairs
            .iter()
            .find(|(name, _)| name == key)
            .and_then(|(_, value)| value.clone())
    });
    for (name, value) in &pairs {
        if let Some(value) = value {
            out.add(value.as_bytes(), meta(name, &vault));
        }
    }
    Ok(())
}

/// The keys of `text` when it is a flat YAML mapping of at least one key (detection).
pub fn flat_yaml_keys(text: &str) -> Option<Vec<String>> {
    let pairs = read_flat_yaml(text).ok()?;
    (!pairs.is_empty()).then(|| pairs.into_iter().map(|(k, _)| k).collect())
}

/// Reads a flat YAML mapping of names to strings, line by line: what Doppler's and Infisical's
/// YAML downloads are (one `NAME: value` per line, a value plain, single-quoted, double-quoted,
/// or a `|`/`>` block scalar, continued on indented lines). No YAML crate is in the dependency
/// tree, and a full YAML parser would bring anchors, tags, merge keys and type coercion that no
/// export of strings needs; anything beyond a flat mapping is refused with its line, never
/// read as something else. A `null`/`~` value is `None`.
pub fn read_flat_yaml(text: &str) -> Result<Vec<(String, Option<String>)>, ParseError> {
    let lines: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let invalid = |n: usize, what: &str| ParseError::Invalid(format!("line {}: {what}", n + 1));
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') || (i == 0 && content == "---") {
            i += 1;
            continue;
        }
        if content == "..." || content == "{}" && pairs.is_empty() {
            i += 1;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(invalid(
                i,
                "an indented line outside a value (only a flat NAME: value mapping is read)",
            ));
        }
        let (key, rest) = yaml_key(line).ok_or_else(|| invalid(i, "expected NAME: value"))?;
        let start = i;
        i += 1;
        // The lines after this one that belong to its value: indented or blank.
        let mut end = i;
        while end < lines.len()
            && (lines[end].trim().is_empty() || lines[end].starts_with([' ', '\t']))
        {
            end += 1;
        }
        // Trailing blank lines belong to the next key, not to this value.
        let mut last = end;
        while last > i && lines[last - 1].trim().is_empty() {
            last -= 1;
        }
        let more = &lines[i..last];
        let rest = rest.trim();
        let value = if rest.starts_with('|') || rest.starts_with('>') {
            Some(block_scalar(rest, more).map_err(|m| invalid(start, &m))?)
        } else if rest.starts_with('\'') || rest.starts_with('"') {
            Some(quoted_scalar(rest, more).map_err(|m| invalid(start, &m))?)
        } else if rest.starts_with(['[', '{', '&', '*', '!', '-', '?']) && !plain_dash(rest) {
            return Err(invalid(
                start,
                "not a plain string value (lists, maps, anchors and tags are not read)",
            ));
        } else {
            let mut value = strip_comment(rest).to_string();
            if value.is_empty() && !more.is_empty() {
                return Err(invalid(
                    start,
                    "a nested mapping or list (only a flat NAME: value mapping is read)",
                ));
            }
            for continued in more {
                let piece = strip_comment(continued.trim());
                if piece.is_empty() {
                    value.push('\n');
                } else {
                    if !value.is_empty() && !value.ends_with('\n') {
                        value.push(' ');
                    }
                    value.push_str(piece);
                }
            }
            match value.as_str() {
                "" | "~" | "null" | "Null" | "NULL" => None,
                _ => Some(value),
            }
        };
        pairs.push((key, value));
        i = last;
    }
    Ok(pairs)
}

/// `-----BEGIN…` and `-x` are plain scalars; `- item` is a list.
fn plain_dash(rest: &str) -> bool {
    rest.starts_with('-') && !rest.starts_with("- ") && rest != "-"
}

/// A plain value's ` # comment` removed.
fn strip_comment(text: &str) -> &str {
    match text.find(" #") {
        Some(at) => text[..at].trim_end(),
        None if text.starts_with('#') => "",
        None => text,
    }
}

/// `NAME: rest`, the name plain or quoted.
fn yaml_key(line: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(inner) = line.strip_prefix('"') {
        let close = inner.find('"')?;
        (inner[..close].to_string(), &inner[close + 1..])
    } else if let Some(inner) = line.strip_prefix('\'') {
        let close = inner.find('\'')?;
        (inner[..close].to_string(), &inner[close + 1..])
    } else {
        let colon = line
            .find(": ")
            .or_else(|| line.strip_suffix(':').map(|k| k.len()))?;
        let key = line[..colon].trim_end();
        if key.is_empty() || key.starts_with(['-', '[', '{', '#', '&', '*', '!', '|', '>', '?']) {
            return None;
        }
        (key.to_string(), &line[colon..])
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some((key, rest))
}

/// `|`, `|-`, `>+`, `|2`…: the indented lines after the header, literal or folded, chomped.
fn block_scalar(header: &str, lines: &[&str]) -> Result<String, String> {
    let header = strip_comment(header);
    let folded = header.starts_with('>');
    let mut chomp = ' ';
    let mut explicit = None;
    for c in header[1..].chars() {
        match c {
            '-' | '+' => chomp = c,
            '1'..='9' => explicit = c.to_digit(10).map(|d| d as usize),
            _ => return Err(format!("a block scalar header `{header}` not understood")),
        }
    }
    let indent = explicit.unwrap_or_else(|| {
        lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .unwrap_or(0)
    });
    let mut content: Vec<&str> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            content.push("");
        } else if line.len() - line.trim_start_matches(' ').len() < indent {
            return Err("a block scalar line indented less than its first line".into());
        } else {
            content.push(&line[indent..]);
        }
    }
    let mut text = String::new();
    for (n, line) in content.iter().enumerate() {
        if n > 0 {
            let previous = content[n - 1];
            let fold = folded
                && !line.is_empty()
                && !previous.is_empty()
                && !line.starts_with([' ', '\t'])
                && !previous.starts_with([' ', '\t']);
            text.push(if fold { ' ' } else { '\n' });
        }
        text.push_str(line);
    }
    if folded {
        // Between text lines, a run of N blank lines folds to N line breaks (not N + 1).
        text = text.replace("\n\n", "\n");
    }
    let body = text.trim_end_matches('\n');
    Ok(match chomp {
        '-' => body.to_string(),
        '+' => format!("{text}\n"),
        _ if body.is_empty() => String::new(),
        _ => format!("{body}\n"),
    })
}

/// A single- or double-quoted value, perhaps continued on indented lines (folded as YAML does:
/// a line break is a space, a blank line a line break).
fn quoted_scalar(first: &str, lines: &[&str]) -> Result<String, String> {
    let quote = first.chars().next().unwrap_or('"');
    let mut raw = first[1..].to_string();
    let mut rest = lines.iter();
    loop {
        if let Some((value, after)) = close_quote(&raw, quote)? {
            let after = after.trim();
            if !(after.is_empty() || after.starts_with('#')) || rest.next().is_some() {
                return Err(format!("text after the closing {quote}"));
            }
            return Ok(value);
        }
        let Some(next) = rest.next() else {
            return Err(format!("a {quote} value that never closes"));
        };
        let piece = next.trim();
        if piece.is_empty() {
            raw.push('\n');
        } else {
            if raw.ends_with('\\') && quote == '"' {
                raw.pop();
            } else if !raw.ends_with('\n') {
                let trimmed = raw.trim_end_matches([' ', '\t']).len();
                raw.truncate(trimmed);
                raw.push(' ');
            }
            raw.push_str(piece);
        }
    }
}

/// The value up to the closing quote, unescaped, and the text after it; `None` if it does not
/// close in `raw`.
fn close_quote(raw: &str, quote: char) -> Result<Option<(String, &str)>, String> {
    let mut value = String::new();
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == quote {
            if quote == '\'' && chars.peek().map(|&(_, n)| n) == Some('\'') {
                chars.next();
                value.push('\'');
                continue;
            }
            return Ok(Some((value, &raw[at + 1..])));
        }
        if c == '\\' && quote == '"' {
            let Some((_, escape)) = chars.next() else {
                return Ok(None);
            };
            let hex = |chars: &mut std::iter::Peekable<std::str::CharIndices>, n: usize| {
                let digits: String = (0..n)
                    .filter_map(|_| chars.next().map(|(_, c)| c))
                    .collect();
                u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| "a bad \\x/\\u escape".to_string())
            };
            value.push(match escape {
                'n' => '\n',
                't' | '\t' => '\t',
                'r' => '\r',
                '0' => '\0',
                'a' => '\u{7}',
                'b' => '\u{8}',
                'e' => '\u{1b}',
                'f' => '\u{c}',
                'v' => '\u{b}',
                'N' => '\u{85}',
                '_' => '\u{a0}',
                'L' => '\u{2028}',
                'P' => '\u{2029}',
                'x' => hex(&mut chars, 2)?,
                'u' => hex(&mut chars, 4)?,
                'U' => hex(&mut chars, 8)?,
                other => other,
            });
            continue;
        }
        value.push(c);
    }
    Ok(None)
}

/// Strips one pair of surrounding quotes; double quotes also unescape `\n`, `\"` and `\\`.
pub fn unquote(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        return value[1..value.len() - 1].to_string();
    }
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        let inner = &value[1..value.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    #[test]
    fn dotenv_values_are_literal_never_expanded() {
        let mut out = Collector::new(VaultFormat::Dotenv, None, None);
        let text = "A=pa$$word${HOME}\nB=\"x$USER\"\nC='s3cr$t-9'\n";
        parse_env(text.as_bytes(), &mut out).expect("parses");
        let fingerprints: Vec<String> = out
            .into_entries()
            .into_iter()
            .map(|e| e.fingerprint)
            .collect();
        for literal in ["pa$$word${HOME}", "x$USER", "s3cr$t-9"] {
            let expected = crate::finding::fingerprint(literal.as_bytes());
            assert!(
                fingerprints.contains(&expected),
                "{literal} kept as written"
            );
        }
    }

    fn parse_str(input: &str) -> Result<usize, ParseError> {
        let mut out = Collector::new(VaultFormat::DopplerJson, None, None);
        parse_json(input.as_bytes(), &mut out).map(|()| out.into_entries().len())
    }

    #[test]
    fn values_of_the_wrong_type_are_errors_naming_the_key() {
        assert_eq!(
            parse_str(r#"{"TOKEN": "tok-123456", "PORT": "8080"}"#),
            Ok(1)
        );
        assert_eq!(parse_str(r#"{"TOKEN": {"computed": "tok-123456"}}"#), Ok(1));
        let cases = [
            (r#"{"TOKEN": 12345678}"#, "TOKEN: expected a string"),
            (r#"{"TOKEN": ["tok-123456"]}"#, "TOKEN: expected a string"),
            (
                r#"{"TOKEN": {"computed": 5}}"#,
                "TOKEN.computed: expected a string, found a number",
            ),
            (
                r#"{"TOKEN": {"value": "tok-123456"}}"#,
                "TOKEN: expected a string, or an object",
            ),
        ];
        for (input, message) in cases {
            match parse_str(input) {
                Err(ParseError::Invalid(m)) => assert!(m.starts_with(message), "{m}"),
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn flat_yaml_scalars_and_refusals() {
        let text = "---\n# comment\nA: plain value # note\nB: 'it''s: quoted'\nC: \"tab\\there\\n\\u00e9\"\n\
                    D: |-\n  line 1\n\n  line 2\nE: >\n  folded\n  text\nF: ~\nG: -----BEGIN X-----\\nabc\n\
                    H: \"two \n  lines\"\n";
        let pairs = read_flat_yaml(text).expect("reads");
        let value = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.clone())
        };
        assert_eq!(value("A").as_deref(), Some("plain value"));
        assert_eq!(value("B").as_deref(), Some("it's: quoted"));
        assert_eq!(value("C").as_deref(), Some("tab\there\n\u{e9}"));
        assert_eq!(value("D").as_deref(), Some("line 1\n\nline 2"));
        assert_eq!(value("E").as_deref(), Some("folded text\n"));
        assert_eq!(value("F"), None);
        assert_eq!(value("G").as_deref(), Some("-----BEGIN X-----\\nabc"));
        assert_eq!(value("H").as_deref(), Some("two lines"));
        for (bad, line) in [
            ("A: x\nB:\n  nested: 1\n", "line 2"),
            ("A: [1, 2]\n", "line 1"),
            ("A: x\n  - item\nplain words\n", "line 3"),
            ("A: 'open\n", "line 1"),
        ] {
            match read_flat_yaml(bad) {
                Err(ParseError::Invalid(m)) => assert!(m.starts_with(line), "{bad:?}: {m}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn doppler_encrypted_files_old_and_new() {
        assert!(doppler_encrypted(
            "4:base64:500000:q6sgWWhCYVg=-gJcZ5x+kbc0kIg1i-8k1qS1eGmBvbdtCTJ6nTxHYJ4hOGtg=="
        ));
        assert!(doppler_encrypted(
            "a1b2c3d4e5f60718-0a0b0c0d0e0f101112131415-00112233445566778899aabbccddeeff00"
        ));
        assert!(!doppler_encrypted("KEY=value"));
        assert!(!doppler_encrypted("2024-01-02"));
        assert!(!doppler_encrypted("4:rot13:5:a-b-c"));
    }
}
