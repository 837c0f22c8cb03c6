//! Browser password exports: Chrome and Edge (`name,url,username,password,note`) and Firefox.
//!
//! Chromium's `password_csv_writer.cc` writes the header `name,url,username,password,note`
//! (older versions stop after `password`); Edge is Chromium and writes the same. Firefox's
//! about:logins → Export Logins writes every cell quoted, header `"url","username","password",
//! "httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"`, the
//! times in milliseconds since the epoch. Neither has folders: pass `--vault-name`.

use jiff::Timestamp;

use super::shared::{add_notes, csv_error, csv_table};
use super::{Collector, EntryMeta, ParseError};

/// True for a Chromium header: `name,url,username,password` first, `note` after if anything.
pub fn is_chrome_header(header: &[String]) -> bool {
    header.len() <= 5
        && header.starts_with(&["name", "url", "username", "password"].map(String::from))
        && header.get(4).is_none_or(|h| h == "note")
}

/// True for a Firefox header: `httpRealm` and `formActionOrigin` are Firefox's own.
pub fn is_firefox_header(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| h == name);
    has("httprealm") && has("formactionorigin") && has("password")
}

pub fn parse_chrome(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let Some(password) = column("password") else {
        return Err(ParseError::Invalid(
            "line 1: no password column (not a Chrome or Edge password export?)".into(),
        ));
    };
    let (name, url, note) = (column("name"), column("url"), column("note"));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let item = Some(cell(name))
            .filter(|n| !n.is_empty())
            .unwrap_or(cell(url));
        let base = EntryMeta {
            item: item.to_string(),
            ..EntryMeta::default()
        };
        out.add(
            cell(Some(password)).as_bytes(),
            EntryMeta {
                field: "password".into(),
                ..base.clone()
            },
        );
        add_notes(out, cell(note), &base);
    }
    Ok(())
}

/// Milliseconds since the epoch, as Firefox writes its times; anything else is `None`.
fn from_millis(text: &str) -> Option<Timestamp> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

pub fn parse_firefox(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let Some(password) = column("password") else {
        return Err(ParseError::Invalid(
            "line 1: no password column (not a Firefox logins export?)".into(),
        ));
    };
    let url = column("url");
    let (created, changed) = (column("timecreated"), column("timepasswordchanged"));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let updated = from_millis(cell(changed));
        out.add(
            cell(Some(password)).as_bytes(),
            EntryMeta {
                item: cell(url).to_string(),
                field: "password".into(),
                created: from_millis(cell(created)),
                updated,
                age_from: updated.map(|_| "timePasswordChanged".to_string()),
                ..EntryMeta::default()
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Vec<String> {
        text.split(',').map(str::to_string).collect()
    }

    #[test]
    fn headers_are_told_apart() {
        assert!(is_chrome_header(&header("name,url,username,password,note")));
        assert!(is_chrome_header(&header("name,url,username,password")));
        assert!(!is_chrome_header(&header(
            "name,url,username,password,extra"
        )));
        assert!(is_firefox_header(&header(
            "url,username,password,httprealm,formactionorigin,guid"
        )));
        assert!(!is_firefox_header(&header("url,username,password")));
    }

    #[test]
    fn firefox_times_are_milliseconds() {
        assert_eq!(
            from_millis("1704164645123").map(|t| t.as_second()),
            Some(1_704_164_645)
        );
        assert_eq!(from_millis("soon"), None);
    }
}
