//! Helpers the vault parsers share: JSON access that reports where parsing failed, lenient
//! timestamps, `KEY=value` lines inside notes, base64 in either alphabet, CSV headers.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use serde_json::Value;

use super::generic::unquote;
use super::{Collector, EntryMeta, ParseError};

pub type Object = serde_json::Map<String, Value>;

/// `a an object`, `a string`…: what a JSON value is, never what it holds.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `at: expected <what>, found <kind>`.
pub fn expected(at: &str, what: &str, found: &Value) -> ParseError {
    ParseError::Invalid(format!("{at}: expected {what}, found {}", kind(found)))
}

/// `parent.key` (just `key` at the top).
pub fn at_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub fn at_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

pub fn object_at<'a>(value: &'a Value, at: &str) -> Result<&'a Object, ParseError> {
    value
        .as_object()
        .ok_or_else(|| expected(at, "an object", value))
}

pub fn array_at<'a>(value: &'a Value, at: &str) -> Result<&'a [Value], ParseError> {
    match value {
        Value::Array(array) => Ok(array),
        other => Err(expected(at, "an array", other)),
    }
}

/// `object[key]` as an object; absent or null is `None`.
pub fn opt_object<'a>(
    object: &'a Object,
    key: &str,
    at: &str,
) -> Result<Option<&'a Object>, ParseError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => object_at(value, &at_key(at, key)).map(Some),
    }
}

/// `object[key]` as an array; absent or null is `None`.
pub fn opt_array<'a>(
    object: &'a Object,
    key: &str,
    at: &str,
) -> Result<Option<&'a [Value]>, ParseError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => array_at(value, &at_key(at, key)).map(Some),
    }
}

/// `object[key]` as a string; absent or null is `None`.
pub fn opt_str<'a>(object: &'a Object, key: &str, at: &str) -> Result<Option<&'a str>, ParseError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(expected(&at_key(at, key), "a string", other)),
    }
}

/// A timestamp from a JSON string (RFC 3339 and friends) or number (Unix seconds). Anything
/// unreadable is `None`: a bad date never fails a file.
pub fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    match value? {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => n.as_f64().and_then(from_unix_seconds),
        _ => None,
    }
}

/// Lenient: `2024-01-02T03:04:05.123Z`, offsets, nanoseconds, no offset (taken as UTC), a bare
/// date, or Unix seconds.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(datetime) = text.parse::<DateTime>() {
        return Offset::UTC.to_timestamp(datetime).ok();
    }
    if let Ok(date) = text.parse::<Date>() {
        return Offset::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok();
    }
    text.parse::<f64>().ok().and_then(from_unix_seconds)
}

pub fn from_unix_seconds(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() {
        return None;
    }
    let whole = seconds.floor();
    let nanos = (((seconds - whole) * 1e9).round() as i32).min(999_999_999);
    Timestamp::new(whole as i64, nanos).ok()
}

/// Adds a notes text as one value (field `notes`) and each `KEY=value` line in it as another
/// (field `notes:KEY`): secure notes are where `.env` snippets end up.
pub fn add_notes(out: &mut Collector, notes: &str, base: &EntryMeta) {
    out.add(
        notes.as_bytes(),
        EntryMeta {
            field: "notes".into(),
            ..base.clone()
        },
    );
    for (key, value) in env_lines(notes) {
        out.add(
            value.as_bytes(),
            EntryMeta {
                field: format!("notes:{key}"),
                ..base.clone()
            },
        );
    }
}

/// Adds the cells every password manager's CSV row has: the password, the one-time-password
/// secret (field `totp`) and the notes, each with the row's `base` metadata.
pub fn add_login_cells(
    out: &mut Collector,
    base: &EntryMeta,
    password: &str,
    totp: &str,
    notes: &str,
) {
    for (field, value) in [("password", password), ("totp", totp)] {
        out.add(
            value.as_bytes(),
            EntryMeta {
                field: field.into(),
                ..base.clone()
            },
        );
    }
    add_notes(out, notes, base);
}

/// Adds an old password from a `passwordHistory` entry (its text under `value_key`) as a history
/// value of field `password`. The entry's date under `date_key` is when it stopped being the
/// password; without one, the item's last change stands in.
pub fn add_old_password(
    out: &mut Collector,
    old: &Object,
    at: &str,
    value_key: &str,
    date_key: &str,
    base: &EntryMeta,
) -> Result<(), ParseError> {
    if let Some(password) = opt_str(old, value_key, at)? {
        out.add(
            password.as_bytes(),
            EntryMeta {
                field: "password".into(),
                updated: timestamp(old.get(date_key)).or(base.updated),
                history: true,
                ..base.clone()
            },
        );
    }
    Ok(())
}

/// `NAME=value` and `export NAME=value` lines; values lose one pair of quotes. Lines whose
/// unquoted value holds spaces are prose, not assignments.
pub fn env_lines(text: &str) -> Vec<(&str, String)> {
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        let is_name = key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
        let value = value.trim();
        let quoted = value.len() >= 2
            && (value.starts_with('"') && value.ends_with('"')
                || value.starts_with('\'') && value.ends_with('\''));
        // `note = see the wiki` is prose; an unquoted value has no spaces.
        let prose = !quoted && value.contains(char::is_whitespace);
        if is_name && !value.is_empty() && !prose {
            pairs.push((key, unquote(value)));
        }
    }
    pairs
}

/// Base64 in the standard or the URL-safe alphabet, padded or not, with line breaks ignored.
/// The error never says which byte was wrong: that byte belongs to a secret.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD_PAD_INDIFFERENT
        .decode(&compact)
        .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(&compact))
        .ok()
}

/// Header name (lowercased, trimmed) → column index; the first of duplicate names wins.
/// A CSV header's columns: lowercase name → index.
pub type CsvColumns = HashMap<String, usize>;

/// A CSV export opened for reading: quotes checked first (an unclosed one would swallow the
/// rest of the file into one cell), the header read, its columns by lowercase name.
pub fn csv_table(bytes: &[u8]) -> Result<(csv::Reader<&[u8]>, CsvColumns), ParseError> {
    csv_quotes_balanced(bytes)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let columns = csv_columns(reader.headers().map_err(|e| csv_error(bytes, e))?);
    Ok((reader, columns))
}

pub fn csv_columns(headers: &csv::StringRecord) -> HashMap<String, usize> {
    let mut columns = HashMap::new();
    for (index, name) in headers.iter().enumerate() {
        columns
            .entry(
                name.trim()
                    .trim_start_matches('\u{feff}')
                    .to_ascii_lowercase(),
            )
            .or_insert(index);
    }
    columns
}

/// A CSV error as `line N: …`. The csv crate's own line numbers are off for CRLF files (what
/// papaparse writes) and after blank lines, so the line is counted here from the byte offset,
/// skipping the line breaks the offset may point into.
pub fn csv_error(bytes: &[u8], error: csv::Error) -> ParseError {
    let line = error.position().map(|p| csv_line(bytes, p));
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let what = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} cells where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("cell {} is not UTF-8", err.field() + 1),
        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
        _ => error.to_string(),
    };
    ParseError::Invalid(format!("{at}{what}"))
}

/// Refuses CSV whose last quoted cell never closes: the csv crate would read the rest of the
/// file into that cell, loading the rows after it as nothing, in silence. Quotes count as the
/// csv crate reads them: only at the start of a cell, with `""` inside a quoted cell.
pub fn csv_quotes_balanced(bytes: &[u8]) -> Result<(), ParseError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut line = 1u64;
    let mut cell = 1u64;
    let mut at_cell_start = true;
    // Where the open quoted cell started: (line, cell).
    let mut open: Option<(u64, u64)> = None;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'\n' {
            line += 1;
        }
        if open.is_some() {
            if byte == b'"' {
                if bytes.get(index + 1) == Some(&b'"') {
                    index += 1;
                } else {
                    open = None;
                }
            }
        } else {
            match byte {
                b',' => {
                    cell += 1;
                    at_cell_start = true;
                }
                b'\n' | b'\r' => {
                    cell = 1;
                    at_cell_start = true;
                }
                b'"' if at_cell_start => {
                    open = Some((line, cell));
                    at_cell_start = false;
                }
                _ => at_cell_start = false,
            }
        }
        index += 1;
    }
    match open {
        None => Ok(()),
        Some((line, cell)) => Err(ParseError::Invalid(format!(
            "line {line}: cell {cell} opens a quote that is never closed (the rest of the file \
             would be read into it)"
        ))),
    }
}

/// The 1-based line a CSV record starts on.
pub fn csv_line(bytes: &[u8], position: &csv::Position) -> u64 {
    let mut start = (position.byte() as usize).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
}

/// The member names of a zip archive, or `None` when it is not a readable zip. Export zips are
/// told apart by the members only each tool writes (`export.data`, `data.json`,
/// `Proton Pass/data.json`, `export.json`).
pub fn zip_member_names(bytes: &[u8]) -> Option<Vec<String>> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    Some(archive.file_names().map(str::to_string).collect())
}

/// A member of an export's zip, `name`, inflated within [`zip_member_limit`]; `what` names the
/// export in errors (`not a Proton Pass zip export?`).
pub fn zip_member(bytes: &[u8], name: &str, what: &str) -> Result<Vec<u8>, ParseError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ParseError::Invalid(format!("not a readable zip: {e}")))?;
    read_zip_member(&mut archive, name, what)
}

/// How much of a zip member an export reader inflates: 64 MiB at most, and at most 200 times its
/// compressed size (never less than 1 MiB), so a zip bomb is refused after a small read.
pub fn zip_member_limit(compressed: u64) -> u64 {
    let limits = crate::input::archive::ArchiveLimits::default();
    limits
        .max_member_size
        .min(compressed.saturating_mul(limits.max_ratio).max(1 << 20))
}

/// The member `name` of an export's zip, inflated within [`zip_member_limit`]; `missing` is the
/// error when the archive has no such member.
pub fn read_zip_member<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
    missing: &str,
) -> Result<Vec<u8>, ParseError> {
    use std::io::Read as _;
    let mut member = archive.by_name(name).map_err(|_| {
        ParseError::Invalid(format!("{name}: missing from the archive ({missing})"))
    })?;
    let compressed = member.compressed_size();
    let limit = zip_member_limit(compressed);
    let too_large = || {
        ParseError::Invalid(format!(
            "{name}: expands past {limit} bytes from {compressed} compressed (at most 64 MiB, \
             and 200 times the compressed size, are read: a zip bomb?)"
        ))
    };
    if member.size() > limit {
        return Err(too_large());
    }
    // The declared size can lie: reserve modestly, let `take` bound the read.
    let mut data = Vec::with_capacity(member.size().min(16 << 20) as usize);
    member
        .by_ref()
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| ParseError::Invalid(format!("{name}: cannot decompress: {e}")))?;
    if data.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_read_exports_and_quotes_and_skip_prose() {
        let text = "intro = not a name\nexport TOKEN=\"quoted value\"\n  PLAIN_1 = spaced  \n9BAD=x\nEMPTY=\nurl=https://x?a=b";
        let pairs = env_lines(text);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["TOKEN", "PLAIN_1", "url"]);
        assert_eq!(pairs[0].1, "quoted value");
        assert_eq!(pairs[1].1, "spaced");
        assert_eq!(pairs[2].1, "https://x?a=b");
    }

    #[test]
    fn timestamps_are_lenient_and_never_fatal() {
        let at = |s: &str| parse_timestamp(s).map(|t| t.as_second());
        assert_eq!(at("2024-01-02T03:04:05.123Z"), Some(1_704_164_645));
        assert_eq!(at("2024-01-02T04:04:05+01:00"), Some(1_704_164_645));
        assert_eq!(at("2024-01-02T03:04:05"), Some(1_704_164_645));
        assert_eq!(at("2024-01-02"), Some(1_704_153_600));
        assert_eq!(at("1704164645"), Some(1_704_164_645));
        assert_eq!(at("yesterday"), None);
        assert_eq!(at(""), None);
        assert_eq!(timestamp(Some(&Value::Bool(true))), None);
        let fraction = timestamp(Some(&serde_json::json!(1.25))).unwrap();
        assert_eq!(
            (fraction.as_second(), fraction.subsec_nanosecond()),
            (1, 250_000_000)
        );
    }

    #[test]
    fn base64_in_either_alphabet() {
        assert_eq!(decode_base64("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_base64("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_base64("aGVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("%%%"), None);
    }

    #[test]
    fn unbalanced_csv_quotes_are_found_with_their_line_and_cell() {
        for fine in [
            &b"a,b\n\"x\"\"y\",2\n"[..],
            b"a,b\r\n\"multi\r\nline\",1\r\n",
            b"a,b\nin\"side,1\n",
            b"\xef\xbb\xbf\"a\",b\n",
            b"",
        ] {
            assert_eq!(csv_quotes_balanced(fine), Ok(()), "{fine:?}");
        }
        assert_eq!(
            csv_quotes_balanced(b"name,password\nx,\"open\ny,z\n"),
            Err(ParseError::Invalid(
                "line 2: cell 2 opens a quote that is never closed (the rest of the file would \
                 be read into it)"
                    .into()
            ))
        );
    }

    #[test]
    fn csv_lines_count_crlf_and_blank_lines() {
        let bytes = b"a,b\r\n\"x\r\ny\",1\r\n\r\n2,3\r\n4\r\n";
        let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
        let lines: Vec<u64> = reader
            .records()
            .map_while(Result::ok)
            .map(|r| csv_line(bytes, r.position().unwrap()))
            .collect();
        assert_eq!(lines, [2, 5]);
        let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
        let error = reader.records().find_map(Result::err).unwrap();
        assert_eq!(
            csv_error(bytes, error),
            ParseError::Invalid("line 6: 1 cells where the header has 2".into())
        );
    }
}
