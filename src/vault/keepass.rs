//! KeePassXC CSV export (Database → Export → CSV).
//!
//! KeePassXC 2.7 writes every cell quoted, header
//! `"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"`;
//! older versions stop after `Notes`. `Group` is the group path (`Root/Work`), `TOTP` the
//! `otpauth://` URI or legacy settings string, the dates Qt ISO 8601 (`2024-01-15T10:20:30Z`).
//! Columns are found by header name, case-insensitively.
//!
//! A deleted entry moves to the `Recycle Bin` group (KeePassXC's `Database::createRecycleBin`
//! makes it under the root, so its path is `Root/Recycle Bin`); its values are read as history,
//! like an archived 1Password item: a copy on disk is `rotated-out`, not a live `stray-copy`.

use super::shared::{add_login_cells, csv_error, csv_table, parse_timestamp};
use super::{Collector, EntryMeta, ParseError};

/// The group KeePassXC moves deleted entries to.
const RECYCLE_BIN: &str = "Recycle Bin";

pub fn parse_csv(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let (mut reader, columns) = csv_table(bytes)?;
    let column = |name: &str| columns.get(name).copied();
    let (Some(title), Some(password)) = (column("title"), column("password")) else {
        return Err(ParseError::Invalid(
            "line 1: no Title and Password columns (not a KeePassXC CSV export?)".into(),
        ));
    };
    let (group, notes, totp) = (column("group"), column("notes"), column("totp"));
    let (modified, created) = (column("last modified"), column("created"));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(bytes, e))?;
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let recycled = cell(group).split('/').any(|g| g == RECYCLE_BIN);
        let base = EntryMeta {
            item: cell(Some(title)).to_string(),
            vault: Some(cell(group))
                .filter(|g| !g.is_empty())
                .map(str::to_string),
            created: parse_timestamp(cell(created)),
            updated: parse_timestamp(cell(modified)),
            history: recycled,
            ..EntryMeta::default()
        }
        .dated_by("Last Modified", "Created");
        add_login_cells(out, &base, cell(Some(password)), cell(totp), cell(notes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultFormat;

    #[test]
    fn older_six_column_exports() {
        let input = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n\"Root\",\"Mail\",\"me\",\"Mail-Pass-123\",\"\",\"\"\n";
        let mut out = Collector::new(VaultFormat::KeepassxcCsv, None, None);
        parse_csv(input.as_bytes(), &mut out).expect("parses");
        let found = out.into_entries();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].meta.vault.as_deref(), found[0].meta.updated),
            (Some("Root"), None)
        );
    }

    #[test]
    fn entries_in_the_recycle_bin_are_history() {
        let input = "\"Group\",\"Title\",\"Password\"\n\"Root/Recycle Bin\",\"Old\",\"Old-Pass-123\"\n\"Root/Recycle Bins\",\"Live\",\"Live-Pass-123\"\n";
        let mut out = Collector::new(VaultFormat::KeepassxcCsv, None, None);
        parse_csv(input.as_bytes(), &mut out).expect("parses");
        let history: Vec<bool> = out.into_entries().iter().map(|e| e.meta.history).collect();
        assert_eq!(history, [true, false]);
    }
}
