//! HashiCorp Vault (and OpenBao) `vault kv get -format=json PATH` output, KV v1 and v2.
//!
//! The CLI prints the API response: `{"request_id", "lease_id", "lease_duration", "renewable",
//! "data", "warnings", …}` (newer versions add `wrap_info`, `auth`, `mount_type`).
//!
//! - KV v2: `data` is `{"data": {KEY: value, …}, "metadata": {"created_time",
//!   "custom_metadata", "deletion_time", "destroyed", "version"}}`; `created_time` is when this
//!   version was written. A deleted or destroyed version has `"data": null`.
//! - KV v1: `data` is `{KEY: value, …}` and there is no metadata.
//!
//! The secret's path is not in the output (only the command line had it), so entries leave
//! `item` empty; `read_export` knows the file name. Each string value becomes an entry with
//! `field` = KEY, and each string inside a nested object one with the dotted path
//! (`db.password`); numbers, booleans and arrays are skipped. KV v2 `custom_metadata` becomes
//! tags (`key=value`), and its `owner` key the owner.
//!
//! `vault kv metadata get -format=json PATH` (KV v2) wraps the secret's metadata the same way:
//! `data` is `{"created_time", "current_version", "custom_metadata", "updated_time",
//! "versions": {"N": {"created_time", "deletion_time", "destroyed"}}, …}`. It holds no value: it
//! is a metadata record (`Collector::add_metadata`) whose age is the current version's
//! `created_time` (else `updated_time`), joined by `VaultIndex::new` to the `kv get` entries of
//! the same path (file name; a `.metadata`/`-metadata` suffix aside).

use serde_json::Value;

use super::shared::{at_key, expected, object_at, opt_object, timestamp};
use super::{Collector, EntryMeta, ParseError};

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&root, "top level")?;
    let data = match root.get("data") {
        None => {
            return Err(ParseError::Invalid(
                "data: missing (not `vault kv get -format=json` output?)".into(),
            ));
        }
        Some(data) => object_at(data, "data")?,
    };
    if data.get("current_version").is_some()
        && matches!(data.get("versions"), Some(Value::Object(_)))
    {
        return parse_metadata(data, out);
    }
    let metadata = match data.get("metadata") {
        Some(Value::Object(metadata)) => Some(metadata),
        _ => None,
    };
    let is_v2 =
        metadata.is_some() && matches!(data.get("data"), Some(Value::Object(_) | Value::Null));
    // Both keys are KV v2's shape; read as KV v1 instead, a wrong type in either would load as
    // the wrong entries (or none), in silence.
    if !is_v2 && let (Some(values), Some(meta)) = (data.get("data"), data.get("metadata")) {
        return Err(match meta {
            Value::Object(_) => expected("data.data", "an object (KV v2) or null", values),
            other => expected("data.metadata", "an object (KV v2)", other),
        });
    }
    let values = if is_v2 {
        match opt_object(data, "data", "data")? {
            Some(values) => values,
            // A deleted or destroyed version: nothing stored.
            None => return Ok(()),
        }
    } else {
        data
    };

    let mut base = EntryMeta::default();
    if let Some(metadata) = metadata.filter(|_| is_v2) {
        let at = "data.metadata";
        let created = timestamp(metadata.get("created_time"));
        base.created = created;
        base.updated = created;
        custom_metadata(metadata, at, &mut base)?;
    }
    add_values(values, "", &base, out);
    Ok(())
}

/// Every string in `values` (and in objects nested in it, `parent.key`) as an entry.
fn add_values(values: &super::shared::Object, prefix: &str, base: &EntryMeta, out: &mut Collector) {
    for (key, value) in values {
        let field = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        // Numbers, booleans and arrays are configuration, not credentials.
        match value {
            Value::String(text) => out.add(
                text.as_bytes(),
                EntryMeta {
                    field,
                    ..base.clone()
                },
            ),
            Value::Object(nested) => add_values(nested, &field, base, out),
            _ => {}
        }
    }
}

/// `custom_metadata` (under `at`) as tags, its `owner` key as the owner.
fn custom_metadata(
    metadata: &super::shared::Object,
    at: &str,
    base: &mut EntryMeta,
) -> Result<(), ParseError> {
    if let Some(custom) = opt_object(metadata, "custom_metadata", at)? {
        let at = at_key(at, "custom_metadata");
        for (key, value) in custom {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => return Err(expected(&at_key(&at, key), "a string", other)),
            };
            if key.eq_ignore_ascii_case("owner") {
                base.owner = Some(value.clone());
            }
            base.tags.push(format!("{key}={value}"));
        }
    }
    Ok(())
}

/// `vault kv metadata get` output's `data`: one metadata record, no value.
fn parse_metadata(data: &super::shared::Object, out: &mut Collector) -> Result<(), ParseError> {
    let at = "data";
    let current = match &data["current_version"] {
        Value::Number(n) => n.to_string(),
        other => return Err(expected("data.current_version", "a number", other)),
    };
    let version = opt_object(data, "versions", at)?
        .and_then(|versions| versions.get(&current))
        .and_then(|v| timestamp(v.get("created_time")));
    let (updated, age_from) = match version {
        Some(created) => (Some(created), format!("versions.{current}.created_time")),
        None => (
            timestamp(data.get("updated_time")),
            "updated_time".to_string(),
        ),
    };
    let mut meta = EntryMeta {
        created: timestamp(data.get("created_time")),
        age_from: updated.is_some().then_some(age_from),
        updated,
        ..EntryMeta::default()
    };
    custom_metadata(data, at, &mut meta)?;
    out.add_metadata(meta);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    fn parse_str(input: &str) -> Result<Vec<crate::vault::VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::HashicorpVault, None, None);
        parse(input.as_bytes(), &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn nested_objects_are_read_with_dotted_fields() {
        let v2 = r#"{"request_id": "r", "data": {"data": {"db": {"password": "pw-123456", "port": 5432,
            "tls": {"key": "key-123456"}}, "list": ["in-an-array"]}, "metadata": {"version": 1}}}"#;
        let found = parse_str(v2).expect("parses");
        let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
        assert_eq!(fields, ["db.password", "db.tls.key"]);
    }

    #[test]
    fn metadata_get_is_a_record_dated_by_the_current_version() {
        let input = r#"{"request_id": "r", "data": {"created_time": "2023-01-01T00:00:00Z",
            "current_version": 2, "updated_time": "2024-06-01T00:00:00Z", "custom_metadata": null,
            "versions": {"1": {"created_time": "2023-01-01T00:00:00Z"}, "2": {"created_time": "2024-05-01T00:00:00Z"}}}}"#;
        let found = parse_str(input).expect("parses");
        assert_eq!(found.len(), 1);
        assert!(found[0].fingerprint.is_empty(), "no value");
        assert_eq!(found[0].meta.updated, "2024-05-01T00:00:00Z".parse().ok());
        assert_eq!(
            found[0].meta.age_from.as_deref(),
            Some("versions.2.created_time")
        );
        assert_eq!(found[0].meta.created, "2023-01-01T00:00:00Z".parse().ok());
        let bad = r#"{"request_id": "r", "data": {"current_version": "2", "versions": {}}}"#;
        assert_eq!(
            parse_str(bad),
            Err(ParseError::Invalid(
                "data.current_version: expected a number, found a string".into()
            ))
        );
    }

    #[test]
    fn a_deleted_version_holds_nothing() {
        let deleted = r#"{"request_id": "r", "data": {"data": null, "metadata": {"created_time": "2024-01-01T00:00:00Z",
            "deletion_time": "2024-02-01T00:00:00Z", "destroyed": false, "version": 2}}}"#;
        assert_eq!(parse_str(deleted).expect("parses"), []);
    }

    #[test]
    fn kv_v1_may_hold_a_key_named_metadata() {
        let v1 =
            r#"{"request_id": "r", "data": {"metadata": "a-string-value", "token": "tok-123456"}}"#;
        let found = parse_str(v1).expect("parses");
        let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
        assert_eq!(fields, ["metadata", "token"]);
    }

    #[test]
    fn kv_v2_with_wrong_types_is_an_error_naming_the_field() {
        let cases = [
            (
                r#"{"request_id": "r", "data": {"data": ["x"], "metadata": {"version": 1}}}"#,
                "data.data: expected an object (KV v2) or null, found an array",
            ),
            (
                r#"{"request_id": "r", "data": {"data": {"token": "tok-123456"}, "metadata": "v2"}}"#,
                "data.metadata: expected an object (KV v2), found a string",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse_str(input), Err(ParseError::Invalid(message.into())));
        }
    }

    #[test]
    fn custom_metadata_values_must_be_strings() {
        let bad = r#"{"request_id": "r", "data": {"data": {}, "metadata": {"custom_metadata": {"owner": 3}}}}"#;
        assert_eq!(
            parse_str(bad),
            Err(ParseError::Invalid(
                "data.metadata.custom_metadata.owner: expected a string, found a number".into()
            ))
        );
        assert!(
            matches!(parse_str(r#"{"request_id": "r"}"#), Err(ParseError::Invalid(m)) if m.starts_with("data: missing"))
        );
    }
}
