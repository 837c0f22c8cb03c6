//! The generic fallbacks, also Doppler's `secrets download` formats: `NAME=value` lines
//! (`--format env`) and a flat JSON object (`--format json`). Doppler's `secrets --json` shape,
//! `{"NAME": {"computed": "…", "raw": "…"}}`, is read too. Neither carries dates: the vault
//! name comes from `--vault-name`.

use super::{Collector, EntryMeta, ParseError};

fn meta(name: &str) -> EntryMeta {
    EntryMeta {
        item: name.to_string(),
        field: "value".to_string(),
        ..EntryMeta::default()
    }
}

pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    let object = value
        .as_object()
        .ok_or_else(|| ParseError::Invalid("expected a JSON object of names to values".into()))?;
    for (name, value) in object {
        match value {
            serde_json::Value::String(s) => out.add(s.as_bytes(), meta(name)),
            serde_json::Value::Object(fields) => {
                for key in ["computed", "raw"] {
                    if let Some(s) = fields.get(key).and_then(|v| v.as_str()) {
                        out.add(s.as_bytes(), meta(name));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn parse_env(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ParseError::Invalid(format!("not UTF-8 text: {e}")))?;
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
        out.add(unquote(value.trim()).as_bytes(), meta(name.trim()));
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
