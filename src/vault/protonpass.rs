//! Proton Pass JSON export (Settings → Export → JSON, unencrypted): the zip Proton Pass
//! writes (`Proton Pass/data.json`, see [`ZIP_MEMBER`]) or that file unzipped.
//!
//! The shape (ProtonMail/WebClients `packages/pass/lib/export/types.ts`): `{version, userId,
//! encrypted, vaults: {SHARE_ID: {name, description, items: [{itemId, shareId, state,
//! createTime, modifyTime, data: {type, metadata: {name, note}, content: {…}, extraFields:
//! [{fieldName, type, data: {content | totpUri}}]}}]}}}`. A login's `content` holds `password`
//! and `totpUri`; every item's note and hidden/text/totp extra fields are read. `state` 2 is the
//! trash: read as history. Times are Unix seconds.

use serde_json::Value;

use super::shared::{
    add_notes, at_index, at_key, csv_table, object_at, opt_array, opt_object, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// True for Proton Pass's export: `vaults` an object of vaults whose items carry `data.type`.
pub fn looks_like(value: &Value) -> bool {
    value
        .get("vaults")
        .and_then(Value::as_object)
        .is_some_and(|vaults| {
            !vaults.is_empty()
                && vaults.values().all(|vault| {
                    vault
                        .get("items")
                        .and_then(Value::as_array)
                        .is_some_and(|items| {
                            items
                                .iter()
                                .all(|item| item.get("data").and_then(|d| d.get("type")).is_some())
                        })
                })
        })
}

/// Where the zip Proton Pass writes keeps the JSON export (WebClients
/// `packages/pass/lib/export/archive.ts`: `${PASS_APP_NAME}/data.json`).
pub const ZIP_MEMBER: &str = "Proton Pass/data.json";

/// The JSON export, or the zip holding it as [`ZIP_MEMBER`].
pub fn parse_json(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    if crate::input::archive::is_zip(bytes) {
        let data = super::shared::zip_member(bytes, ZIP_MEMBER, "not a Proton Pass zip export?")?;
        return parse_json_text(&data, out).map_err(|e| match e {
            ParseError::Invalid(message) => ParseError::Invalid(format!("{ZIP_MEMBER}: {message}")),
            other => other,
        });
    }
    parse_json_text(bytes, out)
}

fn parse_json_text(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let value: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&value, "")?;
    if root.get("encrypted").and_then(Value::as_bool) == Some(true) {
        return Err(ParseError::Encrypted(
            "export again from Proton Pass (Settings → Export) with encryption off, or \
             fingerprint it at once: `stray vault fingerprint export.json -o vault.fp`"
                .into(),
        ));
    }
    let Some(vaults) = opt_object(root, "vaults", "")? else {
        return Err(ParseError::Invalid("no vaults object".into()));
    };
    for (share, vault) in vaults {
        let at = at_key("vaults", share);
        let vault = object_at(vault, &at)?;
        let name = opt_str(vault, "name", &at)?.map(str::to_string);
        let items = opt_array(vault, "items", &at)?.unwrap_or_default();
        for (index, item) in items.iter().enumerate() {
            read_item(out, item, &at_index(&at_key(&at, "items"), index), &name)?;
        }
    }
    Ok(())
}

fn read_item(
    out: &mut Collector,
    item: &Value,
    at: &str,
    vault: &Option<String>,
) -> Result<(), ParseError> {
    let item = object_at(item, at)?;
    let Some(data) = opt_object(item, "data", at)? else {
        return Ok(());
    };
    let at_data = at_key(at, "data");
    let metadata = opt_object(data, "metadata", &at_data)?;
    let at_meta = at_key(&at_data, "metadata");
    let name = match metadata {
        Some(m) => opt_str(m, "name", &at_meta)?.unwrap_or(""),
        None => "",
    };
    let base = EntryMeta {
        item: name.to_string(),
        vault: vault.clone(),
        created: timestamp(item.get("createTime")),
        updated: timestamp(item.get("modifyTime")),
        history: item.get("state").and_then(Value::as_i64) == Some(2),
        age_from: item.get("modifyTime").map(|_| "modifyTime".to_string()),
        ..EntryMeta::default()
    };
    let add = |out: &mut Collector, field: &str, value: &str| {
        out.add(
            value.as_bytes(),
            EntryMeta {
                field: field.to_string(),
                ..base.clone()
            },
        );
    };
    if let Some(content) = opt_object(data, "content", &at_data)? {
        let at_content = at_key(&at_data, "content");
        for (key, field) in [
            ("password", "password"),
            ("totpUri", "totp"),
            ("number", "number"),
            ("verificationNumber", "cvv"),
            ("pin", "pin"),
        ] {
            if let Some(Value::String(value)) = content.get(key) {
                add(out, field, value);
            } else if let Some(other) = content.get(key).filter(|v| !v.is_null()) {
                return Err(super::shared::expected(
                    &at_key(&at_content, key),
                    "a string",
                    other,
                ));
            }
        }
    }
    if let Some(metadata) = metadata
        && let Some(note) = opt_str(metadata, "note", &at_meta)?
    {
        add_notes(out, note, &base);
    }
    if let Some(fields) = opt_array(data, "extraFields", &at_data)? {
        for (index, field) in fields.iter().enumerate() {
            let at_field = at_index(&at_key(&at_data, "extraFields"), index);
            let field = object_at(field, &at_field)?;
            let field_name = opt_str(field, "fieldName", &at_field)?.unwrap_or("field");
            let Some(value) = field.get("data") else {
                continue;
            };
            let value = object_at(value, &at_key(&at_field, "data"))?;
            for key in ["content", "totpUri"] {
                if let Some(text) = opt_str(value, key, &at_key(&at_field, "data"))? {
                    add(out, field_name, text);
                }
            }
        }
    }
    Ok(())
}

/// True for Proton Pass's CSV header: `type,name,url,email,username,password,note,totp,
/// createTime,modifyTime,vault` (its `createTime`, `modifyTime` and `vault` together).
pub fn is_csv_header(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| h == name);
    has("createtime") && has("modifytime") && has("vault") && has("password")
}

/// The CSV export: a login's password and TOTP URI, the note; `vault` is the vault.
pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    use super::shared::{add_login_cells, csv_error, parse_timestamp};
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let Some(password) = column("password") else {
        return Err(ParseError::Invalid(
            "line 1: no password column (not a Proton Pass CSV export?)".into(),
        ));
    };
    let (name, vault, note, totp) = (
        column("name"),
        column("vault"),
        column("note"),
        column("totp"),
    );
    let (created, modified) = (column("createtime"), column("modifytime"));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let updated = parse_timestamp(cell(modified));
        let base = EntryMeta {
            item: cell(name).to_string(),
            vault: Some(cell(vault))
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            created: parse_timestamp(cell(created)),
            updated,
            age_from: updated.map(|_| "modifyTime".to_string()),
            ..EntryMeta::default()
        };
        add_login_cells(out, &base, cell(Some(password)), cell(totp), cell(note));
    }
    Ok(())
}
