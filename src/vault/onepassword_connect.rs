//! 1Password Connect API and SDK items, as JSON: what scripts save from `GET
//! /v1/vaults/{vaultUUID}/items/{itemUUID}` on a Connect server, or from an SDK's
//! `client.items.get(…)`.
//!
//! Connect (the `FullItem` schema of 1Password's Connect API specification,
//! `1password-connect-api.yaml`; 1Password/connect-sdk-go `onepassword/items.go`): `{id, title,
//! vault: {id}, category, urls, tags, version, state, createdAt, updatedAt, lastEditedBy,
//! sections: [{id, label}], fields: [{id, section: {id}, type, purpose, label, value, generate,
//! entropy, totp}]}`. `type` is `STRING`, `CONCEALED`, `TOTP`, `EMAIL`, `URL`, `DATE`, `MENU`…;
//! `purpose` marks the built-in `USERNAME`, `PASSWORD` and `NOTES` fields. `state` is `ARCHIVED`
//! or `DELETED` for items out of use. The vault is named only by its id.
//!
//! SDK (1Password/onepassword-sdk-js and -python, `Item`): `{id, title, category, vaultId,
//! fields: [{id, title, sectionId, fieldType, value, details}], sections, notes, tags,
//! websites, version, files, createdAt, updatedAt}`, `fieldType` `Text`, `Concealed`, `Totp`,
//! `SshKey`, `CreditCardNumber`…; older SDKs and the Python one serialize the same in
//! snake_case (`vault_id`, `field_type`, `section_id`), both are read.
//!
//! An item, an array of items, or `op`-style items one after another. The age is `updatedAt`.
//! Told from `op item get --format json` output (`created_at`, `vault.name`) by its camelCase
//! dates, `vaultId`, `fieldType` or a `vault` object without a name.

use serde_json::Value;

use super::shared::{
    Object, add_notes, at_index, at_key, expected, object_at, opt_array, opt_object, opt_str,
    timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// Field types (upper-cased, `_` removed) whose value can be a credential.
const VALUE_TYPES: &[&str] = &[
    "CONCEALED",
    "STRING",
    "TEXT",
    "TOTP",
    "OTP",
    "SSHKEY",
    "CREDITCARDNUMBER",
];

fn is_item(value: &Value) -> bool {
    let Some(item) = value.as_object() else {
        return false;
    };
    let fields = item.get("fields").and_then(Value::as_array);
    let Some(fields) = fields else {
        return false;
    };
    let camel_dates = ["createdAt", "updatedAt", "lastEditedBy"]
        .iter()
        .any(|k| item.contains_key(*k));
    let sdk_vault = item.contains_key("vaultId") || item.contains_key("vault_id");
    let sdk_fields = fields
        .iter()
        .any(|f| f.get("fieldType").is_some() || f.get("field_type").is_some());
    let unnamed_vault = item
        .get("vault")
        .and_then(Value::as_object)
        .is_some_and(|v| v.contains_key("id") && !v.contains_key("name"));
    let cli_dates = item.contains_key("created_at") || item.contains_key("updated_at");
    (camel_dates || sdk_vault || sdk_fields || unnamed_vault)
        && !(cli_dates && !sdk_vault && !sdk_fields)
}

/// One Connect or SDK item, or a non-empty array of them.
pub fn looks_like(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(is_item),
        other => is_item(other),
    }
}

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let values = serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .collect::<Result<Vec<Value>, _>>()?;
    if values.is_empty() {
        return Err(ParseError::Invalid(
            "no JSON value (not a 1Password Connect or SDK item?)".into(),
        ));
    }
    let several = values.len() > 1;
    for (n, value) in values.iter().enumerate() {
        let at = if several {
            format!("item {}", n + 1)
        } else {
            String::new()
        };
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = at_index(&at, i);
                    read_item(object_at(item, &at)?, &at, out)?;
                }
            }
            other => {
                let top = if several { at.as_str() } else { "top level" };
                read_item(object_at(other, top)?, &at, out)?;
            }
        }
    }
    Ok(())
}

/// The first of `keys` present (camelCase, then snake_case).
fn either<'a>(object: &'a Object, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| object.get(*k).filter(|v| !v.is_null()))
}

fn read_item(item: &Object, at: &str, out: &mut Collector) -> Result<(), ParseError> {
    // The vault's name where the item carries one; else `--vault-name`; else the vault's id.
    let (name, id) = match opt_object(item, "vault", at)? {
        Some(vault) => {
            let at = at_key(at, "vault");
            (opt_str(vault, "name", &at)?, opt_str(vault, "id", &at)?)
        }
        None => match either(item, &["vaultId", "vault_id"]) {
            Some(Value::String(id)) => (None, Some(id.as_str())),
            Some(other) => return Err(expected(&at_key(at, "vaultId"), "a string", other)),
            None => (None, None),
        },
    };
    let vault = match (name, &out.vault_name) {
        (Some(name), _) => Some(name.to_string()),
        (None, Some(_)) => None,
        (None, None) => id.map(str::to_string),
    };
    let state = opt_str(item, "state", at)?.unwrap_or("");
    let live = !state.eq_ignore_ascii_case("archived") && !state.eq_ignore_ascii_case("deleted");
    let updated = timestamp(either(item, &["updatedAt", "updated_at"]));
    let base = EntryMeta {
        item: opt_str(item, "title", at)?.unwrap_or_default().to_string(),
        vault,
        created: timestamp(either(item, &["createdAt", "created_at"])),
        updated,
        age_from: updated.map(|_| "updatedAt".to_string()),
        tags: tags(item, at)?,
        history: !live,
        ..EntryMeta::default()
    };
    if let Some(notes) = opt_str(item, "notes", at)? {
        add_notes(out, notes, &base);
    }
    for (index, field) in opt_array(item, "fields", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(at, "fields"), index);
        let field = object_at(field, &at)?;
        let kind = match either(field, &["type", "fieldType", "field_type"]) {
            Some(Value::String(kind)) => kind.to_ascii_uppercase().replace('_', ""),
            _ => String::new(),
        };
        let purpose = opt_str(field, "purpose", &at)?;
        let name = ["label", "title", "id"]
            .iter()
            .find_map(|k| {
                field
                    .get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_default()
            .to_string();
        let value = match field.get("value") {
            None | Some(Value::Null) => continue,
            Some(Value::String(value)) => value,
            Some(other) if kind == "CONCEALED" => {
                return Err(expected(&at_key(&at, "value"), "a string", other));
            }
            Some(_) => continue,
        };
        match purpose {
            Some("NOTES") => add_notes(out, value, &base),
            Some("USERNAME") => {}
            _ if name == "username" && kind != "CONCEALED" => {}
            _ if VALUE_TYPES.contains(&kind.as_str()) => out.add(
                value.as_bytes(),
                EntryMeta {
                    field: name,
                    ..base.clone()
                },
            ),
            _ => {}
        }
    }
    Ok(())
}

fn tags(item: &Object, at: &str) -> Result<Vec<String>, ParseError> {
    let mut list = Vec::new();
    for (index, tag) in opt_array(item, "tags", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        match tag {
            Value::String(tag) => list.push(tag.clone()),
            other => {
                return Err(expected(
                    &at_index(&at_key(at, "tags"), index),
                    "a string",
                    other,
                ));
            }
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{VaultEntry, VaultFormat};

    fn parse_str(text: &str) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::OnePasswordConnect, None, None);
        parse(text.as_bytes(), &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn items_one_after_another_and_snake_case_sdk_items() {
        let stream = r#"{"id": "a", "title": "A", "vault": {"id": "v"}, "updatedAt": "2024-01-01T00:00:00Z", "fields": [{"type": "CONCEALED", "label": "password", "value": "stream-value-1"}]}
{"id": "b", "title": "B", "vault_id": "v", "created_at": "2024-01-01T00:00:00Z", "fields": [{"title": "api", "field_type": "Concealed", "value": "stream-value-2"}]}"#;
        assert_eq!(
            crate::vault::detect(std::path::Path::new("items.json"), stream.as_bytes()),
            Some(VaultFormat::OnePasswordConnect)
        );
        let entries = parse_str(stream).expect("reads");
        let fields: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.meta.item.as_str(), e.meta.field.as_str()))
            .collect();
        assert_eq!(fields, [("A", "password"), ("B", "api")]);
        assert_eq!(
            parse_str(
                r#"{"vault": {"id": "v"}, "updatedAt": "x", "fields": [{"type": "CONCEALED", "value": 5}]}"#
            ),
            Err(ParseError::Invalid(
                "fields[0].value: expected a string, found a number".into()
            ))
        );
    }
}
