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

use std::collections::HashMap;

use serde_json::Value;

use super::shared::{
    Object, add_login_cells, add_notes, add_old_password, at_index, csv_columns, csv_error,
    csv_quotes_balanced, expected, object_at, opt_array, opt_object, opt_str, timestamp,
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
        add_old_password(out, old, &at, "password", "lastUsedDate", &base)?;
    }
    Ok(())
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    csv_quotes_balanced(bytes)?;
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
