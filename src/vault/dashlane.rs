//! Dashlane CSV export (Settings → Export data → CSV): a zip of `credentials.csv` and others;
//! `credentials.csv` is read.
//!
//! Its header is `username,username2,username3,title,password,note,url,category,otpSecret`
//! (Bitwarden's `dashlane-csv-importer.ts` and Proton Pass's Dashlane importer read the same
//! columns). `username2`, `username3` and `otpSecret` are Dashlane's own: a Dashlane file also
//! has `title` and `password`, so without them it would be taken for a 1Password CSV. `category`
//! is the folder.

use super::shared::{add_login_cells, csv_error, csv_table};
use super::{Collector, EntryMeta, ParseError};

/// True for a Dashlane credentials header.
pub fn is_header(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| h == name);
    (has("username2") || has("otpsecret")) && has("title") && has("password")
}

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let (Some(title), Some(password)) = (column("title"), column("password")) else {
        return Err(ParseError::Invalid(
            "line 1: no title and password columns (not a Dashlane credentials.csv?)".into(),
        ));
    };
    let (note, url, category, otp) = (
        column("note"),
        column("url"),
        column("category"),
        column("otpsecret"),
    );
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let item = Some(cell(Some(title)))
            .filter(|t| !t.is_empty())
            .unwrap_or(cell(url));
        let base = EntryMeta {
            item: item.to_string(),
            vault: Some(cell(category))
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            ..EntryMeta::default()
        };
        add_login_cells(out, &base, cell(Some(password)), cell(otp), cell(note));
    }
    Ok(())
}
