//! Bitwarden Secrets Manager: `bws secret list -o json` (and `bws secret get ID -o json`).
//!
//! `bws` prints the SDK's `SecretResponse` (bitwarden/sdk,
//! `crates/bitwarden-sm/src/secrets/secret_response.rs`) as pretty JSON, camelCase: an array of
//! `{"id", "organizationId", "projectId", "key", "value", "note", "creationDate",
//! "revisionDate"}` for `list`, one such object for `get`. Detected by those fields together
//! (`organizationId`, `revisionDate`, `key`, `value`), which no other export has.
//!
//! Each `value` is an entry: item = `key`, field `value`, vault = `bws:<projectId>` (the
//! organization when the secret is in no project), created = `creationDate`, updated =
//! `revisionDate` (the age). A non-empty `note` is added as notes (field `notes`, and its
//! `KEY=value` lines).

use serde_json::Value;

use super::shared::{add_notes, at_index, at_key, expected, object_at, opt_str, timestamp};
use super::{Collector, EntryMeta, ParseError};

const FIELDS: [&str; 4] = ["organizationId", "revisionDate", "key", "value"];

/// True for `bws` output: one secret object, or a non-empty array of them.
pub fn looks_like(value: &Value) -> bool {
    let secret = |v: &Value| FIELDS.iter().all(|k| v.get(k).is_some());
    match value {
        Value::Array(array) => !array.is_empty() && array.iter().all(secret),
        Value::Object(_) => secret(value),
        _ => false,
    }
}

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let secrets: Vec<(String, &Value)> = match &root {
        Value::Array(array) => array
            .iter()
            .enumerate()
            .map(|(i, v)| (at_index("", i), v))
            .collect(),
        Value::Object(_) => vec![(String::new(), &root)],
        other => {
            return Err(expected(
                "top level",
                "a JSON array of secrets (`bws secret list -o json`)",
                other,
            ));
        }
    };
    for (at, secret) in secrets {
        let secret = object_at(secret, if at.is_empty() { "top level" } else { &at })?;
        let required = |key: &str| {
            opt_str(secret, key, &at)?
                .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(&at, key))))
        };
        let key = required("key")?;
        let value = required("value")?;
        let note = opt_str(secret, "note", &at)?.filter(|n| !n.trim().is_empty());
        let place = opt_str(secret, "projectId", &at)?
            .or(opt_str(secret, "organizationId", &at)?)
            .filter(|id| !id.is_empty());
        let base = EntryMeta {
            item: key.to_string(),
            field: "value".into(),
            vault: place.map(|id| format!("bws:{id}")),
            created: timestamp(secret.get("creationDate")),
            updated: timestamp(secret.get("revisionDate")),
            ..EntryMeta::default()
        }
        .dated_by("revisionDate", "creationDate");
        out.add(value.as_bytes(), base.clone());
        if let Some(note) = note {
            add_notes(out, note, &base);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    #[test]
    fn one_secret_from_get_and_errors_with_their_place() {
        let one = br#"{"id": "1", "organizationId": "o", "projectId": null, "key": "K",
            "value": "value-123456", "note": "", "creationDate": "2024-01-01T00:00:00Z",
            "revisionDate": "2024-02-01T00:00:00Z"}"#;
        let parsed: Value = serde_json::from_slice(one).expect("json");
        assert!(looks_like(&parsed));
        let mut out = Collector::new(VaultFormat::BitwardenSecretsManager, None, None);
        parse(one, &mut out).expect("parses");
        let found = out.into_entries();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].meta.vault.as_deref(), Some("bws:o"));
        assert_eq!(
            found[0].meta.updated,
            Some("2024-02-01T00:00:00Z".parse().expect("timestamp"))
        );

        let mut out = Collector::new(VaultFormat::BitwardenSecretsManager, None, None);
        assert_eq!(
            parse(br#"[{"key": "K", "organizationId": "o"}]"#, &mut out),
            Err(ParseError::Invalid("[0].value: missing".into()))
        );
        assert!(!looks_like(&serde_json::json!([])));
        assert!(!looks_like(
            &serde_json::json!([{"key": "k", "value": "v"}])
        ));
    }
}
