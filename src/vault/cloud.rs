//! GCP Secret Manager and Azure Key Vault CLI JSON.
//!
//! GCP: `gcloud secrets versions access latest --secret=N --format=json` prints
//! `{"name": "projects/P/secrets/N/versions/K", "payload": {"data": "<base64>", "dataCrc32c"}}`
//! (regional secrets: `projects/P/locations/L/secrets/N/versions/K`). Google documents the data
//! as URL-safe base64 (`… | tr '_-' '/+' | base64 -d`); both alphabets are accepted. No dates.
//!
//! Azure: `az keyvault secret show --vault-name V --name N` prints `{"attributes": {"created",
//! "updated", "expires", "enabled", …}, "contentType", "id":
//! "https://V.vault.azure.net/secrets/N/<version>", "name", "tags": {…}, "value"}`. An array of
//! such objects is read too. The age is the version's `attributes.created` (when this value was
//! set: a new value is a new version), not `updated`, which editing tags or expiry moves.

use serde_json::Value;

use super::shared::{
    Object, at_index, at_key, decode_base64, expected, object_at, opt_object, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

pub fn parse_gcp(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&root, "top level")?;
    let name = opt_str(root, "name", "")?.unwrap_or_default();
    let payload = opt_object(root, "payload", "")?
        .ok_or_else(|| ParseError::Invalid("payload: missing".into()))?;
    let data = opt_str(payload, "data", "payload")?
        .ok_or_else(|| ParseError::Invalid("payload.data: missing".into()))?;
    let value = decode_base64(data)
        .ok_or_else(|| ParseError::Invalid("payload.data: not valid base64".into()))?;
    let segment = |key: &str| {
        let parts: Vec<&str> = name.split('/').collect();
        parts
            .windows(2)
            .find(|pair| pair[0] == key)
            .map(|pair| pair[1].to_string())
    };
    let item = segment("secrets").unwrap_or_else(|| name.to_string());
    let version = segment("versions");
    out.add(
        &value,
        EntryMeta {
            item,
            field: match version {
                Some(version) => format!("version {version}"),
                None => "payload".into(),
            },
            vault: segment("projects").map(|project| format!("gcp:{project}")),
            ..EntryMeta::default()
        },
    );
    Ok(())
}

pub fn parse_azure(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    match &root {
        Value::Array(secrets) => {
            for (index, secret) in secrets.iter().enumerate() {
                let at = at_index("", index);
                parse_azure_secret(object_at(secret, &at)?, &at, out)?;
            }
            Ok(())
        }
        other => parse_azure_secret(object_at(other, "top level")?, "", out),
    }
}

fn parse_azure_secret(secret: &Object, at: &str, out: &mut Collector) -> Result<(), ParseError> {
    let value = opt_str(secret, "value", at)?
        .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(at, "value"))))?;
    let id = opt_str(secret, "id", at)?.unwrap_or_default();
    // https://V.vault.azure.net/secrets/N/<version>
    let (host, path) = id
        .strip_prefix("https://")
        .and_then(|rest| rest.split_once('/'))
        .unwrap_or(("", ""));
    let vault = host.split('.').next().filter(|v| !v.is_empty());
    let name = match opt_str(secret, "name", at)? {
        Some(name) => name.to_string(),
        None => path
            .strip_prefix("secrets/")
            .and_then(|p| p.split('/').next())
            .unwrap_or_default()
            .to_string(),
    };
    let attributes = opt_object(secret, "attributes", at)?;
    let (created, updated) = match attributes {
        Some(attributes) => (
            timestamp(attributes.get("created")),
            timestamp(attributes.get("updated")),
        ),
        None => (None, None),
    };
    // A new value is a new version, so this version's `created` is when the value was set;
    // `updated` also moves when the version's tags, expiry or enabled flag are edited.
    let (updated, age_from) = match (created, updated) {
        (Some(created), _) => (Some(created), Some("attributes.created")),
        (None, Some(updated)) => (Some(updated), Some("attributes.updated")),
        (None, None) => (None, None),
    };
    let (mut tags, mut owner) = (Vec::new(), None);
    if let Some(map) = opt_object(secret, "tags", at)? {
        let at = at_key(at, "tags");
        for (key, value) in map {
            let value = match value {
                Value::String(value) => value,
                Value::Null => continue,
                other => return Err(expected(&at_key(&at, key), "a string", other)),
            };
            if key.eq_ignore_ascii_case("owner") && !value.is_empty() {
                owner = Some(value.clone());
            }
            tags.push(format!("{key}={value}"));
        }
    }
    out.add(
        value.as_bytes(),
        EntryMeta {
            item: name,
            field: "value".into(),
            vault: vault.map(str::to_string),
            created,
            updated,
            owner,
            tags,
            age_from: age_from.map(str::to_string),
            ..EntryMeta::default()
        }
        .dated_by("attributes.updated", "attributes.created"),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;
    use crate::vault::{VaultEntry, VaultFormat};

    fn run(
        parse: fn(&[u8], &mut Collector) -> Result<(), ParseError>,
        input: &str,
    ) -> Vec<VaultEntry> {
        let mut out = Collector::new(VaultFormat::GcpSecretManager, None, None);
        parse(input.as_bytes(), &mut out).expect("parses");
        out.into_entries()
    }

    #[test]
    fn gcp_regional_secret_names() {
        let input = r#"{"name": "projects/p-1/locations/europe-west1/secrets/api/versions/7",
                        "payload": {"data": "cmVnaW9uYWwtc2VjcmV0", "dataCrc32c": "1"}}"#;
        let found = run(parse_gcp, input);
        assert_eq!(found[0].fingerprint, fingerprint(b"regional-secret"));
        assert_eq!(
            (found[0].meta.item.as_str(), found[0].meta.field.as_str()),
            ("api", "version 7")
        );
        assert_eq!(found[0].meta.vault.as_deref(), Some("gcp:p-1"));
    }

    #[test]
    fn azure_arrays_and_names_from_ids() {
        let input = r#"[{"id": "https://kv-a.vault.azure.net/secrets/first/abc", "value": "first-secret",
                         "attributes": {"created": "2024-01-01T00:00:00+00:00", "updated": "bad"}, "tags": null}]"#;
        let found = run(parse_azure, input);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].meta.item, "first");
        assert_eq!(found[0].meta.vault.as_deref(), Some("kv-a"));
        assert_eq!(
            found[0].meta.created.map(|t| t.as_second()),
            Some(1_704_067_200)
        );
        // `updated` is unreadable; the age is from the version's creation anyway.
        assert_eq!(found[0].meta.updated, found[0].meta.created);
        assert_eq!(
            found[0].meta.age_from.as_deref(),
            Some("attributes.created")
        );
    }
}
