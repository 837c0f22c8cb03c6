//! AWS Secrets Manager `get-secret-value` / `batch-get-secret-value` output.
//!
//! `aws secretsmanager get-secret-value --secret-id ID` prints `{"ARN", "Name", "VersionId",
//! "SecretString" | "SecretBinary", "VersionStages", "CreatedDate"}`; `batch-get-secret-value`
//! prints `{"SecretValues": [same objects], "Errors": [], "NextToken"?}`. `CreatedDate` is this
//! version's creation: ISO 8601 from CLI v2 (`2024-01-01T12:00:00.123000+00:00`), Unix seconds
//! from CLI v1 and the raw API. `SecretBinary` is base64.
//!
//! A `SecretString` is one entry (field `SecretString`); when it is a JSON object, each string
//! member is an entry too (field = member name). A version staged only as `AWSPREVIOUS` is a
//! rotated-out value (history). Fields from `describe-secret`/`list-secrets` merged into the same
//! object are used when present: `LastRotatedDate`, `Tags` (`[{Key, Value}]`, `owner` tag →
//! owner).
//!
//! `describe-secret` (one object) and `list-secrets` (`{"SecretList": [same objects]}`) hold no
//! value but are the only outputs with `LastRotatedDate`, `LastChangedDate` and `Tags`: each
//! secret is a metadata record (`Collector::add_metadata`), its age `LastRotatedDate`, else
//! `LastChangedDate`; `VaultIndex::new` joins it by ARN (region, account and name) or name to
//! the `get-secret-value` entries of the same secret.

use serde_json::Value;

use super::shared::{
    Object, at_index, at_key, decode_base64, expected, object_at, opt_array, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// The vault of a secret whose ARN is unknown.
pub const DEFAULT_VAULT: &str = "aws-secrets-manager";

/// `list-secrets` or `describe-secret` output (no value; `get-secret-value` has `SecretString`).
pub fn is_metadata(value: &Value) -> bool {
    let has = |key: &str| value.get(key).is_some();
    value.get("SecretList").is_some_and(Value::is_array)
        || (has("ARN") && (has("LastChangedDate") || has("VersionIdsToStages")))
}

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&root, "top level")?;
    if let Some(secrets) = opt_array(root, "SecretList", "")? {
        for (index, secret) in secrets.iter().enumerate() {
            let at = at_index("SecretList", index);
            parse_secret(object_at(secret, &at)?, &at, true, out)?;
        }
        return Ok(());
    }
    match opt_array(root, "SecretValues", "")? {
        Some(secrets) => {
            for (index, secret) in secrets.iter().enumerate() {
                let at = at_index("SecretValues", index);
                parse_secret(object_at(secret, &at)?, &at, false, out)?;
            }
            Ok(())
        }
        None => {
            let describe = !root.contains_key("SecretString") && !root.contains_key("SecretBinary");
            parse_secret(
                root,
                "",
                describe && is_metadata(&Value::Object(root.clone())),
                out,
            )
        }
    }
}

/// One secret; `metadata`: `list-secrets`/`describe-secret` output, which holds no value.
fn parse_secret(
    secret: &Object,
    at: &str,
    metadata: bool,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let arn = opt_str(secret, "ARN", at)?;
    let name = match opt_str(secret, "Name", at)? {
        Some(name) => name.to_string(),
        None => arn.and_then(name_from_arn).unwrap_or_default(),
    };
    let created = timestamp(secret.get("CreatedDate"));
    let rotated = timestamp(secret.get("LastRotatedDate"));
    let updated = match (created, rotated) {
        (Some(c), Some(r)) => Some(c.max(r)),
        (c, r) => c.or(r),
    };
    let mut stages = Vec::new();
    for (index, stage) in opt_array(secret, "VersionStages", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        match stage {
            Value::String(stage) => stages.push(stage.as_str()),
            other => {
                return Err(expected(
                    &at_index(&at_key(at, "VersionStages"), index),
                    "a string",
                    other,
                ));
            }
        }
    }
    let history = stages.contains(&"AWSPREVIOUS") && !stages.contains(&"AWSCURRENT");
    let (mut tags, mut owner) = (Vec::new(), None);
    for (index, tag) in opt_array(secret, "Tags", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(at, "Tags"), index);
        let tag = object_at(tag, &at)?;
        let key = opt_str(tag, "Key", &at)?.unwrap_or_default();
        let value = opt_str(tag, "Value", &at)?.unwrap_or_default();
        if key.eq_ignore_ascii_case("owner") && !value.is_empty() {
            owner = Some(value.to_string());
        }
        tags.push(format!("{key}={value}"));
    }
    let base = EntryMeta {
        item: name,
        vault: Some(
            arn.and_then(vault_from_arn)
                .unwrap_or_else(|| DEFAULT_VAULT.into()),
        ),
        created,
        updated,
        owner,
        tags,
        history,
        ..EntryMeta::default()
    };
    if metadata {
        let changed = timestamp(secret.get("LastChangedDate"));
        let (updated, age_from) = match (rotated, changed) {
            (Some(rotated), _) => (Some(rotated), Some("LastRotatedDate")),
            (None, Some(changed)) => (Some(changed), Some("LastChangedDate")),
            (None, None) => (None, None),
        };
        out.add_metadata(EntryMeta {
            updated,
            age_from: age_from.map(str::to_string),
            ..base
        });
        return Ok(());
    }
    let meta = |field: &str| EntryMeta {
        field: field.to_string(),
        ..base.clone()
    };

    let string = opt_str(secret, "SecretString", at)?;
    let binary = opt_str(secret, "SecretBinary", at)?;
    if string.is_none() && binary.is_none() {
        let at = if at.is_empty() { "top level" } else { at };
        return Err(ParseError::Invalid(format!(
            "{at}: neither SecretString nor SecretBinary (describe-secret output holds no value; use get-secret-value)"
        )));
    }
    if let Some(string) = string {
        out.add(string.as_bytes(), meta("SecretString"));
        // Often a JSON object of fields; a string that is not JSON is just a string.
        if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(string) {
            for (key, value) in &fields {
                if let Value::String(value) = value {
                    out.add(value.as_bytes(), meta(key));
                }
            }
        }
    }
    if let Some(binary) = binary {
        let decoded = decode_base64(binary).ok_or_else(|| {
            ParseError::Invalid(format!("{}: not valid base64", at_key(at, "SecretBinary")))
        })?;
        out.add(&decoded, meta("SecretBinary"));
    }
    Ok(())
}

/// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX` → `aws-secrets-manager:REGION:ACCOUNT`.
fn vault_from_arn(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "secretsmanager", region, account, ..] if !region.is_empty() => {
            Some(format!("aws-secrets-manager:{region}:{account}"))
        }
        _ => None,
    }
}

/// The secret name in an ARN, without the 6-character suffix Secrets Manager appends.
fn name_from_arn(arn: &str) -> Option<String> {
    let name = arn.splitn(7, ':').nth(6)?;
    let trimmed = match name.rsplit_once('-') {
        Some((stem, suffix)) if suffix.len() == 6 => stem,
        _ => name,
    };
    Some(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    #[test]
    fn describe_secret_fields_in_the_same_object_are_used() {
        let input = r#"{"ARN": "arn:aws:secretsmanager:us-west-2:111122223333:secret:team/api-AbC123",
            "SecretString": "plain-secret-value", "VersionStages": ["AWSCURRENT", "AWSPREVIOUS"],
            "CreatedDate": "2024-01-01T00:00:00Z", "LastRotatedDate": 1717200000,
            "Tags": [{"Key": "Owner", "Value": "data-team"}, {"Key": "env", "Value": "prod"}]}"#;
        let mut out = Collector::new(VaultFormat::AwsSecretsManager, None, None);
        parse(input.as_bytes(), &mut out).expect("parses");
        let found = out.into_entries();
        assert_eq!(found.len(), 1, "a plain SecretString is one entry");
        let meta = &found[0].meta;
        assert_eq!(
            meta.item, "team/api",
            "name from the ARN, without the random suffix"
        );
        assert_eq!(
            meta.vault.as_deref(),
            Some("aws-secrets-manager:us-west-2:111122223333")
        );
        assert_eq!(meta.owner.as_deref(), Some("data-team"));
        assert_eq!(meta.tags, ["Owner=data-team", "env=prod"]);
        assert_eq!(meta.updated.map(|t| t.as_second()), Some(1_717_200_000));
        assert_eq!(meta.created.map(|t| t.as_second()), Some(1_704_067_200));
        assert!(!meta.history, "still AWSCURRENT");
    }

    #[test]
    fn a_secret_without_a_value_is_an_error() {
        let mut out = Collector::new(VaultFormat::AwsSecretsManager, None, None);
        let batch =
            r#"{"SecretValues": [{"Name": "x", "SecretString": "value-one"}, {"Name": "y"}]}"#;
        assert!(matches!(
            parse(batch.as_bytes(), &mut out),
            Err(ParseError::Invalid(m)) if m.starts_with("SecretValues[1]: neither SecretString nor SecretBinary")
        ));
        assert_eq!(vault_from_arn("not-an-arn"), None);
        assert_eq!(
            name_from_arn("arn:aws:secretsmanager:r:a:secret:plain").as_deref(),
            Some("plain")
        );
    }
}
