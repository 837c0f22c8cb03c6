//! Keeper exports: Web Vault / Desktop → Settings → Export → JSON or CSV, or Keeper Commander
//! `keeper export --format json|csv FILE` (`--zip` writes `export.json` and `files/` in a zip).
//!
//! JSON (Keeper-Security/Commander `keepercommander/importer/json/json.py`, `KeeperJsonExporter`;
//! bitwarden/clients `libs/importer/src/importers/keeper/keeper.json` is a real export):
//! `{"shared_folders": [{path, uid, manage_users, manage_records, can_edit, can_share,
//! permissions}], "records": [{title, uid, login, password, login_url, notes, "$type",
//! last_modified, custom_fields: {NAME: value}, folders: [{folder, shared_folder, can_edit,
//! can_share}]}]}` (an array of records alone is read too). `last_modified` is Unix seconds.
//! A custom field's name is `$type:label`, `$type` or a plain label; its value a string, an
//! object (`$keyPair` {publicKey, privateKey}, `$paymentCard` {cardNumber, cardSecurityCode},
//! `$host` {hostName, port}…), a number (dates, in milliseconds) or a list of those.
//!
//! CSV (Commander `keepercommander/importer/csv/csv.py`; bitwarden/clients
//! `keeper-csv-importer.ts`): no header; each row `folder, title, login, password, url, notes,
//! shared folder` then custom fields as name, value pairs. The shared folder may end in
//! `#edit`/`#reshare` (its permissions), and the web vault writes a TOTP as the custom field
//! `TFC:Keeper`. No dates. A header-less CSV says little about where it came from, so it is read
//! as Keeper's only when forced (`--vault-format keeper-csv`) or unmistakable (see
//! [`is_csv`]).

use std::io::Cursor;

use serde_json::Value;

use super::shared::{
    Object, add_notes, at_index, at_key, csv_error, csv_quotes_balanced, expected, object_at,
    opt_array, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// Where `keeper export --zip` keeps the JSON export.
pub const ZIP_MEMBER: &str = "export.json";

/// Custom field types that are never secrets (names, addresses, hosts, dates…).
const NOT_SECRETS: &[&str] = &[
    "name",
    "address",
    "host",
    "phone",
    "email",
    "url",
    "date",
    "birthDate",
    "expirationDate",
    "text:type",
];

/// Keys of a custom field's object value that are never secrets.
const NOT_SECRET_KEYS: &[&str] = &["publicKey", "hostName", "port", "cardExpirationDate"];

/// True for Keeper's JSON export: `records` whose entries carry Keeper's own keys
/// (`login_url`, `custom_fields`, `$type`, `last_modified`), beside `shared_folders` or alone.
pub fn looks_like(value: &Value) -> bool {
    let records = match value {
        Value::Array(records) => records,
        other => match other.get("records").and_then(Value::as_array) {
            Some(records) => records,
            None => return false,
        },
    };
    let keeperish = |r: &Value| {
        r.as_object().is_some_and(|r| {
            r.contains_key("title")
                && [
                    "login_url",
                    "custom_fields",
                    "$type",
                    "last_modified",
                    "folders",
                ]
                .iter()
                .any(|k| r.contains_key(*k))
        })
    };
    let object_ok = value.as_object().is_none_or(|o| {
        o.keys()
            .all(|k| k == "records" || k == "shared_folders" || k == "teams")
    });
    !records.is_empty() && object_ok && records.iter().all(keeperish)
}

pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    if crate::input::archive::is_zip(bytes) {
        let data = super::shared::zip_member(bytes, ZIP_MEMBER, "not a Keeper zip export?")?;
        return parse_json_text(&data, out).map_err(|e| match e {
            ParseError::Invalid(message) => ParseError::Invalid(format!("{ZIP_MEMBER}: {message}")),
            other => other,
        });
    }
    parse_json_text(bytes, out)
}

fn parse_json_text(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let (records, at) = match &root {
        Value::Array(records) => (records.as_slice(), String::new()),
        other => {
            let root = object_at(other, "top level")?;
            let records = opt_array(root, "records", "")?.ok_or_else(|| {
                ParseError::Invalid("no records array (not a Keeper JSON export?)".into())
            })?;
            (records, "records".to_string())
        }
    };
    for (index, record) in records.iter().enumerate() {
        let at = at_index(&at, index);
        read_record(object_at(record, &at)?, &at, out)?;
    }
    Ok(())
}

/// `shared folder\folder` (Keeper's own separator) of a record's first folder.
fn folder(record: &Object, at: &str) -> Result<Option<String>, ParseError> {
    let Some(folders) = opt_array(record, "folders", at)? else {
        return Ok(None);
    };
    let Some(first) = folders.first() else {
        return Ok(None);
    };
    let at = at_index(&at_key(at, "folders"), 0);
    let first = object_at(first, &at)?;
    let parts: Vec<&str> = [
        opt_str(first, "shared_folder", &at)?,
        opt_str(first, "folder", &at)?,
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.is_empty())
    .collect();
    Ok((!parts.is_empty()).then(|| parts.join("\\")))
}

fn read_record(record: &Object, at: &str, out: &mut Collector) -> Result<(), ParseError> {
    let updated = match record.get("last_modified") {
        Some(Value::Number(n)) => timestamp(Some(&Value::Number(n.clone()))),
        _ => None,
    };
    let base = EntryMeta {
        item: opt_str(record, "title", at)?
            .unwrap_or_default()
            .to_string(),
        vault: folder(record, at)?,
        updated,
        age_from: updated.map(|_| "last_modified".to_string()),
        ..EntryMeta::default()
    };
    if let Some(password) = opt_str(record, "password", at)? {
        out.add(
            password.as_bytes(),
            EntryMeta {
                field: "password".into(),
                ..base.clone()
            },
        );
    }
    if let Some(notes) = opt_str(record, "notes", at)? {
        add_notes(out, notes, &base);
    }
    let Some(fields) = record.get("custom_fields").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let at = at_key(at, "custom_fields");
    for (name, value) in object_at(fields, &at)? {
        // `$type:label` is named by its label, `$type` by its type.
        let (kind, label) = match name.strip_prefix('$') {
            Some(typed) => match typed.split_once(':') {
                Some((kind, label)) => (kind, label),
                None => (typed, typed),
            },
            None => ("", name.as_str()),
        };
        if NOT_SECRETS.contains(&kind) || NOT_SECRETS.contains(&name.trim_start_matches('$')) {
            continue;
        }
        add_custom(out, label, value, &at_key(&at, name), &base)?;
    }
    Ok(())
}

/// A custom field's strings: the value itself, each string in its object (named
/// `label.key`) and in its list.
fn add_custom(
    out: &mut Collector,
    label: &str,
    value: &Value,
    at: &str,
    base: &EntryMeta,
) -> Result<(), ParseError> {
    let add = |out: &mut Collector, field: String, text: &str| {
        out.add(
            text.as_bytes(),
            EntryMeta {
                field,
                ..base.clone()
            },
        )
    };
    match value {
        Value::String(text) => add(out, label.to_string(), text),
        Value::Object(parts) => {
            for (key, part) in parts {
                match part {
                    Value::String(text) if !NOT_SECRET_KEYS.contains(&key.as_str()) => {
                        add(out, format!("{label}.{key}"), text)
                    }
                    Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {}
                    other => return Err(expected(&at_key(at, key), "a string", other)),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                add_custom(out, label, item, &at_index(at, index), base)?;
            }
        }
        // Dates (milliseconds), flags.
        Value::Number(_) | Value::Bool(_) | Value::Null => {}
    }
    Ok(())
}

/// Every record of a header-less CSV (rows may differ in length).
fn csv_records(bytes: &[u8]) -> Result<Vec<csv::StringRecord>, ParseError> {
    csv_quotes_balanced(bytes)?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(bytes));
    let mut records = Vec::new();
    for record in reader.records() {
        records.push(record.map_err(|e| csv_error(bytes, e))?);
    }
    Ok(records)
}

/// True for a CSV that can only be Keeper's: every row has the 7 columns and then name, value
/// pairs (an odd count of at least 7), and some row says Keeper (a shared folder ending in
/// `#edit` or `#reshare`, or a `TFC:Keeper` one-time-password field). Anything less is refused
/// as an unknown CSV unless `--vault-format keeper-csv` is given.
pub fn is_csv(bytes: &[u8]) -> bool {
    let Ok(records) = csv_records(bytes) else {
        return false;
    };
    let says_keeper = records.iter().any(|r| {
        let shared = r.get(6).unwrap_or("");
        shared.ends_with("#edit")
            || shared.ends_with("#reshare")
            || r.iter().skip(7).step_by(2).any(|name| name == "TFC:Keeper")
    });
    shaped(&records) && says_keeper
}

/// Every row the 7 columns and then name, value pairs: an odd count of at least 7 cells.
fn shaped(records: &[csv::StringRecord]) -> bool {
    !records.is_empty() && records.iter().all(|r| r.len() >= 7 && r.len() % 2 == 1)
}

/// True for a CSV shaped like Keeper's header-less export (see [`is_csv`]) that says nothing
/// else: refused, but with the `--vault-format` that would read it.
pub fn is_csv_shaped(bytes: &[u8]) -> bool {
    csv_records(bytes).is_ok_and(|records| shaped(&records))
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let records = csv_records(bytes)?;
    for (index, record) in records.iter().enumerate() {
        if record.len() < 6 {
            return Err(ParseError::Invalid(format!(
                "line {}: {} cells; a Keeper CSV row has at least 6 (folder, title, login, \
                 password, url, notes)",
                record
                    .position()
                    .map(|p| super::shared::csv_line(bytes, p))
                    .unwrap_or(index as u64 + 1),
                record.len()
            )));
        }
        let cell = |i: usize| record.get(i).unwrap_or("");
        let mut shared = cell(6);
        while let Some(rest) = shared
            .strip_suffix("#edit")
            .or_else(|| shared.strip_suffix("#reshare"))
        {
            shared = rest;
        }
        let folder: Vec<&str> = [shared, cell(0)]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let base = EntryMeta {
            item: cell(1).to_string(),
            vault: (!folder.is_empty()).then(|| folder.join("\\")),
            ..EntryMeta::default()
        };
        out.add(
            cell(3).as_bytes(),
            EntryMeta {
                field: "password".into(),
                ..base.clone()
            },
        );
        add_notes(out, cell(5), &base);
        let mut i = 7;
        while i + 1 < record.len() {
            let (name, value) = (cell(i), cell(i + 1));
            let field = if name == "TFC:Keeper" { "totp" } else { name };
            out.add(
                value.as_bytes(),
                EntryMeta {
                    field: field.to_string(),
                    ..base.clone()
                },
            );
            i += 2;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;
    use crate::input::archive::test_support::zip_of;
    use crate::vault::{VaultEntry, VaultFormat};

    fn json(bytes: &[u8]) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::KeeperJson, None, None);
        parse_json(bytes, &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn commander_zip_and_a_bare_records_array() {
        let data = br#"{"records": [{"title": "t", "password": "zipped-pass-123", "last_modified": 1700000000}]}"#;
        let zip = zip_of(&[("export.json", data), ("files/abc", b"attachment")]);
        assert_eq!(
            crate::vault::detect(std::path::Path::new("keeper.zip"), &zip),
            Some(VaultFormat::KeeperJson)
        );
        let entries = json(&zip).expect("reads");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].fingerprint, fingerprint(b"zipped-pass-123"));
        assert_eq!(
            entries[0].meta.updated.map(|t| t.as_second()),
            Some(1_700_000_000)
        );
        let bare = br#"[{"title": "t", "login_url": "https://x", "password": "bare-pass-1234"}]"#;
        assert!(looks_like(&serde_json::from_slice(bare).unwrap()));
        assert_eq!(json(bare).expect("reads").len(), 1);
        let bad = zip_of(&[("export.json", br#"{"records": [{"title": "t", "custom_fields": {"$keyPair": {"privateKey": ["x"]}}}]}"#)]);
        assert_eq!(
            json(&bad),
            Err(ParseError::Invalid(
                "export.json: records[0].custom_fields.$keyPair.privateKey: expected a string, \
                 found an array"
                    .into()
            ))
        );
    }

    #[test]
    fn lists_of_values_and_plain_labels() {
        let data = br#"{"records": [{"title": "t", "custom_fields": {"API key": "plain-label-value", "$secret:tokens": ["first-token-1", "second-token-2"], "$pinCode": "98765432"}}]}"#;
        let entries = json(data).expect("reads");
        let fields: Vec<&str> = entries.iter().map(|e| e.meta.field.as_str()).collect();
        // serde_json orders object keys.
        assert_eq!(fields, ["pinCode", "tokens", "tokens", "API key"]);
    }
}
