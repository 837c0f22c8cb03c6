//! 1Password 1PUX (zip with `export.data`), CSV, 1PIF and `op item get --format json` output.
//!
//! 1PUX (1Password 8: File → Export → 1PUX) is a zip holding `export.attributes`, `export.data`
//! (JSON) and `files/` (documents and attachments, each `files/<documentId>__<fileName>`).
//! `export.data` is
//! `{"accounts": [{"attrs": {…}, "vaults": [{"attrs": {"name", …}, "items": [item, …]}]}]}`.
//! Older exports wrap each item as `{"item": {…}}` and mark deleted items `trashed` instead of
//! `state`. An item has `createdAt`/`updatedAt` (Unix seconds), `overview {title, url, tags}` and
//! `details {loginFields[] {value, name, fieldType, designation}, password, notesPlain,
//! sections[] {title, fields[] {title, id, value: {concealed|string|totp|sshKey|…}}},
//! passwordHistory[] {value, time}, documentAttributes {fileName, documentId}}`; a section field
//! may hold a file (`value: {file: {fileName, documentId}}`). A document's or attachment's file
//! is read as a dotenv would be: its whole text is one value (field `<fileName>`) and each
//! `NAME=value` line another (field `<fileName>:NAME`), attributed to the item; with a matcher,
//! each credential a rule finds elsewhere in it too (field `<fileName>:<rule>`). Binary files
//! and files over 1 MiB are not read.
//!
//! An item that is not live (1PUX `state: "archived"` or `trashed: true`, the CSV's `Archived`
//! column, the CLI's `state: "ARCHIVED"`/`"DELETED"`, 1PIF `trashed`) is kept as history: a
//! copy of its value on disk is `rotated-out`, not `unvaulted` (the vault knew it) and not
//! `stray-copy` (nobody manages it as a live credential any more).
//!
//! Anything that is not a zip, an unzipped `export.data` or a 1PIF is refused with a hint. An
//! unzipped `export.data` is read as is, without its files.
//!
//! 1PIF (1Password 7 and older; plaintext, one JSON object per line between
//! `***5642bee8-…***` separator lines): `{title, createdAt, updatedAt, trashed, openContents
//! {tags}, secureContents {fields[] {value, designation, type, name}, password, notesPlain,
//! sections[] {title, fields[] {k, n, t, v}}, passwordHistory[] {value, time}}}`.
//!
//! `op item get --format json` (1Password CLI 2): `{title, vault {name}, state, tags,
//! created_at, updated_at, fields[] {id, type, purpose, label, value, password_details
//! {history}}}`; several items come as an array or, from `op item list --format json | op item
//! get -`, as objects one after another.
//!
//! CSV (1Password 8: `Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes`; older
//! versions differ) is read by header name, case-insensitively.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use serde_json::Value;

use super::shared::{
    Object, add_login_cells, add_notes, add_old_password, at_index, at_key, csv_error, csv_table,
    env_lines, expected, object_at, opt_array, opt_object, opt_str, timestamp,
};
use super::{Collector, EntryMeta, ParseError};

/// The separator line between items in a 1PIF file.
pub(super) const PIF_SEPARATOR: &str = "***5642bee8-a5ff-11dc-8314-0800200c9a66***";

const EXPORT_1PUX_HINT: &str = "export 1PUX from 1Password 8 (File → Export → choose the account → 1PUX) and pass the .1pux file";

/// Section field value kinds that hold something a credential could be.
const VALUE_KINDS: &[&str] = &["concealed", "string", "totp", "creditCardNumber"];

pub fn parse_1pux(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    if !crate::input::archive::is_zip(bytes) {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
        if head.contains(PIF_SEPARATOR) {
            return Err(ParseError::Invalid(
                "this is a 1PIF export (1Password 7 and older): pass --vault-format 1password-1pif, \
                 or let stray detect it"
                    .into(),
            ));
        }
        if head
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            // An unzipped export.data.
            return parse_export_data(bytes, &HashMap::new(), out);
        }
        return Err(ParseError::Invalid(format!(
            "not a zip archive, so not a .1pux file; {EXPORT_1PUX_HINT}"
        )));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError::Invalid(format!("not a readable zip: {e}")))?;
    let data = read_export_data(&mut archive)?;
    let files = read_files(&mut archive)?;
    parse_export_data(&data, &files, out).map_err(|e| match e {
        ParseError::Invalid(message) => ParseError::Invalid(format!("export.data: {message}")),
        other => other,
    })
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn read_export_data(archive: &mut Archive) -> Result<Vec<u8>, ParseError> {
    super::shared::read_zip_member(archive, "export.data", "not a 1PUX export?")
}

/// Largest document or attachment read: `.env` files and keys are small; PDFs and images are
/// not what this is for.
const FILE_LIMIT: u64 = 1 << 20;

/// The text of every small UTF-8 file under `files/`, by document id (`files/<id>__<name>`).
fn read_files(archive: &mut Archive) -> Result<HashMap<String, String>, ParseError> {
    let mut files = HashMap::new();
    for index in 0..archive.len() {
        let mut member = archive
            .by_index(index)
            .map_err(|e| ParseError::Invalid(format!("member {index}: cannot read: {e}")))?;
        let name = member.name().to_string();
        let Some(id) = name
            .strip_prefix("files/")
            .and_then(|rest| rest.split_once("__"))
            .map(|(id, _)| id.to_string())
        else {
            continue;
        };
        if member.is_dir() || member.size() > FILE_LIMIT {
            continue;
        }
        let mut data = Vec::new();
        member
            .by_ref()
            .take(FILE_LIMIT + 1)
            .read_to_end(&mut data)
            .map_err(|e| ParseError::Invalid(format!("{name}: cannot decompress: {e}")))?;
        if data.len() as u64 > FILE_LIMIT {
            continue;
        }
        if let Ok(text) = String::from_utf8(data) {
            files.insert(id, text);
        }
    }
    Ok(files)
}

fn parse_export_data(
    bytes: &[u8],
    files: &HashMap<String, String>,
    out: &mut Collector,
) -> Result<(), ParseError> {
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
                parse_item(item, &at, vault_name, files, out)?;
            }
        }
    }
    Ok(())
}

fn parse_item(
    item: &Object,
    at: &str,
    vault: Option<&str>,
    files: &HashMap<String, String>,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let archived = opt_str(item, "state", at)? == Some("archived")
        || item.get("trashed") == Some(&Value::Bool(true));
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
        history: archived,
        ..EntryMeta::default()
    }
    .dated_by("updatedAt", "createdAt");
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
    if let Some(document) = opt_object(details, "documentAttributes", &at)? {
        add_file(
            out,
            files,
            document,
            &at_key(&at, "documentAttributes"),
            &base,
        )?;
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
            if let Some(file) = opt_object(value, "file", &at)? {
                add_file(out, files, file, &at_key(&at, "file"), &base)?;
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

/// A document's or attachment's file (`{fileName, documentId}`), read as a dotenv would be: the
/// whole text (field `<fileName>`) and each `NAME=value` line (field `<fileName>:NAME`).
fn add_file(
    out: &mut Collector,
    files: &HashMap<String, String>,
    attributes: &Object,
    at: &str,
    base: &EntryMeta,
) -> Result<(), ParseError> {
    let Some(id) = opt_str(attributes, "documentId", at)? else {
        return Ok(());
    };
    let name = opt_str(attributes, "fileName", at)?
        .filter(|n| !n.is_empty())
        .unwrap_or(id);
    let Some(text) = files.get(id) else {
        return Ok(());
    };
    let meta = |field: String| EntryMeta {
        field,
        ..base.clone()
    };
    out.add(text.as_bytes(), meta(name.to_string()));
    let pairs = env_lines(text);
    for (key, value) in &pairs {
        out.add(value.as_bytes(), meta(format!("{name}:{key}")));
    }
    // A key in a file that is not `NAME=value` lines (`credentials.json`, YAML, a PEM): what a
    // rule finds in it, as the scan would (field `<fileName>:<rule>`).
    if let Some(matcher) = out.matcher() {
        let mut found: Vec<(String, &[u8])> = Vec::new();
        for candidate in matcher.find(text.as_bytes()) {
            let secret = &text.as_bytes()[candidate.start..candidate.end];
            let known = pairs.iter().any(|(_, v)| v.as_bytes() == secret)
                || found.iter().any(|(_, s)| *s == secret);
            if !known {
                let rule = &matcher.rules()[candidate.rule].id;
                found.push((format!("{name}:{rule}"), secret));
            }
        }
        for (field, secret) in found {
            out.add(secret, meta(field));
        }
    }
    Ok(())
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
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
    let archived = column(&["archived"]);
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
            // An archived item is not live: its values are history (rotated-out).
            history: cell(archived).trim().eq_ignore_ascii_case("true"),
            ..EntryMeta::default()
        };
        add_login_cells(out, &base, cell(Some(password)), cell(otp), cell(notes));
    }
    Ok(())
}

/// 1PIF section field kinds (`k`) that hold something a credential could be.
const PIF_VALUE_KINDS: &[&str] = &["string", "concealed", "totp"];

pub fn parse_1pif(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ParseError::Invalid(format!("not UTF-8 text after byte {}", e.valid_up_to()))
    })?;
    let text = text.trim_start_matches('\u{feff}');
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.len() >= 6 && line.starts_with("***") && line.ends_with("***") {
            continue;
        }
        let at = format!("line {}", index + 1);
        let item: Value =
            serde_json::from_str(line).map_err(|e| ParseError::Invalid(format!("{at}: {e}")))?;
        parse_pif_item(object_at(&item, &at)?, &at, out)?;
    }
    Ok(())
}

fn parse_pif_item(item: &Object, at: &str, out: &mut Collector) -> Result<(), ParseError> {
    let mut tags = Vec::new();
    if let Some(open) = opt_object(item, "openContents", at)? {
        let open_at = at_key(at, "openContents");
        tags = string_list(
            opt_array(open, "tags", &open_at)?,
            &at_key(&open_at, "tags"),
        )?;
    }
    let base = EntryMeta {
        item: opt_str(item, "title", at)?.unwrap_or_default().to_string(),
        created: timestamp(item.get("createdAt")),
        updated: timestamp(item.get("updatedAt")),
        tags,
        history: item.get("trashed") == Some(&Value::Bool(true)),
        ..EntryMeta::default()
    }
    .dated_by("updatedAt", "createdAt");
    let meta = |field: &str| EntryMeta {
        field: field.to_string(),
        ..base.clone()
    };
    let Some(contents) = opt_object(item, "secureContents", at)? else {
        return Ok(());
    };
    let at = at_key(at, "secureContents");
    for (index, field) in opt_array(contents, "fields", &at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(&at, "fields"), index);
        let field = object_at(field, &at)?;
        let designation = opt_str(field, "designation", &at)?;
        let concealed = opt_str(field, "type", &at)? == Some("P");
        if designation != Some("password") && !concealed {
            continue;
        }
        let Some(value) = opt_str(field, "value", &at)? else {
            continue;
        };
        let name = match designation {
            Some("password") => "password",
            _ => opt_str(field, "name", &at)?
                .filter(|n| !n.is_empty())
                .unwrap_or("password"),
        };
        out.add(value.as_bytes(), meta(name));
    }
    if let Some(password) = opt_str(contents, "password", &at)? {
        out.add(password.as_bytes(), meta("password"));
    }
    if let Some(notes) = opt_str(contents, "notesPlain", &at)? {
        add_notes(out, notes, &base);
    }
    for (s, section) in opt_array(contents, "sections", &at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(&at, "sections"), s);
        let section = object_at(section, &at)?;
        for (f, field) in opt_array(section, "fields", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "fields"), f);
            let field = object_at(field, &at)?;
            let kind = opt_str(field, "k", &at)?.unwrap_or_default();
            // Dates are numbers, addresses objects: only text can be a credential.
            let (true, Some(Value::String(value))) =
                (PIF_VALUE_KINDS.contains(&kind), field.get("v"))
            else {
                continue;
            };
            let name = opt_str(field, "t", &at)?
                .filter(|t| !t.is_empty())
                .or(opt_str(field, "n", &at)?)
                .unwrap_or_default();
            out.add(value.as_bytes(), meta(name));
        }
    }
    for (index, old) in opt_array(contents, "passwordHistory", &at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(&at, "passwordHistory"), index);
        add_old_password(out, object_at(old, &at)?, &at, "value", "time", &base)?;
    }
    Ok(())
}

fn string_list(values: Option<&[Value]>, at: &str) -> Result<Vec<String>, ParseError> {
    let mut list = Vec::new();
    for (index, value) in values.unwrap_or_default().iter().enumerate() {
        match value {
            Value::String(text) => list.push(text.clone()),
            other => return Err(expected(&at_index(at, index), "a string", other)),
        }
    }
    Ok(list)
}

/// `op item get` field types that hold something a credential could be.
const CLI_VALUE_TYPES: &[&str] = &[
    "CONCEALED",
    "STRING",
    "OTP",
    "SSHKEY",
    "CREDIT_CARD_NUMBER",
    "CREDITCARDNUMBER",
];

/// One `op item get --format json` item: `fields` and a `category` or `vault`.
fn is_cli_item(value: &Value) -> bool {
    value.get("fields").is_some_and(Value::is_array)
        && (value.get("category").is_some_and(Value::is_string)
            || value.get("vault").is_some_and(Value::is_object))
}

/// One item, or a non-empty array of them.
pub(super) fn is_cli_output(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(is_cli_item),
        other => is_cli_item(other),
    }
}

/// Several JSON values one after another, the first of them `op item get` output.
pub(super) fn is_cli_stream(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    matches!(stream.next(), Some(Ok(first)) if is_cli_output(&first))
}

pub fn parse_cli(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let values = serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .collect::<Result<Vec<Value>, _>>()?;
    if values.is_empty() {
        return Err(ParseError::Invalid(
            "no JSON value (not `op item get --format json` output?)".into(),
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
                    parse_cli_item(object_at(item, &at)?, &at, out)?;
                }
            }
            other => {
                let top = if several { at.as_str() } else { "top level" };
                parse_cli_item(object_at(other, top)?, &at, out)?;
            }
        }
    }
    Ok(())
}

fn parse_cli_item(item: &Object, at: &str, out: &mut Collector) -> Result<(), ParseError> {
    let vault = match opt_object(item, "vault", at)? {
        Some(vault) => opt_str(vault, "name", &at_key(at, "vault"))?,
        None => None,
    };
    // `op item list --include-archive`: ARCHIVED; deleted items: DELETED.
    let live = opt_str(item, "state", at)?
        .is_none_or(|s| !s.eq_ignore_ascii_case("archived") && !s.eq_ignore_ascii_case("deleted"));
    let base = EntryMeta {
        item: opt_str(item, "title", at)?.unwrap_or_default().to_string(),
        vault: vault.map(str::to_string),
        created: timestamp(item.get("created_at")),
        updated: timestamp(item.get("updated_at")),
        tags: string_list(opt_array(item, "tags", at)?, &at_key(at, "tags"))?,
        history: !live,
        ..EntryMeta::default()
    }
    .dated_by("updated_at", "created_at");
    for (index, field) in opt_array(item, "fields", at)?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at_index(&at_key(at, "fields"), index);
        let field = object_at(field, &at)?;
        let kind = opt_str(field, "type", &at)?.unwrap_or_default();
        let purpose = opt_str(field, "purpose", &at)?;
        let name = opt_str(field, "label", &at)?
            .filter(|l| !l.is_empty())
            .or(opt_str(field, "id", &at)?)
            .unwrap_or_default()
            .to_string();
        let value = match field.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::String(value)) => Some(value.as_str()),
            Some(other) if kind == "CONCEALED" => {
                return Err(expected(&at_key(&at, "value"), "a string", other));
            }
            // Dates, addresses and the like: never a credential.
            Some(_) => None,
        };
        if let Some(value) = value {
            match purpose {
                Some("NOTES") => add_notes(out, value, &base),
                Some("USERNAME") => {}
                _ if CLI_VALUE_TYPES.contains(&kind) => out.add(
                    value.as_bytes(),
                    EntryMeta {
                        field: name.clone(),
                        ..base.clone()
                    },
                ),
                _ => {}
            }
        }
        let Some(details) = opt_object(field, "password_details", &at)? else {
            continue;
        };
        let at = at_key(&at, "password_details");
        for (h, old) in opt_array(details, "history", &at)?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at_index(&at_key(&at, "history"), h);
            let old = match old {
                Value::Null => continue,
                Value::String(old) => old,
                other => return Err(expected(&at, "a string", other)),
            };
            out.add(
                old.as_bytes(),
                EntryMeta {
                    field: name.clone(),
                    history: true,
                    ..base.clone()
                },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;
    use crate::input::archive::test_support::zip_of;
    use crate::vault::{VaultEntry, VaultFormat};

    fn parse(bytes: &[u8]) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::OnePassword1pux, None, None);
        parse_1pux(bytes, &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn an_inflating_export_data_is_refused_past_its_limit() {
        assert_eq!(crate::vault::shared::zip_member_limit(0), 1 << 20);
        assert_eq!(crate::vault::shared::zip_member_limit(10_000), 2_000_000);
        assert_eq!(crate::vault::shared::zip_member_limit(u64::MAX), 64 << 20);
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
        assert!(invalid(pif.as_bytes()).contains("1password-1pif"));
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

    fn parse_with(
        format: VaultFormat,
        parser: fn(&[u8], &mut Collector) -> Result<(), ParseError>,
        bytes: &[u8],
    ) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(format, None, None);
        parser(bytes, &mut out).map(|()| out.into_entries())
    }

    #[test]
    fn attachments_are_read_like_documents_and_binary_files_are_not() {
        let data = r#"{"accounts": [{"vaults": [{"attrs": {"name": "V"}, "items": [
            {"createdAt": 1, "updatedAt": 2, "overview": {"title": "api"}, "details": {"sections": [
              {"title": "", "fields": [{"title": "env", "id": "f1", "value": {"file": {"fileName": "prod.env", "documentId": "doc1", "decryptedSize": 20}}},
                                       {"title": "logo", "id": "f2", "value": {"file": {"fileName": "logo.png", "documentId": "doc2"}}}]}]}}]}]}]}"#;
        let zipped = zip_of(&[
            ("export.data", data.as_bytes()),
            ("files/doc1__prod.env", b"API_TOKEN=tok-1234567890\n"),
            (
                "files/doc2__logo.png",
                b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary",
            ),
        ]);
        let found = parse(&zipped).expect("parses");
        let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
        assert_eq!(fields, ["prod.env", "prod.env:API_TOKEN"]);
        assert_eq!(found[1].fingerprint, fingerprint(b"tok-1234567890"));
        assert_eq!(found[1].meta.item, "api");
    }

    #[test]
    fn with_a_matcher_keys_outside_assignments_are_found_in_documents() {
        let token = "glpat-KxisKsk3ujuxDSTw7VmO";
        let data = r#"{"accounts": [{"vaults": [{"items": [{"overview": {"title": "ci"},
            "details": {"documentAttributes": {"fileName": "creds.json", "documentId": "d"}}}]}]}]}"#;
        let json = format!("{{\"gitlab\": {{\"token\": \"{token}\"}}}}\nTOKEN={token}\n");
        let zipped = zip_of(&[
            ("export.data", data.as_bytes()),
            ("files/d__creds.json", json.as_bytes()),
        ]);
        let matcher =
            crate::Matcher::new(crate::RuleSet::builtin().expect("rules")).expect("matcher");
        let mut out = Collector::new(VaultFormat::OnePassword1pux, Some(&matcher), None);
        parse_1pux(&zipped, &mut out).expect("parses");
        let found = out.into_entries();
        let fields: Vec<&str> = found.iter().map(|e| e.meta.field.as_str()).collect();
        // The token is once `TOKEN=` (that line) and not again for the rule's two hits of it.
        assert_eq!(fields, ["creds.json", "creds.json:TOKEN"]);
        let only_json =
            format!("{{\"gitlab\": {{\"token\": \"{token}\", \"again\": \"{token}\"}}}}\n");
        let zipped = zip_of(&[
            ("export.data", data.as_bytes()),
            ("files/d__creds.json", only_json.as_bytes()),
        ]);
        let mut out = Collector::new(VaultFormat::OnePassword1pux, Some(&matcher), None);
        parse_1pux(&zipped, &mut out).expect("parses");
        let found = out.into_entries();
        assert_eq!(found.len(), 2, "one entry for the key found twice");
        assert_eq!(found[1].meta.field, "creds.json:gitlab-pat");
        assert_eq!(found[1].fingerprint, fingerprint(token.as_bytes()));
        assert!(!found[1].guessable);
    }

    #[test]
    fn cli_output_as_an_array_and_its_errors() {
        let array = br#"[{"title": "a", "category": "PASSWORD", "fields": [{"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "first-secret-1"}]},
                        {"title": "b", "category": "LOGIN", "state": "DELETED", "fields": [{"id": "password", "type": "CONCEALED", "label": "password", "value": "second-secret-2"}]}]"#;
        let value: Value = serde_json::from_slice(array).unwrap();
        assert!(is_cli_output(&value));
        let found = parse_with(VaultFormat::OnePasswordCli, parse_cli, array).expect("parses");
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].meta.item.as_str(), found[0].meta.history),
            ("a", false)
        );
        assert_eq!(
            (found[1].meta.item.as_str(), found[1].meta.history),
            ("b", true)
        );
        let two = br#"{"title": "a", "category": "LOGIN", "fields": []}
{"title": "b", "category": "LOGIN", "fields": [{"type": "CONCEALED", "value": 5}]}"#;
        assert!(is_cli_stream(two));
        assert_eq!(
            parse_with(VaultFormat::OnePasswordCli, parse_cli, two),
            Err(ParseError::Invalid(
                "item 2.fields[0].value: expected a string, found a number".into()
            ))
        );
        assert!(!is_cli_stream(br#"{"OPENAI_API_KEY": "x"} {"b": 1}"#));
    }

    #[test]
    fn pif_errors_name_the_line() {
        let pif = format!("{{\"title\": \"x\"}}\n{PIF_SEPARATOR}\n{{broken\n");
        match parse_with(VaultFormat::OnePassword1pif, parse_1pif, pif.as_bytes()) {
            Err(ParseError::Invalid(message)) => {
                assert!(message.starts_with("line 3: "), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
