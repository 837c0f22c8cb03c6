//! Bitwarden unencrypted JSON and CSV exports (`bw export --format json|csv`, Web vault → Tools →
//! Export vault), personal and organization.
//!
//! Shapes follow the clients' export models (`libs/common/src/models/export/*.export.ts` and the
//! vault-export services in bitwarden/clients):
//!
//! - JSON: `{"encrypted": false, "folders": [{id, name}], "items": [...]}`; organization exports
//!   carry `collections` instead of `folders` and `collectionIds` on each item. An item has
//!   `name`, `notes`, `fields[] {name, value, type}` (0 text, 1 hidden, 2 boolean, 3 linked),
//!   `login {username, password, totp, fido2Credentials[]}`, `sshKey {privateKey}`,
//!   `card {number, code}`, `identity {ssn, passportNumber, licenseNumber}`, newer
//!   `bankAccount`/`passport`/`driversLicense`, `passwordHistory[] {lastUsedDate, password}`,
//!   `creationDate` and `revisionDate`.
//! - Encrypted JSON: `"encrypted": true`, either password protected (`passwordProtected`,
//!   `salt`, `kdfType`, `data`) or account restricted (`encKeyValidation_DO_NOT_EDIT` and the
//!   usual `items` whose strings are all cipher strings). Neither is readable here.
//! - CSV (papaparse): personal `folder,favorite,type,name,notes,fields,reprompt,login_uri,
//!   login_username,login_password,login_totp`; organization `collections,type,name,…`. The
//!   `fields` cell holds one `name: value` per line; `collections` is the names joined by `,`.
//!
//! Helpers shared by the other vault parsers (JSON access with locations, timestamps, `KEY=value`
//! lines in notes, base64) live in [`shared`] at the end of this file.

use std::collections::HashMap;

use serde_json::Value;

use super::{Collector, EntryMeta, ParseError};
use shared::{
    Object, add_notes, at_index, csv_columns, csv_error, expected, object_at, opt_array,
    opt_object, opt_str, timestamp,
};

const ENCRYPTED_HINT: &str = "make an unencrypted export: `bw export --format json --output <safe place>` \
     (or Web vault → Tools → Export vault → .json), or a fingerprint file with `stray vault fingerprint`";

/// Item sub-objects whose listed keys hold credentials, with the field name each gets.
const SECRET_PARTS: &[(&str, &[&str])] = &[
    ("sshKey", &["privateKey"]),
    ("card", &["number", "code"]),
    ("identity", &["ssn", "passportNumber", "licenseNumber"]),
    ("bankAccount", &["accountNumber", "pin", "iban"]),
    (
        "passport",
        &["passportNumber", "nationalIdentificationNumber"],
    ),
    ("driversLicense", &["licenseNumber"]),
];

pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&root, "top level")?;
    match root.get("encrypted") {
        Some(Value::Bool(true)) => return Err(ParseError::Encrypted(ENCRYPTED_HINT.into())),
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(other) => return Err(expected("encrypted", "true or false", other)),
    }
    if root.get("passwordProtected") == Some(&Value::Bool(true)) {
        return Err(ParseError::Encrypted(ENCRYPTED_HINT.into()));
    }
    let folders = names_by_id(root, "folders")?;
    let collections = names_by_id(root, "collections")?;
    let items = opt_array(root, "items", "")?.ok_or_else(|| {
        ParseError::Invalid("items: missing (not a Bitwarden JSON export?)".into())
    })?;
    for (index, item) in items.iter().enumerate() {
        let at = at_index("items", index);
        parse_item(object_at(item, &at)?, &at, &folders, &collections, out)?;
    }
    Ok(())
}

/// `folders` or `collections`: id → name.
fn names_by_id<'a>(root: &'a Object, key: &str) -> Result<HashMap<&'a str, &'a str>, ParseError> {
    let mut names = HashMap::new();
    for (index, entry) in opt_array(root, key, "")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(key, index);
        let entry = object_at(entry, &at)?;
        if let (Some(id), Some(name)) = (opt_str(entry, "id", &at)?, opt_str(entry, "name", &at)?) {
            names.insert(id, name);
        }
    }
    Ok(names)
}

fn parse_item(
    item: &Object,
    at: &str,
    folders: &HashMap<&str, &str>,
    collections: &HashMap<&str, &str>,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let folder = opt_str(item, "folderId", at)?.and_then(|id| folders.get(id).copied());
    let mut collection_names = Vec::new();
    let collection_ids = opt_array(item, "collectionIds", at)?.unwrap_or_default();
    for (index, id) in collection_ids.iter().enumerate() {
        match id {
            Value::String(id) => collection_names.extend(collections.get(id.as_str()).copied()),
            other => {
                let at = at_index(&format!("{at}.collectionIds"), index);
                return Err(expected(&at, "a string", other));
            }
        }
    }
    let vault = match folder {
        Some(folder) => Some(folder.to_string()),
        None if !collection_names.is_empty() => Some(collection_names.join(", ")),
        None => None,
    };
    let base = EntryMeta {
        item: opt_str(item, "name", at)?.unwrap_or_default().to_string(),
        vault,
        created: timestamp(item.get("creationDate")),
        updated: timestamp(item.get("revisionDate")),
        ..EntryMeta::default()
    };
    let meta = |field: &str| EntryMeta {
        field: field.to_string(),
        ..base.clone()
    };

    if let Some(login) = opt_object(item, "login", at)? {
        let at = format!("{at}.login");
        for key in ["password", "totp"] {
            if let Some(value) = opt_str(login, key, &at)? {
                out.add(value.as_bytes(), meta(key));
            }
        }
        let passkeys = opt_array(login, "fido2Credentials", &at)?.unwrap_or_default();
        for (index, passkey) in passkeys.iter().enumerate() {
            let at = at_index(&format!("{at}.fido2Credentials"), index);
            if let Some(key) = opt_str(object_at(passkey, &at)?, "keyValue", &at)? {
                out.add(key.as_bytes(), meta("passkey"));
            }
        }
    }
    if let Some(notes) = opt_str(item, "notes", at)? {
        add_notes(out, notes, &base);
    }
    for (index, field) in opt_array(item, "fields", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&format!("{at}.fields"), index);
        let field = object_at(field, &at)?;
        // Booleans ("true"/"false") and linked fields (a pointer to another field) hold no secret.
        if matches!(field.get("type").and_then(Value::as_u64), Some(2 | 3)) {
            continue;
        }
        if let Some(value) = opt_str(field, "value", &at)? {
            let name = opt_str(field, "name", &at)?.filter(|n| !n.is_empty());
            out.add(value.as_bytes(), meta(name.unwrap_or("custom field")));
        }
    }
    for (part, keys) in SECRET_PARTS {
        if let Some(object) = opt_object(item, part, at)? {
            let at = format!("{at}.{part}");
            for key in *keys {
                if let Some(value) = opt_str(object, key, &at)? {
                    out.add(value.as_bytes(), meta(&format!("{part}.{key}")));
                }
            }
        }
    }
    let history = opt_array(item, "passwordHistory", at)?.unwrap_or_default();
    for (index, old) in history.iter().enumerate() {
        let at = at_index(&format!("{at}.passwordHistory"), index);
        let old = object_at(old, &at)?;
        if let Some(password) = opt_str(old, "password", &at)? {
            out.add(
                password.as_bytes(),
                EntryMeta {
                    // When this value stopped being the password.
                    updated: timestamp(old.get("lastUsedDate")).or(base.updated),
                    history: true,
                    ..meta("password")
                },
            );
        }
    }
    Ok(())
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let columns = csv_columns(reader.headers().map_err(|e| csv_error(bytes, e))?);
    let column = |name: &str| columns.get(name).copied();
    let Some(password) = column("login_password") else {
        return Err(ParseError::Invalid(
            "line 1: no login_password column (not a Bitwarden CSV export?)".into(),
        ));
    };
    let (name, notes, fields, totp) = (
        column("name"),
        column("notes"),
        column("fields"),
        column("login_totp"),
    );
    let (folder, collections) = (column("folder"), column("collections"));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let vault = if !cell(folder).is_empty() {
            Some(cell(folder).to_string())
        } else if !cell(collections).is_empty() {
            let names: Vec<&str> = cell(collections).split(',').map(str::trim).collect();
            Some(names.join(", "))
        } else {
            None
        };
        let base = EntryMeta {
            item: cell(name).to_string(),
            vault,
            ..EntryMeta::default()
        };
        let meta = |field: &str| EntryMeta {
            field: field.to_string(),
            ..base.clone()
        };
        out.add(cell(Some(password)).as_bytes(), meta("password"));
        out.add(cell(totp).as_bytes(), meta("totp"));
        add_notes(out, cell(notes), &base);
        for (field, value) in custom_fields(cell(fields)) {
            let field = if field.is_empty() {
                "custom field"
            } else {
                field
            };
            out.add(value.as_bytes(), meta(field));
        }
    }
    Ok(())
}

/// The CSV `fields` cell: `name: value` lines. A line without `": "` continues the previous
/// value (multi-line custom fields).
fn custom_fields(cell: &str) -> Vec<(&str, String)> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in cell.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line.split_once(": ") {
            Some((name, value)) => fields.push((name, value.to_string())),
            None => match fields.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line);
                }
                None if !line.is_empty() => fields.push(("", line.to_string())),
                None => {}
            },
        }
    }
    fields
}

/// Helpers the vault parsers share: JSON access that reports where parsing failed, lenient
/// timestamps, `KEY=value` lines inside notes, base64 in either alphabet, CSV headers.
pub(super) mod shared {
    use std::collections::HashMap;

    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
    use jiff::Timestamp;
    use jiff::civil::{Date, DateTime};
    use jiff::tz::Offset;
    use serde_json::Value;

    use super::super::generic::unquote;
    use super::super::{Collector, EntryMeta, ParseError};

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
    pub fn opt_str<'a>(
        object: &'a Object,
        key: &str,
        at: &str,
    ) -> Result<Option<&'a str>, ParseError> {
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

    /// The 1-based line a CSV record starts on.
    pub fn csv_line(bytes: &[u8], position: &csv::Position) -> u64 {
        let mut start = (position.byte() as usize).min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::shared::*;
    use super::*;
    use crate::finding::fingerprint;
    use crate::vault::{VaultEntry, VaultFormat};

    fn entries(
        parse: fn(&[u8], &mut Collector) -> Result<(), ParseError>,
        input: &str,
    ) -> Vec<VaultEntry> {
        let mut out = Collector::new(VaultFormat::BitwardenJson, None, None);
        parse(input.as_bytes(), &mut out).expect("parses");
        out.into_entries()
    }

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

    #[test]
    fn csv_custom_fields_continue_multiline_values() {
        let fields = custom_fields("one: 1\nkey: -----BEGIN\nbody\n-----END\n: nameless");
        assert_eq!(
            fields,
            [
                ("one", "1".to_string()),
                ("key", "-----BEGIN\nbody\n-----END".to_string()),
                ("", "nameless".to_string())
            ]
        );
    }

    #[test]
    fn json_item_kinds_passkeys_and_types() {
        let input = r#"{"encrypted": false, "items": [
            {"type": 1, "name": "site", "login": {"password": null, "totp": "",
              "fido2Credentials": [{"keyValue": "MIGHAgEAMBMGByqGSM49AgEG", "rpId": "example.com"}]},
             "fields": [{"name": "flag", "value": "false-but-long", "type": 2},
                        {"name": "api", "value": "visible-api-key", "type": 0}],
             "bankAccount": {"accountNumber": "DE00123456780000", "pin": "1234"}}]}"#;
        let found = entries(parse_json, input);
        let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
        assert_eq!(fields, ["passkey", "api", "bankAccount.accountNumber"]);
        assert_eq!(found[1].fingerprint, fingerprint(b"visible-api-key"));
        assert!(
            found
                .iter()
                .all(|e| e.meta.vault.is_none() && e.meta.created.is_none())
        );
    }

    #[test]
    fn json_errors_name_where() {
        let mut out = Collector::new(VaultFormat::BitwardenJson, None, None);
        let cases = [
            (r#"[]"#, "top level: expected an object, found an array"),
            (
                r#"{"encrypted": "no", "items": []}"#,
                "encrypted: expected true or false, found a string",
            ),
            (r#"{"folders": []}"#, "items: missing"),
            (
                r#"{"items": [{"fields": [{"value": 7}]}]}"#,
                "items[0].fields[0].value: expected a string, found a number",
            ),
            (
                r#"{"items": [{"passwordHistory": [1]}]}"#,
                "items[0].passwordHistory[0]: expected an object, found a number",
            ),
        ];
        for (input, message) in cases {
            match parse_json(input.as_bytes(), &mut out) {
                Err(ParseError::Invalid(m)) => assert!(m.starts_with(message), "{m}"),
                other => panic!("{input}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_json(br#"{"encrypted": true, "data": "2.x|y|z"}"#, &mut out),
            Err(ParseError::Encrypted(_))
        ));
    }

    #[test]
    fn csv_needs_a_login_password_column() {
        let mut out = Collector::new(VaultFormat::BitwardenCsv, None, None);
        assert_eq!(
            parse_csv(b"name,notes\nx,y\n", &mut out),
            Err(ParseError::Invalid(
                "line 1: no login_password column (not a Bitwarden CSV export?)".into()
            ))
        );
    }
}
