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
//! - Zip (`bw export --format zip`, Web vault → Export → .zip; `getDecryptedExportZip` in
//!   `libs/tools/export/vault-export/vault-export-core/src/services/individual-vault-export.service.ts`):
//!   `data.json` (the unencrypted JSON export above) and `attachments/<item id>/<file name>`.
//!   Only `data.json` is read.
//! - `bw list items` (`apps/cli/src/vault/models/cipher.response.ts`): a JSON array of items
//!   without the export wrapper (no folder or collection names), each with `"object": "item"`,
//!   `attachments`, and `login.passwordRevisionDate` (`login.response.ts`: when the login
//!   password last changed, null if never); with `--response`,
//!   `{"success": true, "data": {"object": "list", "data": [...]}}`. `bw get item` prints one.
//!
//! Password history (`updateModelfromExistingCipher` in
//! `libs/common/src/vault/services/cipher.service.ts`): when the login password changes, the old
//! one is stored with `lastUsedDate` = the new `passwordRevisionDate`; when a hidden custom
//! field changes or is removed, the old value is stored as `"<field name>: <old value>"`, dated
//! then. So the newest history date of a value's field is when its current value was set: the
//! age is counted from there (or from `passwordRevisionDate`), not from the item's
//! `revisionDate`, which any edit moves; `EntryMeta::age_from` names the date used.

use std::collections::HashMap;
use std::io::Cursor;

use jiff::Timestamp;

use serde_json::Value;

use super::shared::{
    Object, add_login_cells, add_notes, at_index, csv_error, csv_table, expected, object_at,
    opt_array, opt_object, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

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
    if crate::input::archive::is_zip(bytes) {
        let data = zip_data_json(bytes)?;
        return parse_json_text(&data, out).map_err(|e| match e {
            ParseError::Invalid(message) => ParseError::Invalid(format!("data.json: {message}")),
            other => other,
        });
    }
    parse_json_text(bytes, out)
}

/// `data.json` of a zip export, read with a bound so a zip bomb is refused after a small read.
fn zip_data_json(bytes: &[u8]) -> Result<Vec<u8>, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError::Invalid(format!("not a readable zip: {e}")))?;
    super::shared::read_zip_member(&mut archive, "data.json", "not a Bitwarden zip export?")
}

/// The JSON export, `bw list items` (an array, or `--response`'s wrapper) or `bw get item`.
fn parse_json_text(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let none = HashMap::new();
    if let Value::Array(items) = &root {
        return parse_items(items, "", &none, &none, out);
    }
    let root = object_at(&root, "top level")?;
    if is_item(root) {
        return parse_item(root, "top level", &none, &none, out);
    }
    if let Some(list) = root.get("data").and_then(Value::as_object)
        && list.get("object").and_then(Value::as_str) == Some("list")
    {
        let items = opt_array(list, "data", "data")?.unwrap_or_default();
        return parse_items(items, "data.data", &none, &none, out);
    }
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
    parse_items(items, "items", &folders, &collections, out)
}

/// An item as the CLI prints it (`bw get item`, each of `bw list items`).
pub fn is_item(value: &Object) -> bool {
    value.get("object").and_then(Value::as_str) == Some("item")
}

fn parse_items(
    items: &[Value],
    at: &str,
    folders: &HashMap<&str, &str>,
    collections: &HashMap<&str, &str>,
    out: &mut Collector,
) -> Result<(), ParseError> {
    for (index, item) in items.iter().enumerate() {
        let at = at_index(at, index);
        parse_item(object_at(item, &at)?, &at, folders, collections, out)?;
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
    let (created, revised) = (
        timestamp(item.get("creationDate")),
        timestamp(item.get("revisionDate")),
    );
    let base = EntryMeta {
        item: opt_str(item, "name", at)?.unwrap_or_default().to_string(),
        vault,
        created,
        updated: revised,
        age_from: match (revised, created) {
            (Some(_), _) => Some("revisionDate".into()),
            (None, Some(_)) => Some("creationDate".into()),
            (None, None) => None,
        },
        ..EntryMeta::default()
    };
    let meta = |field: &str| EntryMeta {
        field: field.to_string(),
        ..base.clone()
    };
    // A value dated by a date of its own; without one, the item's dates stand.
    let dated = |field: &str, date: Option<(Timestamp, &str)>| match date {
        Some((date, from)) => EntryMeta {
            field: field.to_string(),
            updated: Some(date),
            age_from: Some(from.to_string()),
            ..base.clone()
        },
        None => meta(field),
    };

    let login = opt_object(item, "login", at)?;
    let fields = opt_array(item, "fields", at)?.unwrap_or_default();
    let mut field_names = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let at = at_index(&format!("{at}.fields"), index);
        if let Some(name) = opt_str(object_at(field, &at)?, "name", &at)?.filter(|n| !n.is_empty())
        {
            field_names.push(name);
        }
    }
    let is_login = login.is_some() || item.get("type").and_then(Value::as_u64) == Some(1);
    let history = password_history(item, at, &field_names, is_login)?;

    if let Some(login) = login {
        let at = format!("{at}.login");
        if let Some(password) = opt_str(login, "password", &at)? {
            let date = timestamp(login.get("passwordRevisionDate"))
                .map(|d| (d, "login.passwordRevisionDate"))
                .or_else(|| last_changed(&history, None, password));
            out.add(password.as_bytes(), dated("password", date));
        }
        if let Some(totp) = opt_str(login, "totp", &at)? {
            out.add(totp.as_bytes(), meta("totp"));
        }
        let passkeys = opt_array(login, "fido2Credentials", &at)?.unwrap_or_default();
        for (index, passkey) in passkeys.iter().enumerate() {
            let at = at_index(&format!("{at}.fido2Credentials"), index);
            let passkey = object_at(passkey, &at)?;
            if let Some(key) = opt_str(passkey, "keyValue", &at)? {
                let date = timestamp(passkey.get("creationDate"))
                    .map(|d| (d, "login.fido2Credentials.creationDate"));
                out.add(key.as_bytes(), dated("passkey", date));
            }
        }
    }
    if let Some(notes) = opt_str(item, "notes", at)? {
        add_notes(out, notes, &base);
    }
    for (index, field) in fields.iter().enumerate() {
        let at = at_index(&format!("{at}.fields"), index);
        let field = object_at(field, &at)?;
        // Booleans ("true"/"false") and linked fields (a pointer to another field) hold no secret.
        if matches!(field.get("type").and_then(Value::as_u64), Some(2 | 3)) {
            continue;
        }
        if let Some(value) = opt_str(field, "value", &at)? {
            let name = opt_str(field, "name", &at)?.filter(|n| !n.is_empty());
            let date = name.and_then(|name| last_changed(&history, Some(name), value));
            out.add(
                value.as_bytes(),
                dated(name.unwrap_or("custom field"), date),
            );
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
    for old in &history {
        let date = old.date.map(|d| (d, "passwordHistory.lastUsedDate"));
        let mut meta = dated(old.field.unwrap_or("password"), date);
        meta.history = true;
        out.add(old.value.as_bytes(), meta);
    }
    Ok(())
}

/// One value of `passwordHistory`: an old login password (`field` None) or an old value of the
/// custom field `field`, and when it was replaced.
struct OldValue<'a> {
    field: Option<&'a str>,
    value: &'a str,
    date: Option<Timestamp>,
    /// Whether the entry may instead be a deleted field's (login items, unknown name): it then
    /// dates neither the password nor a field.
    ambiguous: bool,
}

/// `passwordHistory[] {lastUsedDate, password}`, each entry split into the value it held. An
/// entry `"<name>: <value>"` whose name is one of the item's custom fields is that field's old
/// value. With an unknown name (the field was deleted) the entry is the old value of a field of
/// that name, and, on a login item, the whole text is also taken as an old password (a password
/// may hold `": "`). Anything else is an old login password.
fn password_history<'a>(
    item: &'a Object,
    at: &str,
    field_names: &[&'a str],
    is_login: bool,
) -> Result<Vec<OldValue<'a>>, ParseError> {
    let mut values = Vec::new();
    let history = opt_array(item, "passwordHistory", at)?.unwrap_or_default();
    for (index, old) in history.iter().enumerate() {
        let at = at_index(&format!("{at}.passwordHistory"), index);
        let old = object_at(old, &at)?;
        let Some(text) = opt_str(old, "password", &at)? else {
            continue;
        };
        let date = timestamp(old.get("lastUsedDate"));
        let known = field_names
            .iter()
            .filter(|name| {
                text.strip_prefix(**name)
                    .is_some_and(|rest| rest.starts_with(": "))
            })
            .max_by_key(|name| name.len());
        let split = match known {
            Some(name) => Some((*name, &text[name.len() + 2..])),
            None => text.split_once(": "),
        };
        match split {
            Some((name, value)) => {
                let ambiguous = known.is_none() && is_login;
                values.push(OldValue {
                    field: Some(name),
                    value,
                    date,
                    ambiguous,
                });
                if ambiguous {
                    values.push(OldValue {
                        field: None,
                        value: text,
                        date,
                        ambiguous,
                    });
                }
            }
            None => values.push(OldValue {
                field: None,
                value: text,
                date,
                ambiguous: false,
            }),
        }
    }
    Ok(values)
}

/// When the current `value` of `field` (None: the login password) was set: the newest date at
/// which another value of it went into the history.
fn last_changed(
    history: &[OldValue],
    field: Option<&str>,
    value: &str,
) -> Option<(Timestamp, &'static str)> {
    history
        .iter()
        .filter(|old| !old.ambiguous && old.field == field && old.value != value)
        .filter_map(|old| old.date)
        .max()
        .map(|date| (date, "passwordHistory.lastUsedDate"))
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
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
        add_login_cells(out, &base, cell(Some(password)), cell(totp), cell(notes));
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

#[cfg(test)]
mod tests {
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
            ("7", "top level: expected an object, found a number"),
            ("[1]", "[0]: expected an object, found a number"),
            (
                r#"{"data": {"object": "list", "data": [{"login": 1}]}}"#,
                "data.data[0].login: expected an object, found a number",
            ),
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

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().expect("test timestamp"))
    }

    #[test]
    fn history_entries_of_custom_fields_are_split_and_date_the_current_value() {
        let input = r#"{"items": [{"type": 1, "name": "svc", "revisionDate": "2026-01-01T00:00:00Z",
            "fields": [{"name": "api key", "value": "api-key-new-1", "type": 1},
                       {"name": "db: pass", "value": "db-pass-new-1", "type": 1},
                       {"name": "plain", "value": "plain-value-1", "type": 0}],
            "login": {"password": "login-pw-new-1"},
            "passwordHistory": [
                {"lastUsedDate": "2025-05-01T00:00:00Z", "password": "gone field: gone-value-1"},
                {"lastUsedDate": "2025-04-01T00:00:00Z", "password": "db: pass: db-pass-old-1"},
                {"lastUsedDate": "2025-03-01T00:00:00Z", "password": "api key: api-key-new-1"},
                {"lastUsedDate": "2025-02-01T00:00:00Z", "password": "api key: api-key-old-1"},
                {"lastUsedDate": "2025-01-01T00:00:00Z", "password": "login-pw-old-1"}]}]}"#;
        let found = entries(parse_json, input);
        let by = |value: &str| {
            found
                .iter()
                .filter(|e| e.fingerprint == fingerprint(value.as_bytes()))
                .map(|e| {
                    let m = &e.meta;
                    (
                        m.field.as_str(),
                        m.history,
                        m.updated,
                        m.age_from.as_deref(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let history = Some("passwordHistory.lastUsedDate");
        assert_eq!(
            by("login-pw-new-1"),
            [("password", false, at("2025-01-01T00:00:00Z"), history)]
        );
        // The newest entry of "api key" holds the current value (a type change): the value
        // itself last changed when api-key-old-1 went.
        assert_eq!(
            by("api-key-new-1"),
            [
                ("api key", false, at("2025-02-01T00:00:00Z"), history),
                ("api key", true, at("2025-03-01T00:00:00Z"), history)
            ]
        );
        assert_eq!(
            by("api-key-old-1"),
            [("api key", true, at("2025-02-01T00:00:00Z"), history)]
        );
        // The longest field name wins.
        assert_eq!(
            by("db-pass-old-1"),
            [("db: pass", true, at("2025-04-01T00:00:00Z"), history)]
        );
        assert_eq!(by("db-pass-new-1")[0].2, at("2025-04-01T00:00:00Z"));
        // A deleted field on a login item: its value, and the whole text as an old password.
        assert_eq!(
            by("gone-value-1"),
            [("gone field", true, at("2025-05-01T00:00:00Z"), history)]
        );
        assert_eq!(by("gone field: gone-value-1")[0].0, "password");
        // No history of its own: the item's revisionDate.
        assert_eq!(
            by("plain-value-1"),
            [(
                "plain",
                false,
                at("2026-01-01T00:00:00Z"),
                Some("revisionDate")
            )]
        );
        assert!(by("api key: api-key-old-1").is_empty());
    }

    #[test]
    fn cli_items_and_their_own_dates() {
        let item = r#"{"object": "item", "type": 1, "name": "x", "revisionDate": "2026-01-01T00:00:00Z",
            "creationDate": "2024-01-01T00:00:00Z",
            "login": {"password": "login-pw-new-2", "passwordRevisionDate": "2025-06-01T00:00:00Z",
              "fido2Credentials": [{"keyValue": "passkey-value-2", "creationDate": "2025-07-01T00:00:00Z"}]},
            "passwordHistory": [{"lastUsedDate": "2025-01-01T00:00:00Z", "password": "login-pw-old-2"}]}"#;
        let list = format!("[{item}]");
        let wrapped =
            format!(r#"{{"success": true, "data": {{"object": "list", "data": [{item}]}}}}"#);
        for input in [item, list.as_str(), wrapped.as_str()] {
            let found = entries(parse_json, input);
            let dates: Vec<_> = found
                .iter()
                .map(|e| {
                    (
                        e.meta.field.as_str(),
                        e.meta.updated,
                        e.meta.age_from.as_deref(),
                    )
                })
                .collect();
            assert_eq!(
                dates,
                [
                    (
                        "password",
                        at("2025-06-01T00:00:00Z"),
                        Some("login.passwordRevisionDate")
                    ),
                    (
                        "passkey",
                        at("2025-07-01T00:00:00Z"),
                        Some("login.fido2Credentials.creationDate")
                    ),
                    (
                        "password",
                        at("2025-01-01T00:00:00Z"),
                        Some("passwordHistory.lastUsedDate")
                    )
                ],
                "{input}"
            );
        }
        let undated = entries(
            parse_json,
            r#"[{"object": "item", "notes": "a-note-value"}]"#,
        );
        assert_eq!(
            (undated[0].meta.updated, undated[0].meta.age_from.as_deref()),
            (None, None)
        );
        let created = entries(
            parse_json,
            r#"[{"object": "item", "notes": "a-note-value", "creationDate": "2024-01-01T00:00:00Z"}]"#,
        );
        assert_eq!(created[0].meta.age_from.as_deref(), Some("creationDate"));
    }

    #[test]
    fn zip_exports_read_data_json() {
        use crate::input::archive::test_support::zip_of;
        let data = br#"{"encrypted": false, "items": [{"notes": "zipped-note-value"}]}"#;
        let zip = zip_of(&[("data.json", data), ("attachments/id/file.txt", b"x")]);
        let detect = |zip: &[u8]| crate::vault::detect(std::path::Path::new("export.zip"), zip);
        assert_eq!(detect(&zip), Some(VaultFormat::BitwardenJson));
        let mut out = Collector::new(VaultFormat::BitwardenJson, None, None);
        parse_json(&zip, &mut out).expect("a zip export parses");
        let notes = out.into_entries();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].fingerprint, fingerprint(b"zipped-note-value"));
        let mut out = Collector::new(VaultFormat::BitwardenJson, None, None);
        let missing = zip_of(&[("export.data", b"{}")]);
        assert_eq!(detect(&missing), Some(VaultFormat::OnePassword1pux));
        assert_eq!(
            parse_json(&missing, &mut out),
            Err(ParseError::Invalid(
                "data.json: missing from the archive (not a Bitwarden zip export?)".into()
            ))
        );
        let bad = zip_of(&[("data.json", br#"{"items": 3}"#)]);
        assert_eq!(
            parse_json(&bad, &mut out),
            Err(ParseError::Invalid(
                "data.json: items: expected an array, found a number".into()
            ))
        );
        let encrypted = zip_of(&[("data.json", br#"{"encrypted": true, "data": "2.x"}"#)]);
        assert!(matches!(
            parse_json(&encrypted, &mut out),
            Err(ParseError::Encrypted(_))
        ));
        let padded = format!(r#"{{"items": [], "pad": "{}"}}"#, " ".repeat(3 << 20));
        let bomb = zip_of(&[("data.json", padded.as_bytes())]);
        match parse_json(&bomb, &mut out) {
            Err(ParseError::Invalid(m)) => assert!(m.contains("a zip bomb?"), "{m}"),
            other => panic!("{other:?}"),
        }
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
