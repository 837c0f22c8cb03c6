//! 1Password 1PUX (zip with `export.data`) and CSV exports.
//!
//! 1PUX (1Password 8: File → Export → 1PUX) is a zip holding `export.attributes`, `export.data`
//! (JSON) and `files/` (attachments). `export.data` is
//! `{"accounts": [{"attrs": {…}, "vaults": [{"attrs": {"name", …}, "items": [item, …]}]}]}`.
//! Older exports wrap each item as `{"item": {…}}` and mark deleted items `trashed` instead of
//! `state`. An item has `createdAt`/`updatedAt` (Unix seconds), `overview {title, url, tags}` and
//! `details {loginFields[] {value, name, fieldType, designation}, password, notesPlain,
//! sections[] {title, fields[] {title, id, value: {concealed|string|totp|sshKey|…}}},
//! passwordHistory[] {value, time}}`.
//!
//! The 1PIF format of 1Password 7 and older (`***5642bee8-…***` separator lines) is refused
//! with a hint; so is anything else that is not a zip. An unzipped `export.data` is read as is.
//!
//! CSV (1Password 8: `Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes`; older
//! versions differ) is read by header name, case-insensitively.

use std::io::{Cursor, Read};

use serde_json::Value;

use super::shared::{
    Object, add_login_cells, add_notes, add_old_password, at_index, at_key, csv_columns, csv_error,
    csv_quotes_balanced, expected, object_at, opt_array, opt_object, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// The separator line between items in a 1PIF file.
pub(super) const PIF_SEPARATOR: &str = "***5642bee8-a5ff-11dc-8314-0800200c9a66***";

/// Largest `export.data` read (decompressed): the scan's per-member limit for zip archives
/// (64 MiB), and at most [`crate::archive::ArchiveLimits::max_ratio`] (200) times its compressed
/// size, but never under 1 MiB; a small zip bomb is refused after a small read.
fn export_data_limit(compressed: u64) -> u64 {
    let limits = crate::archive::ArchiveLimits::default();
    limits
        .max_member_size
        .min(compressed.saturating_mul(limits.max_ratio).max(1 << 20))
}

const EXPORT_1PUX_HINT: &str = "export 1PUX from 1Password 8 (File → Export → choose the account → 1PUX) and pass the .1pux file";

/// Section field value kinds that hold something a credential could be.
const VALUE_KINDS: &[&str] = &["concealed", "string", "totp", "creditCardNumber"];

pub fn parse_1pux(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    if !crate::archive::is_zip(bytes) {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
        if head.contains(PIF_SEPARATOR) {
            return Err(ParseError::Invalid(format!(
                "this is a 1PIF export (1Password 7 and older), which stray does not read; {EXPORT_1PUX_HINT}"
            )));
        }
        if head
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            // An unzipped export.data.
            return parse_export_data(bytes, out);
        }
        return Err(ParseError::Invalid(format!(
            "not a zip archive, so not a .1pux file; {EXPORT_1PUX_HINT}"
        )));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError::Invalid(format!("not a readable zip: {e}")))?;
    let mut member = archive.by_name("export.data").map_err(|_| {
        ParseError::Invalid("export.data: missing from the archive (not a 1PUX export?)".into())
    })?;
    let compressed = member.compressed_size();
    let limit = export_data_limit(compressed);
    let too_large = || {
        ParseError::Invalid(format!(
            "export.data: expands past {limit} bytes from {compressed} compressed (at most 64 MiB, \
             and 200 times the compressed size, are read: a zip bomb?)"
        ))
    };
    if member.size() > limit {
        return Err(too_large());
    }
    // The declared size can lie: reserve modestly, let `take` bound the read.
    let mut data = Vec::with_capacity(member.size().min(16 << 20) as usize);
    member
        .by_ref()
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| ParseError::Invalid(format!("export.data: cannot decompress: {e}")))?;
    if data.len() as u64 > limit {
        return Err(too_large());
    }
    parse_export_data(&data, out).map_err(|e| match e {
        ParseError::Invalid(message) => ParseError::Invalid(format!("export.data: {message}")),
        other => other,
    })
}

fn parse_export_data(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let root = object_at(&root, "top level")?;
    let accounts = opt_array(root, "accounts", "")?
        .ok_or_else(|| ParseError::Invalid("accounts: missing (not a 1PUX export.data?)".into()))?;
    for (a, account) in accounts.iter().enumerate() {
        let at = at_index("accounts", a);
        let account = object_at(account, &at)?;
        for (v, vault) in opt_array(account, "vaults", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "vaults"), v);
            let vault = object_at(vault, &at)?;
            let vault_name = match opt_object(vault, "attrs", &at)? {
                Some(attrs) => opt_str(attrs, "name", &at_key(&at, "attrs"))?,
                None => None,
            };
            for (i, item) in opt_array(vault, "items", &at)?
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let at = at_index(&at_key(&at, "items"), i);
                let mut item = object_at(item, &at)?;
                let mut at = at;
                // Older 1PUX versions: {"item": {…}}.
                if item.len() == 1
                    && let Some(inner) = item.get("item")
                {
                    at = at_key(&at, "item");
                    item = object_at(inner, &at)?;
                }
                parse_item(item, &at, vault_name, out)?;
            }
        }
    }
    Ok(())
}

fn parse_item(
    item: &Object,
    at: &str,
    vault: Option<&str>,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let overview = opt_object(item, "overview", at)?;
    let overview_at = at_key(at, "overview");
    let (title, tags) = match overview {
        Some(overview) => {
            let title = opt_str(overview, "title", &overview_at)?.unwrap_or_default();
            let mut tags = Vec::new();
            let tag_values = opt_array(overview, "tags", &overview_at)?.unwrap_or_default();
            for (index, tag) in tag_values.iter().enumerate() {
                match tag {
                    Value::String(tag) => tags.push(tag.clone()),
                    other => {
                        let at = at_index(&at_key(&overview_at, "tags"), index);
                        return Err(expected(&at, "a string", other));
                    }
                }
            }
            (title, tags)
        }
        None => ("", Vec::new()),
    };
    let base = EntryMeta {
        item: title.to_string(),
        vault: vault.map(str::to_string),
        created: timestamp(item.get("createdAt")),
        updated: timestamp(item.get("updatedAt")),
        tags,
        ..EntryMeta::default()
    };
    let meta = |field: &str| EntryMeta {
        field: field.to_string(),
        ..base.clone()
    };
    let Some(details) = opt_object(item, "details", at)? else {
        return Ok(());
    };
    let at = at_key(at, "details");

    let login_fields = opt_array(details, "loginFields", &at)?.unwrap_or_default();
    for (index, field) in login_fields.iter().enumerate() {
        let at = at_index(&at_key(&at, "loginFields"), index);
        if field.is_null() {
            continue;
        }
        let field = object_at(field, &at)?;
        let designation = opt_str(field, "designation", &at)?;
        let concealed = opt_str(field, "fieldType", &at)? == Some("P");
        if designation != Some("password") && !concealed {
            continue;
        }
        let value = match field.get("value") {
            None | Some(Value::Null) => continue,
            Some(Value::String(value)) => value.as_str(),
            // Linked-account values arrive as {"string": …} or {"email_address": …}.
            Some(Value::Object(inner)) => {
                let at = at_key(&at, "value");
                match opt_str(inner, "string", &at)? {
                    Some(value) => value,
                    None => opt_str(inner, "email_address", &at)?.unwrap_or_default(),
                }
            }
            Some(other) => return Err(expected(&at_key(&at, "value"), "a string", other)),
        };
        let name = match designation {
            Some("password") => "password",
            _ => opt_str(field, "name", &at)?
                .filter(|n| !n.is_empty())
                .unwrap_or("password"),
        };
        out.add(value.as_bytes(), meta(name));
    }
    if let Some(password) = opt_str(details, "password", &at)? {
        out.add(password.as_bytes(), meta("password"));
    }
    if let Some(notes) = opt_str(details, "notesPlain", &at)? {
        add_notes(out, notes, &base);
    }
    for (s, section) in opt_array(details, "sections", &at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(&at, "sections"), s);
        if section.is_null() {
            continue;
        }
        let section = object_at(section, &at)?;
        for (f, field) in opt_array(section, "fields", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "fields"), f);
            let field = object_at(field, &at)?;
            let title = opt_str(field, "title", &at)?.unwrap_or_default();
            let name = if title.is_empty() {
                opt_str(field, "id", &at)?.unwrap_or_default()
            } else {
                title
            };
            let Some(value) = opt_object(field, "value", &at)? else {
                continue;
            };
            let at = at_key(&at, "value");
            for kind in VALUE_KINDS {
                if let Some(value) = opt_str(value, kind, &at)? {
                    out.add(value.as_bytes(), meta(name));
                }
            }
            if let Some(ssh) = opt_object(value, "sshKey", &at)?
                && let Some(key) = opt_str(ssh, "privateKey", &at_key(&at, "sshKey"))?
            {
                out.add(key.as_bytes(), meta(name));
            }
        }
    }
    let history = opt_array(details, "passwordHistory", &at)?.unwrap_or_default();
    for (index, old) in history.iter().enumerate() {
        let at = at_index(&at_key(&at, "passwordHistory"), index);
        if old.is_null() {
            continue;
        }
        let old = object_at(old, &at)?;
        add_old_password(out, old, &at, "value", "time", &base)?;
    }
    Ok(())
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    csv_quotes_balanced(bytes)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let columns = csv_columns(reader.headers().map_err(|e| csv_error(bytes, e))?);
    let column = |names: &[&str]| names.iter().find_map(|n| columns.get(*n).copied());
    let (Some(title), Some(password)) = (column(&["title"]), column(&["password"])) else {
        return Err(ParseError::Invalid(
            "line 1: no Title and Password columns (not a 1Password CSV export?)".into(),
        ));
    };
    let otp = column(&["otpauth", "one-time password", "otp"]);
    let notes = column(&["notes", "notesplain"]);
    let tags = column(&["tags"]);
    let vault = column(&["vault"]);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let base = EntryMeta {
            item: cell(Some(title)).to_string(),
            vault: Some(cell(vault))
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            tags: cell(tags)
                .split([',', ';'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            ..EntryMeta::default()
        };
        add_login_cells(out, &base, cell(Some(password)), cell(otp), cell(notes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::test_support::zip_of;
    use crate::finding::fingerprint;
    use crate::vault::{VaultEntry, VaultFormat};

    fn parse(bytes: &[u8]) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::OnePassword1pux, None, None);
        parse_1pux(bytes, &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn an_inflating_export_data_is_refused_past_its_limit() {
        assert_eq!(export_data_limit(0), 1 << 20);
        assert_eq!(export_data_limit(10_000), 2_000_000);
        assert_eq!(export_data_limit(u64::MAX), 64 << 20);
        let padded = format!(r#"{{"accounts": [], "pad": "{}"}}"#, "A".repeat(4 << 20));
        let bomb = zip_of(&[("export.data", padded.as_bytes())]);
        match parse(&bomb) {
            Err(ParseError::Invalid(message)) => {
                assert!(
                    message.starts_with("export.data: expands past"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    /// Older 1PUX: items wrapped as {"item": {…}}, `trashed` instead of `state`; loginFields with
    /// structured values; a concealed login field without designation.
    const OLD_EXPORT_DATA: &str = r#"{"accounts": [{"attrs": {"name": "A"}, "vaults": [{"attrs": {"name": "Vault"},
        "items": [{"item": {"uuid": "u", "createdAt": 1600000000, "updatedAt": 1600000100, "trashed": false,
          "categoryUuid": "001", "overview": {"title": "Old login", "tags": []},
          "details": {"loginFields": [
              {"value": {"email_address": "someone@example.com"}, "name": "email", "fieldType": "E", "designation": "username"},
              {"value": "pin-code-long", "name": "pin", "fieldType": "P"},
              null],
            "sections": [null, {"title": "Card", "fields": [{"title": "", "id": "ccnum", "value": {"creditCardNumber": "4000000000000002"}}]}],
            "passwordHistory": null}}}]}]}]}"#;

    #[test]
    fn reads_wrapped_items_of_older_exports_from_a_zip_and_unzipped() {
        let zipped = zip_of(&[
            ("export.attributes", b"{}"),
            ("export.data", OLD_EXPORT_DATA.as_bytes()),
        ]);
        for input in [zipped.as_slice(), OLD_EXPORT_DATA.as_bytes()] {
            let found = parse(input).expect("parses");
            let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
            assert_eq!(fields, ["pin", "ccnum"]);
            assert_eq!(found[0].fingerprint, fingerprint(b"pin-code-long"));
            assert_eq!(found[0].meta.item, "Old login");
            assert_eq!(found[0].meta.vault.as_deref(), Some("Vault"));
            assert_eq!(
                found[0].meta.updated.map(|t| t.as_second()),
                Some(1_600_000_100)
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_1pux() {
        let invalid = |bytes: &[u8]| match parse(bytes) {
            Err(ParseError::Invalid(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(invalid(b"title,password\n").starts_with("not a zip archive"));
        let pif = format!("{{\"title\": \"x\"}}\n{PIF_SEPARATOR}\n");
        assert!(invalid(pif.as_bytes()).contains("1PIF"));
        let no_data = zip_of(&[("export.attributes", b"{}")]);
        assert!(invalid(&no_data).starts_with("export.data: missing"));
        let bad_item = zip_of(&[("export.data", br#"{"accounts": [{"vaults": [{"items": [{"details": {"sections": [{"fields": [{"value": "x"}]}]}}]}]}]}"#)]);
        assert_eq!(
            invalid(&bad_item),
            "export.data: accounts[0].vaults[0].items[0].details.sections[0].fields[0].value: expected an object, found a string"
        );
        assert!(invalid(b"PK\x03\x04 truncated").starts_with("not a readable zip"));
    }

    #[test]
    fn csv_headers_are_case_insensitive() {
        let mut out = Collector::new(VaultFormat::OnePasswordCsv, None, None);
        parse_csv(
            b"title,website,username,password,notes,vault\nMail,,me,Mail-Pass-123,,Family\n",
            &mut out,
        )
        .expect("parses");
        let found = out.into_entries();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].meta.item, "Mail");
        assert_eq!(found[0].meta.vault.as_deref(), Some("Family"));
    }
}
