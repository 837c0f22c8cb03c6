//! Infisical `infisical export --format=json`.
//!
//! The CLI marshals its secrets as one compact JSON array:
//! `[{"key", "workspace", "value", "type", "_id", "secretPath", "tags": [{"id", "name", "slug",
//! "color"}], "comment", …}]`; older CLIs wrote only `key`, `value`, `type`, `_id`. The
//! environment is not in the output (it was a command-line flag): pass `--vault-name` for it.
//!
//! Each `value` is an entry: item = `key`, field `value`, vault = workspace (project id) plus the
//! folder path when it is not `/`, tags = the tag slugs (or names), and `personal` secrets get a
//! `personal` tag.

use serde_json::Value;

use super::shared::{array_at, at_index, at_key, object_at, opt_array, opt_str};
use super::{Collector, EntryMeta, ParseError};

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let secrets = array_at(&root, "top level").map_err(|_| {
        ParseError::Invalid(
            "top level: expected a JSON array of {\"key\", \"value\"} objects".into(),
        )
    })?;
    for (index, secret) in secrets.iter().enumerate() {
        let at = at_index("", index);
        let secret = object_at(secret, &at)?;
        let key = opt_str(secret, "key", &at)?
            .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(&at, "key"))))?;
        let value = opt_str(secret, "value", &at)?
            .ok_or_else(|| ParseError::Invalid(format!("{}: missing", at_key(&at, "value"))))?;
        let workspace = opt_str(secret, "workspace", &at)?.filter(|w| !w.is_empty());
        let environment = opt_str(secret, "environment", &at)?.filter(|e| !e.is_empty());
        let path = opt_str(secret, "secretPath", &at)?.filter(|p| !p.is_empty() && *p != "/");
        let mut vault = [workspace, environment]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("/");
        if let Some(path) = path {
            vault.push_str(path);
        }
        let mut tags = Vec::new();
        for (t, tag) in opt_array(secret, "tags", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "tags"), t);
            let tag = object_at(tag, &at)?;
            if let Some(name) = opt_str(tag, "slug", &at)?.or(opt_str(tag, "name", &at)?) {
                tags.push(name.to_string());
            }
        }
        if opt_str(secret, "type", &at)? == Some("personal") {
            tags.push("personal".into());
        }
        out.add(
            value.as_bytes(),
            EntryMeta {
                item: key.to_string(),
                field: "value".into(),
                vault: Some(vault).filter(|v| !v.is_empty()),
                tags,
                ..EntryMeta::default()
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    #[test]
    fn older_cli_output_and_errors() {
        let mut out = Collector::new(VaultFormat::Infisical, None, None);
        parse(
            br#"[{"key": "API_KEY", "value": "value-12345", "type": "shared", "_id": "1"}]"#,
            &mut out,
        )
        .expect("parses");
        let found = out.into_entries();
        assert_eq!(
            (found[0].meta.item.as_str(), found[0].meta.vault.as_deref()),
            ("API_KEY", None)
        );

        let mut out = Collector::new(VaultFormat::Infisical, None, None);
        assert_eq!(
            parse(br#"[{"value": "v"}]"#, &mut out),
            Err(ParseError::Invalid("[0].key: missing".into()))
        );
        assert!(
            matches!(parse(br#"{"k": "v"}"#, &mut out), Err(ParseError::Invalid(m)) if m.contains("JSON array"))
        );
    }
}
