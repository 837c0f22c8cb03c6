//! The generic fallbacks, also Doppler's `secrets download` formats: `NAME=value` lines
//! (`--format env`) and a flat JSON object (`--format json`). Doppler's `secrets --json` shape,
//! `{"NAME": {"computed": "…", "raw": "…"}}`, is read too. Neither carries dates: the vault
//! name comes from `--vault-name`.

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

pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
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
    for (name, value) in object {
        match value {
            serde_json::Value::String(s) => out.add(s.as_bytes(), meta(name, &vault)),
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

/// `NAME=value` lines. Written here rather than with a dotenv crate on purpose: those crates
/// load configuration, so they expand `$VAR` and `${VAR}` (from the file and the environment),
/// while a vault export must be read as the literal values it stores — a password holding `$`
/// would otherwise be fingerprinted as something else (see the test below).
pub fn parse_env(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
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
}
