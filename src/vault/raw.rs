//! One value per file, the whole file: `gcloud secrets versions access latest --secret N > N`
//! (the payload and nothing else; `--out-file=N` for the exact bytes of a binary one), `op read`, `vault kv get -field=F`,
//! `az keyvault secret show --query value -o tsv`. Such a file cannot be told from any other
//! text file, so it is never detected: only `--vault-format raw` reads it. The item is the
//! file's name without its extension (set by `read_export`); there is no other metadata.

use super::{Collector, EntryMeta, ParseError};

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    // Exact and trimmed fingerprints both: `> FILE` keeps the bytes as stored, `echo "$(…)"`
    // adds a newline.
    out.add(
        bytes,
        EntryMeta {
            field: "value".into(),
            ..EntryMeta::default()
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;
    use crate::vault::VaultFormat;

    #[test]
    fn the_whole_file_is_one_value() {
        let mut out = Collector::new(VaultFormat::Raw, None, None);
        parse(b"line one\nline two=2\n", &mut out).unwrap();
        let entries = out.into_entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].fingerprint,
            fingerprint(b"line one\nline two=2\n")
        );
        assert_eq!(
            entries[0].trimmed_fingerprint.as_deref(),
            Some(fingerprint(b"line one\nline two=2").as_str())
        );
    }
}
