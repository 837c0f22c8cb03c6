//! LastPass CSV export (Account Settings → Advanced → Export → LastPass CSV File, or
//! `lpass export`).
//!
//! The header is `url,username,password,totp,extra,name,grouping,fav` (lastpass-cli's
//! `cmd-export.c` writes the same columns without `totp`). `extra` holds the notes (a secure
//! note's whole text, its `url` being `http://sn`), `grouping` the folder path
//! (`Shared-Ops\Cloud`). Columns are found by header name.

use super::shared::{add_login_cells, csv_error, csv_table};
use super::{Collector, EntryMeta, ParseError};

/// True for a LastPass header: `extra` and `grouping` are LastPass's own.
pub fn is_header(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| h == name);
    has("extra") && has("grouping") && has("password")
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let (Some(password), Some(extra)) = (column("password"), column("extra")) else {
        return Err(ParseError::Invalid(
            "line 1: no password and extra columns (not a LastPass CSV export?)".into(),
        ));
    };
    let (url, name, grouping, totp) = (
        column("url"),
        column("name"),
        column("grouping"),
        column("totp"),
    );
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let item = Some(cell(name))
            .filter(|n| !n.is_empty())
            .unwrap_or(cell(url));
        let base = EntryMeta {
            item: item.to_string(),
            vault: Some(cell(grouping))
                .filter(|g| !g.is_empty() && *g != "(none)")
                .map(str::to_string),
            ..EntryMeta::default()
        };
        let notes = cell(Some(extra));
        add_login_cells(out, &base, cell(Some(password)), cell(totp), notes);
        add_rule_matches(out, notes, &base);
    }
    Ok(())
}

/// A key a rule finds in the notes that is not on a `NAME=value` line (a pasted JSON, a
/// `token: …` line): field `notes:<rule>`, as the scan would find it.
fn add_rule_matches(out: &mut Collector, notes: &str, base: &EntryMeta) {
    let Some(matcher) = out.matcher() else {
        return;
    };
    let lines = super::shared::env_lines(notes);
    let mut found: Vec<(String, &[u8])> = Vec::new();
    for candidate in matcher.find(notes.as_bytes()) {
        let secret = &notes.as_bytes()[candidate.start..candidate.end];
        let known = lines.iter().any(|(_, v)| v.as_bytes() == secret)
            || found.iter().any(|(_, s)| *s == secret);
        if !known {
            let rule = &matcher.rules()[candidate.rule].id;
            found.push((format!("notes:{rule}"), secret));
        }
    }
    for (field, secret) in found {
        out.add(
            secret,
            EntryMeta {
                field,
                ..base.clone()
            },
        );
    }
}
